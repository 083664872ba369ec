"""PodDisruptionBudgets in Kubernetes mode: the `Budgets` port (controller/budgets.py)
as policy/v1 objects, made and deleted as Argo's controller does (engine/disruption.py).

The budget carries an ownerReference to its Workflow, so the garbage collector deletes
it with the workflow if the controller's deletion at completion never ran (a crash
between the status write and the action). The engine asks for it before every batch of
pods; a budget this controller made or found already costs no request.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from typing import Any

from kubernetes import client

from workflow_engine.errors import AlreadyExists, NotFound
from workflow_engine.runtime.kubernetes.client import call


class KubernetesBudgets:
    def __init__(self, api_client: client.ApiClient) -> None:
        self._policy = client.PolicyV1Api(api_client)
        self._lock = threading.Lock()
        self._made: set[tuple[str, str, str]] = set()  # (namespace, name, owner uid)

    def create(self, manifest: Mapping[str, Any]) -> None:
        meta = manifest["metadata"]
        namespace, name = str(meta.get("namespace") or "default"), str(meta["name"])
        owners = meta.get("ownerReferences") or [{}]
        made = (namespace, name, str(owners[0].get("uid") or ""))
        with self._lock:
            if made in self._made:
                return
        # one that exists was made before: by this workflow's earlier decision, or a
        # controller replica that led before this one
        with contextlib.suppress(AlreadyExists):
            call(self._policy.create_namespaced_pod_disruption_budget, namespace, dict(manifest))
        with self._lock:
            self._made.add(made)

    def delete(self, namespace: str, name: str) -> None:
        with self._lock:
            self._made = {m for m in self._made if m[:2] != (namespace, name)}
        try:
            call(self._policy.delete_namespaced_pod_disruption_budget, name, namespace)
        except NotFound:
            return
