"""`NodeAgent`: a Kubernetes node whose pods run as local processes (`wf node`).

Part of the runtime layer, between a real API server and ProcessRuntime: it registers
a Node and renews its Lease, watches the pods scheduled to it, starts them in the
runtime (API-backed volumes written and environment resolved first), reports their
status back (readiness from probes.Prober), carries out graceful deletion, and serves
their logs to the API server (kubelet_api). One worker thread does every
reconciliation; a watch thread and a heartbeat thread only feed it and keep the node
alive. A restarted agent adopts what its ProcessRuntime still has and never starts a
pod twice (see _first_sight). Containers of pods whose restartPolicy says so are
restarted in place with the kubelet's back-off (restarts.py).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workflow_engine.errors import (
    AlreadyExists,
    Expired,
    NotFound,
    PermanentError,
    TransientError,
    WorkflowEngineError,
)
from workflow_engine.runtime.base import PodObservation, Runtime
from workflow_engine.runtime.kubernetes_node.api import STRATEGIC_PATCH, Api
from workflow_engine.runtime.kubernetes_node.env import EnvResolver
from workflow_engine.runtime.kubernetes_node.kubelet_api import KubeletApi
from workflow_engine.runtime.kubernetes_node.probes import Prober
from workflow_engine.runtime.kubernetes_node.restarts import (
    Backoff,
    Restarts,
    backoff_status,
    crashed,
    restarted,
    to_restart,
    with_restarts,
)
from workflow_engine.runtime.kubernetes_node.status import (
    lease_manifest,
    micro_time,
    node_manifest,
    node_status,
    pod_status,
    unadoptable_status,
)
from workflow_engine.runtime.kubernetes_node.volumes import VolumeWriter, with_api_env

log = logging.getLogger(__name__)
Key = tuple[str, str]
UID_ANNOTATION = "node.wfengine.io/pod-uid"  # on the runtime's copy: which pod it runs


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_capacity() -> dict[str, str]:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cpu": str(os.cpu_count() or 1), "memory": f"{mem // 1024}Ki", "pods": "110"}


@dataclass(frozen=True)
class NodeConfig:
    name: str
    tls_cert: Path  # serving certificate of the kubelet API
    tls_key: Path
    address: str = "127.0.0.1"
    kubelet_port: int = 0  # 0: any free port
    lease_interval: float = 10.0
    resync_interval: float = 2.0
    watch_timeout: float = 30.0
    capacity: Mapping[str, str] = field(default_factory=default_capacity)
    backoff: Backoff = field(default_factory=Backoff)  # restarting containers in place


@dataclass
class _Started:
    uid: str
    at: datetime


def _key(pod: Mapping[str, Any]) -> Key:
    return (pod["metadata"]["namespace"], pod["metadata"]["name"])


class NodeAgent:
    """Runs the pods that the scheduler binds to `config.name` in `runtime`."""

    def __init__(
        self,
        api: Api,
        runtime: Runtime,
        config: NodeConfig,
        state_dir: Path,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.api, self.runtime, self.config, self._now = api, runtime, config, now
        self._volumes = VolumeWriter(api, state_dir / "volumes")
        self._env = EnvResolver(
            self._volumes.config_map, self._volumes.secret, config.name, config.address
        )
        self._markers = state_dir / "started"  # one file per pod uid handed to the runtime
        self._markers.mkdir(parents=True, exist_ok=True)
        self._kubelet = KubeletApi(
            runtime,
            config.address,
            config.kubelet_port,
            config.tls_cert,
            config.tls_key,
            api.conn.ca_file,
        )
        self._lock = threading.Lock()
        self._pods: dict[Key, dict[str, Any]] = {}  # as last seen on the API server
        self._started: dict[Key, _Started] = {}
        self._sent: dict[Key, dict[str, Any]] = {}
        self._restarts: dict[Key, Restarts] = {}
        self._armed: dict[Key, datetime] = {}  # the back-off end a wake-up timer is set for
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._listed = threading.Event()  # no reconciling before the first pod list
        self._prober = Prober(config.address, self._wake.set)
        self._threads: list[threading.Thread] = []
        runtime.add_listener(self._wake.set)

    @property
    def kubelet_port(self) -> int:
        return self._kubelet.port

    # --- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        """Serve the kubelet API, register the Node, and start the threads."""
        self._kubelet.start()
        self._register()
        self._prober.start()
        for name, target in (
            ("watch", self._watch_loop),
            ("heartbeat", self._heartbeat_loop),
            ("sync", self._sync_loop),
        ):
            thread = threading.Thread(target=target, name=f"wf-node-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the threads and the kubelet API. Pods keep running in the runtime,
        which the caller owns and closes."""
        self._stop.set()
        self._wake.set()
        self.api.close_streams()
        for thread in self._threads:
            thread.join(timeout)
        self._prober.stop()
        self._kubelet.stop()

    def __enter__(self) -> NodeAgent:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- node ------------------------------------------------------------------

    def _register(self) -> None:
        cfg, now = self.config, self._now()
        node = node_manifest(cfg.name, cfg.address, self.kubelet_port, cfg.capacity, now)
        try:
            self.api.create("/api/v1/nodes", node)
        except AlreadyExists:
            self._patch_node_status()
        self._renew_lease()

    def _patch_node_status(self) -> None:
        cfg = self.config
        status = node_status(cfg.address, self.kubelet_port, cfg.capacity, self._now())
        self.api.patch(f"/api/v1/nodes/{cfg.name}/status", {"status": status}, STRATEGIC_PATCH)

    def _renew_lease(self) -> None:
        base = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
        name = self.config.name
        try:
            self.api.patch(f"{base}/{name}", {"spec": {"renewTime": micro_time(self._now())}})
        except NotFound:
            self.api.create(base, lease_manifest(name, self._now()))

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self.config.lease_interval):
            try:
                self._renew_lease()
            except WorkflowEngineError as err:
                log.warning("wf node: lease renewal failed: %s", err)

    # --- pods: watch -----------------------------------------------------------

    def _watch_loop(self) -> None:
        path = "/api/v1/pods"
        selector = {"fieldSelector": f"spec.nodeName={self.config.name}"}
        while not self._stop.is_set():
            try:
                listed = self.api.get(path, **selector)
                with self._lock:
                    self._pods = {_key(p): p for p in listed.get("items") or []}
                if not self._listed.is_set():  # at start, before this agent marked any pod
                    self._prune_markers({p["metadata"]["uid"] for p in self._pods.values()})
                self._listed.set()
                self._wake.set()
                rv = listed["metadata"]["resourceVersion"]
                query = {**selector, "resourceVersion": rv, "allowWatchBookmarks": "true"}
                for event in self.api.watch(path, query, self.config.watch_timeout):
                    if self._stop.is_set():
                        return
                    self._on_event(event)
            except Expired:
                continue  # relist
            except (TransientError, PermanentError, OSError, ValueError) as err:
                if self._stop.is_set():
                    return  # stop() ended the watch
                log.warning("wf node: pod watch failed, relisting: %s", err)
                self._stop.wait(1.0)

    def _prune_markers(self, uids: set[str]) -> None:
        """Drop the start marks of pods that no longer exist (deleted while the agent
        was down, or from another cluster that used this state dir)."""
        for marker in self._markers.iterdir():
            if marker.name not in uids:
                marker.unlink(missing_ok=True)

    def _on_event(self, event: Mapping[str, Any]) -> None:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            raise Expired(str(obj.get("message", "watch error")))
        if kind not in ("ADDED", "MODIFIED", "DELETED"):
            return
        with self._lock:
            if kind == "DELETED":
                self._pods.pop(_key(obj), None)
            else:
                self._pods[_key(obj)] = obj
        self._wake.set()

    # --- pods: reconcile -------------------------------------------------------

    def _sync_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.config.resync_interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.sync_once()
            except Exception:  # one bad round must not stop the node
                log.exception("wf node: sync failed")

    def sync_once(self) -> None:
        """Bring the runtime and the API server's pod statuses in line, once."""
        if not self._listed.is_set():
            return  # an empty map now would mean "kill every pod the runtime has"
        with self._lock:
            pods = dict(self._pods)
        observed = {(o.namespace, o.name): o for o in self.runtime.observe()}
        for key, pod in pods.items():
            self._sync_pod(key, pod, observed.get(key))
        for key in observed.keys() - pods.keys():
            self._forget(key)

    def _sync_pod(self, key: Key, pod: dict[str, Any], obs: PodObservation | None) -> None:
        meta = pod["metadata"]
        started = self._started.get(key)
        if started is not None and started.uid != meta["uid"]:
            self._forget(key)  # same name, new pod: the old one goes first
            return
        if meta.get("deletionTimestamp"):
            self._delete(key, pod, obs)
            return
        if started is None:
            self._first_sight(key, pod, obs)
            return
        restarts = self._restarts.get(key)
        if restarts is not None and restarts.waiting:
            self._back_off(key, pod, obs, restarts)
            return
        if obs is None:
            return
        running = [c.name for c in obs.containers if c.state == "running"]
        self._prober.track(pod, running if obs.phase == "Running" else [])
        status = pod_status(
            obs, pod["spec"], self.config.address, started.at, self._prober.ready(pod)
        )
        if restarts is not None:
            status = with_restarts(status, restarts, _names(pod))
            recorded = (pod.get("status") or {}).get("startTime")
            if recorded:  # the pod's start, not this run's, as the kubelet keeps it
                status["startTime"] = recorded
        again = to_restart(_policy(pod), obs)
        if again:
            restarts = self._restarts.setdefault(key, Restarts())
            crashed(restarts, obs, again, status, self.config.backoff, self._now())
            self._back_off(key, pod, obs, restarts)
            return
        self._report(key, pod, status)

    def _back_off(
        self, key: Key, pod: dict[str, Any], obs: PodObservation | None, restarts: Restarts
    ) -> None:
        """A run that ended, with containers to restart: remove it from the runtime,
        and once it is gone and the back-off has passed, start the next run."""
        now = self._now()
        if obs is not None:
            self.runtime.delete_pod(key[1], key[0], 0.0)  # its removal wakes us
        elif restarts.until is None or restarts.until <= now:
            names = restarted(restarts, self.config.backoff, now)
            self._start(key, pod, names)
            return
        if restarts.until is not None and restarts.until > now:
            self._arm(key, restarts.until, now)
        self._report(key, pod, backoff_status(restarts, pod, _names(pod), now))

    def _arm(self, key: Key, at: datetime, now: datetime) -> None:
        """Wake the sync loop at `at` (once per back-off: every round comes here)."""
        if self._armed.get(key) == at:
            return
        self._armed[key] = at
        timer = threading.Timer((at - now).total_seconds(), self._wake.set)
        timer.daemon = True
        timer.start()

    def _first_sight(self, key: Key, pod: dict[str, Any], obs: PodObservation | None) -> None:
        """A pod this agent has not started: start it, adopt it from the runtime (it
        survived a restart of the agent), or, if an earlier agent started it and its
        processes are lost, restart it if its restartPolicy allows (as the kubelet
        restarts a lost container), else report it Failed: starting it again could
        repeat its side effects, and its controller (Job, ReplicaSet) decides what to
        run next."""
        uid = pod["metadata"]["uid"]
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return  # finished before this agent started
        if obs is not None:
            if obs.annotations.get(UID_ANNOTATION) == uid:
                self._started[key] = _Started(uid, obs.started_at or self._now())
                self._restarts[key] = Restarts.from_status(pod.get("status") or {})
                self._wake.set()
            else:  # an older pod of the same name: it goes first
                self.runtime.delete_pod(key[1], key[0], 0.0)
            return
        if (self._markers / uid).exists() or _was_started(pod):
            if _policy(pod) == "Never":
                self._report(key, pod, unadoptable_status(pod, self.config.address, self._now()))
                return
            # its restartPolicy allows another run: the kubelet restarts a lost container
            restarts = Restarts.from_status(pod.get("status") or {})
            restarts.waiting = tuple(_names(pod))
            self._restarts[key] = restarts
            self._start(key, pod, restarted(restarts, self.config.backoff, self._now()))
            return
        self._start(key, pod)

    def _start(self, key: Key, pod: dict[str, Any], only: tuple[str, ...] = ()) -> None:
        """Start `pod` in the runtime (a restart: with only the containers `only`)."""
        if only:
            containers = [c for c in pod["spec"]["containers"] if c["name"] in only]
            pod = {**pod, "spec": {**pod["spec"], "containers": containers}}
        try:
            resolved = self._env.resolve(self._volumes.prepare(pod))
            prepared = with_api_env(resolved, self.api.conn.server)
            meta = prepared["metadata"]
            annotations = {**(meta.get("annotations") or {}), UID_ANNOTATION: meta["uid"]}
            prepared["metadata"] = {**meta, "annotations": annotations}
            (self._markers / meta["uid"]).touch()  # before: a crash after it runs nothing twice
            self.runtime.create_pod(prepared)
        except WorkflowEngineError as err:
            (self._markers / pod["metadata"]["uid"]).unlink(missing_ok=True)
            self._started.pop(key, None)  # a failed restart: the next round tries again
            message = f"cannot start pod: {err}"
            self._report(
                key, pod, {"phase": "Pending", "reason": "ContainerCreating", "message": message}
            )
            return
        uid = pod["metadata"]["uid"]
        if key not in self._started or self._started[key].uid != uid:  # a restart keeps it
            self._started[key] = _Started(uid, self._now())

    def _delete(self, key: Key, pod: dict[str, Any], obs: PodObservation | None) -> None:
        meta = pod["metadata"]
        if obs is not None and obs.phase in ("Pending", "Running"):
            grace = meta.get("deletionGracePeriodSeconds")
            self.runtime.delete_pod(key[1], key[0], None if grace is None else float(grace))
            return
        if obs is not None:
            self.runtime.delete_pod(key[1], key[0])
        body = {"gracePeriodSeconds": 0, "preconditions": {"uid": meta["uid"]}}
        try:
            self.api.delete(f"/api/v1/namespaces/{key[0]}/pods/{key[1]}", body)
        except NotFound:
            pass  # already gone
        except WorkflowEngineError as err:
            log.warning("wf node: final delete of %s/%s failed: %s", *key, err)
            return
        self._drop(key, meta["uid"])

    def _forget(self, key: Key) -> None:
        self.runtime.delete_pod(key[1], key[0], 0.0)
        started = self._started.get(key)
        self._drop(key, started.uid if started else None)

    def _drop(self, key: Key, uid: str | None) -> None:
        self._started.pop(key, None)
        self._sent.pop(key, None)
        self._restarts.pop(key, None)
        self._armed.pop(key, None)
        self._prober.forget(*key)
        self._volumes.remove(*key)
        if uid:
            (self._markers / uid).unlink(missing_ok=True)

    def _report(self, key: Key, pod: Mapping[str, Any], status: dict[str, Any]) -> None:
        if self._sent.get(key) == status:
            return
        path = f"/api/v1/namespaces/{key[0]}/pods/{key[1]}/status"
        body = {"metadata": {"uid": pod["metadata"]["uid"]}, "status": status}
        try:
            self.api.patch(path, body, STRATEGIC_PATCH)
        except NotFound:
            return
        except WorkflowEngineError as err:
            log.warning("wf node: status of %s/%s not sent: %s", *key, err)
            return
        self._sent[key] = status


def _policy(pod: Mapping[str, Any]) -> str:
    return str(pod["spec"].get("restartPolicy") or "Always")


def _names(pod: Mapping[str, Any]) -> list[str]:
    return [str(c.get("name")) for c in pod["spec"].get("containers") or []]


def _was_started(pod: Mapping[str, Any]) -> bool:
    """Did a node agent report this pod's containers as started?"""
    status = pod.get("status") or {}
    if status.get("phase") == "Running":
        return True
    containers = (status.get("containerStatuses") or []) + (
        status.get("initContainerStatuses") or []
    )
    return any({"running", "terminated"} & set(c.get("state") or {}) for c in containers)
