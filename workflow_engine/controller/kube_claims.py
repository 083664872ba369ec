"""Volume claims in Kubernetes mode: the `Claims` port (controller/claims.py) as real
PersistentVolumeClaims.

A claim made from a `volumeClaimTemplates` entry carries an ownerReference to its
Workflow, so the cluster's garbage collector deletes it with the workflow; the
controller deletes it earlier when `volumeClaimGC` says. As Argo's controller does, a
claim that exists already is reused when the same workflow owns it (a retry, or a
decision applied twice) and refused otherwise; and a deleted claim loses its
`kubernetes.io/pvc-protection` finalizer, which the finished pods that still name it
would otherwise hold for as long as they exist.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from kubernetes import client

from workflow_engine.errors import AlreadyExists, NotFound, WorkflowEngineError
from workflow_engine.runtime.kubernetes.client import call

log = logging.getLogger(__name__)

PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"


class KubernetesClaims:
    def __init__(self, api_client: client.ApiClient) -> None:
        self._core = client.CoreV1Api(api_client)
        self._lock = threading.Lock()
        self._made: set[tuple[str, str, frozenset[str]]] = set()  # (ns, name, owner uids)

    def create(self, manifest: Mapping[str, Any]) -> None:
        """Create the claim, once: the engine asks again before every batch of pods,
        and a claim this controller made or found already costs no request."""
        meta = manifest["metadata"]
        namespace, name = str(meta.get("namespace") or "default"), str(meta["name"])
        made = (namespace, name, frozenset(_owners(manifest)))
        with self._lock:
            if made in self._made:
                return
        self._create(manifest, namespace, name)
        with self._lock:
            self._made.add(made)

    def _create(self, manifest: Mapping[str, Any], namespace: str, name: str) -> None:
        try:
            call(self._core.create_namespaced_persistent_volume_claim, namespace, dict(manifest))
        except AlreadyExists:
            found = call(self._core.read_namespaced_persistent_volume_claim, name, namespace)
            if not _owners(found) & _owners(manifest):
                raise AlreadyExists(
                    f"persistentvolumeclaim {name!r} exists with a different owner"
                ) from None

    def delete(self, namespace: str, name: str) -> None:
        with self._lock:
            self._made = {m for m in self._made if m[:2] != (namespace, name)}
        try:
            call(self._core.delete_namespaced_persistent_volume_claim, name, namespace)
            found = call(self._core.read_namespaced_persistent_volume_claim, name, namespace)
        except NotFound:
            return
        finalizers = list(found["metadata"].get("finalizers") or ())
        if PROTECTION_FINALIZER not in finalizers:
            return
        kept = [f for f in finalizers if f != PROTECTION_FINALIZER]
        patch = [{"op": "replace", "path": "/metadata/finalizers", "value": kept}]
        try:
            call(self._core.patch_namespaced_persistent_volume_claim, name, namespace, patch)
        except NotFound:
            return
        except WorkflowEngineError as exc:  # it goes once its pods do: not worth a failure
            log.warning("claim %s/%s keeps its protection finalizer: %s", namespace, name, exc)

    def release(self, namespace: str, workflow: str) -> None:
        return None  # the garbage collector follows the ownerReference


def _owners(obj: Mapping[str, Any]) -> set[str]:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or ()
    return {str(r.get("uid")) for r in refs if r.get("uid")}
