"""`KubernetesRuntime`: the Runtime port (runtime/base.py) over a Kubernetes API server.

Part of the runtime room, beside the process runtime. Pods are real Pod objects:
`create_pod` POSTs the manifest (an existing name is a no-op, as the port requires),
`delete_pod` deletes with the grace period asked for, `observe` reads the pod informer
(list + watch, informer.py), `pod_feed` hands out the pods it saw change, `logs` reads
the pods/log API (following it with `follow`), and listeners hear every change the
informer sees. The official
`kubernetes` client does the HTTP; its errors are translated in client.py.

What runs the pods is the cluster's business (a kubelet, or `wf node` in the tests);
there are no container handlers and no slots here (a node's capacity bounds its pods).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from kubernetes import client

from workflow_engine.errors import AlreadyExists, NotFound, PermanentError, TransientError
from workflow_engine.runtime.base import PodObservation
from workflow_engine.runtime.kubernetes.client import call, lines, stream
from workflow_engine.runtime.kubernetes.convert import parse_time
from workflow_engine.runtime.kubernetes.informer import InformerFeed, PodInformer

SYNC_TIMEOUT = 60.0
_NOT_STARTED = ("waiting to start", "PodInitializing", "ContainerCreating")


class KubernetesRuntime:
    """Pods on a Kubernetes cluster. `namespace=None` observes every namespace;
    `label_selector` (e.g. `workflows.argoproj.io/workflow`) narrows what is observed.
    A manifest without `metadata.namespace` goes to `default_namespace`."""

    def __init__(
        self,
        api_client: client.ApiClient,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        default_namespace: str = "default",
        watch_timeout: int = 30,
    ) -> None:
        self._api = api_client
        self._core = client.CoreV1Api(api_client)
        self._default_ns = namespace or default_namespace
        self._listeners: list[Callable[[], None]] = []
        self._listeners_lock = threading.Lock()
        self._informer = PodInformer(
            self._core, namespace, label_selector, self._changed, watch_timeout
        )
        self._informer.start()
        if not self._informer.wait_synced(SYNC_TIMEOUT):
            self._informer.stop()
            raise TransientError("the pod informer did not list pods in time")

    # -- pods ---------------------------------------------------------------------------

    def create_pod(self, manifest: Mapping[str, Any]) -> None:
        meta = dict(manifest.get("metadata") or {})
        namespace = str(meta.get("namespace") or self._default_ns)
        body = {**manifest, "metadata": {**meta, "namespace": namespace}}
        body.setdefault("apiVersion", "v1")
        body.setdefault("kind", "Pod")
        try:
            created = call(self._core.create_namespaced_pod, namespace, body)
        except AlreadyExists:
            return  # creating a pod that exists is a no-op
        self._informer.put(created)

    def delete_pod(
        self, name: str, namespace: str = "default", grace_seconds: float | None = None
    ) -> None:
        kwargs: dict[str, Any] = {}
        if grace_seconds is not None:
            # The API counts whole seconds, and 0 means "gone now, without the node".
            grace = max(0, math.ceil(grace_seconds))
            kwargs["grace_period_seconds"] = grace
            kwargs["body"] = client.V1DeleteOptions(grace_period_seconds=grace)
        try:
            call(self._core.delete_namespaced_pod, name, namespace, **kwargs)
        except NotFound:
            return

    def observe(self) -> list[PodObservation]:
        return self._informer.observations()

    def pod_feed(self) -> InformerFeed:
        """Incremental observation for one consumer (see runtime.base.PodFeed), fed by
        the pod watch: a wake-up costs the pods that changed, not all of them."""
        return self._informer.feed()

    # -- logs ---------------------------------------------------------------------------

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]:
        pod = self._informer.get(namespace, name) or call(
            self._core.read_namespaced_pod, name, namespace
        )
        spec = pod.get("spec") or {}
        names = {
            str(c.get("name")) for k in ("initContainers", "containers") for c in spec.get(k) or []
        }
        if container not in names:
            raise NotFound(f"pod {namespace}/{name} has no container {container!r}")
        return self._log_lines(name, namespace, container, follow, timestamps, since)

    def _log_lines(
        self,
        name: str,
        namespace: str,
        container: str,
        follow: bool,
        timestamps: bool,
        since: datetime | None,
    ) -> Iterator[bytes]:
        response = self._open_log(name, namespace, container, follow, timestamps or bool(since))
        if response is None:
            return
        for line in lines(response):
            if since is not None:
                stamp, _, text = line.partition(b" ")
                when = parse_time(stamp.decode(errors="replace"))
                if when is not None and when < since:
                    continue
                if not timestamps:
                    line = text
            yield line + b"\n"

    def _open_log(
        self, name: str, namespace: str, container: str, follow: bool, timestamps: bool
    ) -> Any:
        """The log response; None when the container has not started and we do not
        follow, or the pod went away (or ended) while we waited for it to start."""
        while True:
            try:
                return stream(
                    self._core.read_namespaced_pod_log,
                    name,
                    namespace,
                    container=container,
                    follow=follow,
                    timestamps=timestamps,
                )
            except NotFound:
                if not follow:
                    raise
                if not self._may_start(namespace, name):
                    return None
                # bound to a node whose kubelet does not know it yet: wait for it
                self._informer.wait_change(1.0)
                continue
            except PermanentError as exc:
                if not any(marker in str(exc) for marker in _NOT_STARTED):
                    raise
                if not follow:
                    return None
                self._informer.wait_change(1.0)

    def _may_start(self, namespace: str, name: str) -> bool:
        """The pod exists and has not ended: its log may still come."""
        pod = self._informer.get(namespace, name)
        return pod is not None and (pod.get("status") or {}).get("phase") in (
            None,
            "Pending",
            "Running",
        )

    # -- listeners, life cycle ----------------------------------------------------------

    def add_listener(self, callback: Callable[[], None]) -> None:
        with self._listeners_lock:
            self._listeners.append(callback)

    def _changed(self) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for callback in listeners:
            callback()

    @property
    def relists(self) -> int:
        """How many times the informer listed the pods (1 + re-lists after errors)."""
        return self._informer.relists

    def close(self) -> None:
        self._informer.stop()
        self._api.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> KubernetesRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
