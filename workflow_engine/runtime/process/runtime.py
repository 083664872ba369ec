"""`ProcessRuntime`: the embedded Runtime, pods as local processes in a sandbox.

Part of the runtime layer (see workflow_engine.runtime.base for the contract): the
controller hands it pod manifests; it queues them for a slot, runs their containers as
processes (overlay sandbox when root and the kernel allow it, a plain per-pod directory
otherwise), records phases, exit codes and logs, and wakes listeners on every change.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pwd
import re
import shutil
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from workflow_engine.errors import NotFound, PermanentError, SpecError
from workflow_engine.runtime.base import ContainerHandler, PodObservation
from workflow_engine.runtime.process.adopt import Adoption, find_unrecorded_shims
from workflow_engine.runtime.process.feed import ProcessPodFeed
from workflow_engine.runtime.process.handlers import Workers
from workflow_engine.runtime.process.isolation import (
    Boundary,
    IsolationChoice,
    PodNetwork,
    probe_boundary,
)
from workflow_engine.runtime.process.launcher import Launcher
from workflow_engine.runtime.process.logs import read_log
from workflow_engine.runtime.process.loop import Callback, EventLoop
from workflow_engine.runtime.process.persist import Journal
from workflow_engine.runtime.process.profiles import Profiles
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord
from workflow_engine.runtime.process.sandbox import SandboxKind, find_helper, probe_overlay
from workflow_engine.runtime.process.security import check_pod
from workflow_engine.runtime.process.shim import shim_supported
from workflow_engine.runtime.process.supervisor import PodTable, Supervisor

log = logging.getLogger(__name__)
_NAME = re.compile(r"[a-z0-9A-Z]([-a-z0-9A-Z_.]{0,251}[a-z0-9A-Z])?")
DEFAULT_GRACE = 30.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _resolve_kind(choice: str, scratch: Path, helper: str | None) -> SandboxKind:
    if choice == "plain":
        return "plain"
    ok = probe_overlay(scratch, helper)
    shutil.rmtree(scratch, ignore_errors=True)
    if ok:
        return "overlay"
    if choice == "overlay":
        raise PermanentError("the overlay sandbox needs root and overlayfs; use sandbox='plain'")
    return "plain"


class ProcessRuntime:
    """The embedded Runtime (see workflow_engine.runtime.base.Runtime)."""

    def __init__(
        self,
        state_dir: Path,
        *,
        slots: int | None = None,
        handlers: Mapping[str, ContainerHandler] | None = None,
        now: Callable[[], datetime] = _utcnow,
        sandbox: Literal["overlay", "plain", "auto"] = "auto",
        host_path: str | None = None,
        sandbox_helper: str | None = "auto",
        isolation: IsolationChoice = "auto",
        pod_network: PodNetwork = "host",
        refuse_layers: Collection[str] = (),
    ) -> None:
        """`sandbox_helper`: the wf-sandbox program that enters an overlay sandbox and
        runs each container process under its shim ("auto": the one scripts/setup.sh
        built, if any; None: do it in Python, slower, and the processes die with this
        runtime). `isolation`: "auto" builds every layer of the container boundary the
        kernel allows around overlay sandboxes (see `boundary`), "none" the overlay
        only. `pod_network`: "private" gives each pod without `hostNetwork: true` a
        network namespace with loopback only. `refuse_layers`: boundary layers
        ("pid", "uts", "ipc", "net", "user", "seccomp") to leave out as if the kernel
        refused them. The pods an earlier runtime left in `state_dir` are adopted."""
        self._state_dir = Path(state_dir)
        self._pods_dir = self._state_dir / "pods"
        self._pods_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._listeners: list[Callable[[], None]] = []
        self._table = PodTable(
            slots=slots or (os.cpu_count() or 1) * 4,
            journal=Journal(self._state_dir / "journal", self._pods_dir),
        )
        helper = find_helper() if sandbox_helper == "auto" else sandbox_helper
        self._kind = _resolve_kind(sandbox, self._state_dir / f".probe-{os.getpid()}", helper)
        self._helper = helper if self._kind == "overlay" else None
        self._shim = helper if helper is not None and shim_supported(helper) else None
        cgroup_name = "wf-" + hashlib.sha1(str(self._state_dir.resolve()).encode()).hexdigest()[:12]
        self._boundary = probe_boundary(
            isolation, self._kind, self._shim, pod_network, cgroup_name, refuse_layers
        )
        profiles_root = self._state_dir / "profiles"
        profiles_root.mkdir(exist_ok=True)
        (self._state_dir / "root").mkdir(exist_ok=True)
        # The overlay's lower layer is the root filesystem only: link dirs on another
        # filesystem must be bound in explicitly.
        off_root = os.stat(profiles_root).st_dev != os.stat("/").st_dev
        self._launcher = Launcher(
            kind=self._kind,
            # the program edge: the host PATH is read once, here, unless given
            profiles=Profiles(profiles_root, host_path or os.environ.get("PATH", os.defpath)),
            handlers=handlers or {},
            workers=Workers("process-runtime-handler"),
            spawners=Workers("process-runtime-spawner", limit=4),
            home=pwd.getpwuid(os.geteuid()).pw_dir,
            extra_binds=(str(profiles_root),) if off_root else (),
            root=self._state_dir / "root",
            helper=self._helper,
            shim=self._shim,
            lock=self._lock,
            now=now,
            boundary=self._boundary,
        )
        self._loop = EventLoop(self._dispatch)
        self._supervisor = Supervisor(self._table, self._loop, self._launcher, now)
        self._closed = False
        self._adopt(Adoption(self._supervisor))

    def _adopt(self, adoption: Adoption) -> None:
        with self._lock:
            pods = self._table.journal.load()
            find_unrecorded_shims(pods, self._table.journal.seq)
            self._table.journal.start(pods)  # a segment of its own, from a snapshot
            resumed = adoption.load(pods)
        for pod in resumed:
            self._loop.call_soon(lambda p=pod: adoption.resume(p))  # type: ignore[misc]
        self._loop.call_soon(self._supervisor.admit)

    @property
    def sandbox_kind(self) -> SandboxKind:
        return self._kind

    @property
    def boundary(self) -> Boundary:
        """What holds around each container (namespaces, users, limits), as probed."""
        return self._boundary

    @property
    def sandbox_helper(self) -> str | None:
        """The wf-sandbox program entering overlay sandboxes (None: Python does it)."""
        return self._helper

    @property
    def survives_restart(self) -> bool:
        """Do container processes outlive this runtime (run under wf-sandbox's shim),
        so that a runtime started later on the same state dir adopts them?"""
        return self._shim is not None

    def pod_directory(self, namespace: str, name: str) -> Path:
        """Where the pod's files live (removed with the pod): its owner may put files
        for the pod there before creating it, e.g. the contents of its volumes."""
        return self._pods_dir / namespace / name

    @property
    def slots(self) -> int:
        return self._table.slots

    def _dispatch(self, fn: Callback) -> None:
        with self._lock:
            try:
                fn()
            finally:
                self._table.save_dirty()
            changed, self._table.changed = self._table.changed, False
            self._cond.notify_all()
        if changed:
            for callback in list(self._listeners):
                try:
                    callback()
                except Exception:  # a listener's bug must not stop the runtime
                    log.exception("runtime listener failed")

    def create_pod(self, manifest: Mapping[str, Any]) -> None:
        meta = manifest.get("metadata") or {}
        name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "default")
        for field, value in (("metadata.name", name), ("metadata.namespace", namespace)):
            if not _NAME.fullmatch(value):
                raise SpecError(field, f"{value!r} is not a valid name")
        spec = manifest.get("spec") or {}
        if not spec.get("containers"):
            raise SpecError("spec.containers", "a pod needs at least one container")
        for field in ("activeDeadlineSeconds", "terminationGracePeriodSeconds"):
            seconds = spec.get(field)
            if seconds is not None and (
                isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0
            ):
                raise SpecError(f"spec.{field}", f"{seconds!r} is not a number of seconds")
        check_pod(spec)
        if self._closed:
            raise PermanentError("the runtime is closed")
        directory = self._pods_dir / namespace / name
        with self._lock:
            if (namespace, name) in self._table.pods:
                return
            grace = spec.get("terminationGracePeriodSeconds")
            pod = PodRecord(
                name=name,
                namespace=namespace,
                spec=spec,
                labels=dict(meta.get("labels") or {}),
                annotations=dict(meta.get("annotations") or {}),
                directory=directory,
                init=_records(spec.get("initContainers"), directory),
                main=_records(spec.get("containers"), directory),
                grace=DEFAULT_GRACE if grace is None else float(grace),
                created=time.time_ns(),
            )
            self._table.add(pod)
            self._table.unfinished += 1
            # recorded before it can start: a later runtime starts it if this one dies
            self._table.journal.created(pod)
        self._loop.call_soon(lambda: self._supervisor.enqueue(pod))

    def delete_pod(
        self, name: str, namespace: str = "default", grace_seconds: float | None = None
    ) -> None:
        with self._lock:
            pod = self._table.pods.get((namespace, name))
        if pod is not None:
            grace = pod.grace if grace_seconds is None else grace_seconds
            self._loop.call_soon(lambda: self._supervisor.delete(pod, grace))

    def unfinished(self) -> int:
        """How many pods are Pending or Running (cheap: no observation is built)."""
        with self._lock:
            return self._table.unfinished

    def observe(self) -> list[PodObservation]:
        with self._lock:
            return [pod.observation() for pod in self._table.pods.values()]

    def pod_feed(self) -> ProcessPodFeed:
        """Incremental observation for one consumer (see runtime.base.PodFeed)."""
        with self._lock:
            feed = ProcessPodFeed(self._lock, self._table.pods.values())
            self._table.feeds.append(feed)
        return feed

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]:
        with self._lock:
            pod = self._table.pods.get((namespace, name))
            if pod is None:
                raise NotFound(f"pod {namespace}/{name} not found")
            record = pod.find(container)
            if record is None:
                raise NotFound(f"pod {namespace}/{name} has no container {container!r}")
        return read_log(
            record.log_path,
            timestamps=timestamps,
            since=since,
            follow=follow,
            finished=lambda: self._ended(pod, record),
            wait=self._wait,
        )

    def _ended(self, pod: PodRecord, record: ContainerRecord) -> bool:
        with self._lock:
            return record.ended or pod.stage == "done" or self._table.pods.get(pod.key) is not pod

    def _wait(self, seconds: float) -> None:
        with self._cond:
            self._cond.wait(seconds)

    def add_listener(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    def close(self, timeout: float = 10.0) -> None:
        """Kill every process this runtime started and stop its thread."""
        if self._closed:
            return
        self._closed = True
        self._loop.call_soon(self._supervisor.kill_all)
        with self._cond:
            self._cond.wait_for(self._quiet, timeout)
        self._loop.stop(timeout)
        with self._lock:
            pods = list(self._table.pods.values())
        for pod in pods:  # host symlinks of the plain sandbox: nothing may follow them now
            self._launcher.unlink_plain(pod)
        with self._lock:
            self._table.journal.close()
        if self._boundary.cgroups is not None:
            self._boundary.cgroups.close()

    def detach(self, timeout: float = 10.0) -> None:
        """Stop supervising but leave every container process running, for a runtime
        started later on the same state dir to adopt (as after a crash): a graceful
        controller stop. Only when `survives_restart`; otherwise the processes could
        not be adopted, so this is `close()`."""
        if not self.survives_restart:
            self.close(timeout)
            return
        if self._closed:
            return
        self._closed = True
        self._loop.stop(timeout)
        with self._lock:
            self._table.journal.close()

    def _quiet(self) -> bool:
        return self._table.starting == 0 and all(
            c.state != "running" for p in self._table.pods.values() for c in p.containers()
        )

    def __enter__(self) -> ProcessRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _records(specs: Any, directory: Path) -> list[ContainerRecord]:
    names = [str(c.get("name", "")) for c in specs or ()]
    return [ContainerRecord(n, directory / "logs" / f"{n}.log") for n in names]
