"""Per-pod set-up and process start for the process runtime.

Part of the process runtime: makes a pod's directories, turns its containers into
`ContainerPlan`s (with the image's PATH profile), starts a container's process in its
sandbox, hands handler containers to worker threads, and removes what a pod left behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from workflow_engine.runtime.base import ContainerHandler
from workflow_engine.runtime.process.containers import (
    ContainerPlan,
    PodContext,
    plan_container,
    pod_volumes,
    sidecar_names,
)
from workflow_engine.runtime.process.handlers import ContainerSandbox, RunJournal, Workers
from workflow_engine.runtime.process.isolation import USERNS_BASE, Boundary
from workflow_engine.runtime.process.logs import LogWriter
from workflow_engine.runtime.process.persist import Journal, exit_key
from workflow_engine.runtime.process.profiles import Profiles, entrypoint_for
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord
from workflow_engine.runtime.process.sandbox import (
    LaunchError,
    Layout,
    SandboxKind,
    start_process,
)
from workflow_engine.runtime.process.security import RUN_AS_ROOT, container_security
from workflow_engine.runtime.process.shim import container_files, start_shim
from workflow_engine.terminal import terminal_argv, wants_terminal


class Launcher:
    def __init__(
        self,
        *,
        kind: SandboxKind,
        profiles: Profiles,
        handlers: Mapping[str, ContainerHandler],
        workers: Workers,
        spawners: Workers,
        home: str,
        extra_binds: tuple[str, ...],
        root: Path,
        helper: str | None,
        shim: str | None,
        lock: threading.Lock,
        now: Callable[[], datetime],
        boundary: Boundary | None = None,
    ) -> None:
        self.kind = kind
        self.boundary = boundary or Boundary()
        self.profiles = profiles
        self.handlers = dict(handlers)
        self.workers = workers  # handler calls (may take long)
        self.spawners = spawners  # directory set-up and process starts (short)
        self.home = home
        self.extra_binds = extra_binds
        self.root = root
        self.helper = helper
        self.shim = shim  # wf-sandbox --shim: container processes outlive this runtime
        self.lock = lock  # the runtime's: a handler's processes are tracked under it
        self.now = now

    def prepare_pod(self, pod: PodRecord) -> None:
        """Directories and plans of a pod; runs in a worker thread (file system calls are
        slow on some disks and must not hold up the supervisor)."""
        try:
            pod.directory.mkdir()
        except FileNotFoundError:
            pod.directory.mkdir(parents=True)
        except FileExistsError:
            pass
        volumes, errors = pod_volumes(pod.spec, pod.directory / "volumes")
        ctx = PodContext(pod.name, pod.namespace, pod.labels, pod.annotations, volumes, errors)
        # a user namespace's root owns the emptyDirs (its ids are host ids from the base)
        userns = pod.spec.get("hostUsers") is False and self.boundary.user_namespaces
        for host in volumes.values():
            if not os.path.isdir(host):  # emptyDir, or a hostPath not made yet
                os.makedirs(host, exist_ok=True)
                if host.startswith(str(pod.directory)):  # emptyDir: any runAsUser writes
                    os.chmod(host, 0o777)
                    if userns:
                        os.chown(host, USERNS_BASE, USERNS_BASE)
        main_specs = list(pod.spec.get("containers") or ())
        sidecars = sidecar_names(pod.annotations, [str(c.get("name", "")) for c in main_specs])
        for key, records, specs in (
            ("initContainers", pod.init, pod.spec.get("initContainers") or ()),
            ("containers", pod.main, main_specs),
        ):
            for i, (record, spec) in enumerate(zip(records, specs, strict=True)):
                image = str(spec.get("image", ""))
                base = {
                    "PATH": self.profiles.path_for(image),
                    "HOME": self.home,
                    "HOSTNAME": pod.name,
                }
                plan = plan_container(
                    spec,
                    ctx,
                    base,
                    sidecar=record.name in sidecars,
                    entrypoint=entrypoint_for(image) or (),
                )
                record.plan = self._secure(pod, plan, f"spec.{key}[{i}]")
        if self.kind == "plain":
            self._plain_links(pod)

    def _secure(self, pod: PodRecord, plan: ContainerPlan, path: str) -> ContainerPlan:
        """The plan with its securityContext and limits, refused when they cannot hold."""
        sec = container_security(pod.spec, plan.spec, path)
        plan = replace(plan, security=sec)
        boundary = self.boundary
        # runAsNonRoot: a runtime that is not root runs nothing as root
        as_root = os.geteuid() == 0 or not sec.error.startswith(RUN_AS_ROOT)
        if sec.error and as_root and not plan.error:
            return replace(plan, error=sec.error, error_reason="CreateContainerConfigError")
        if not sec.host_users and not boundary.user_namespaces and not plan.error:
            why = "; ".join(boundary.notes) or "not supported"
            return replace(plan, error=f"hostUsers: false cannot be honoured here: {why}")
        changes_user = sec.run_as_user not in (None, os.geteuid()) or sec.run_as_group not in (
            None,
            os.getegid(),
        )
        if changes_user and not boundary.users and not plan.error:
            why = "; ".join(boundary.notes) or "not supported"
            error = f"securityContext.runAsUser/runAsGroup cannot be honoured here: {why}"
            return replace(plan, error=error)
        if sec.seccomp == "RuntimeDefault" and not (boundary.seccomp and sec.filtered):
            why = "; ".join(boundary.notes) or "no isolation"
            plan = _with_note(plan, f"seccompProfile RuntimeDefault not applied ({why})")
        if sec.limited and boundary.cgroups is None:
            why = "; ".join(boundary.notes) or "no isolation"
            return _with_note(plan, f"resources.limits not enforced ({why})")
        return plan

    def cgroup_procs(self, pod: PodRecord, plan: ContainerPlan) -> tuple[str, ...]:
        """The container's cgroups (made with its limits, when it has any)."""
        cgroups, sec = self.boundary.cgroups, plan.security
        if cgroups is None or not sec.limited:
            return ()
        try:
            return cgroups.create(exit_key(pod, plan.name), sec.memory_bytes, sec.cpu_millis)
        except OSError as e:
            raise LaunchError(128, f"cannot make the container's cgroup: {e}") from e

    def oom_killed(self, pod: PodRecord, c: ContainerRecord) -> bool:
        cgroups = self.boundary.cgroups
        limited = c.plan is not None and c.plan.security.limited
        return cgroups is not None and limited and cgroups.oom_killed(exit_key(pod, c.name))

    def release(self, pod: PodRecord, c: ContainerRecord) -> None:
        """The container ended: its cgroups go (in a spawner thread: removing a v1
        memory cgroup can take milliseconds, which the event loop must not wait for)."""
        cgroups = self.boundary.cgroups
        if cgroups is not None and c.plan is not None and c.plan.security.limited:
            key = exit_key(pod, c.name)
            self.spawners.submit(lambda: cgroups.remove(key))

    def _plain_links(self, pod: PodRecord) -> None:
        """Without mount namespaces a volume can only appear at its mountPath through a
        symlink on the host; done when the path is free, noted in the log otherwise."""
        for c in pod.containers():
            assert c.plan is not None
            for m in c.plan.mounts:
                os.makedirs(m.host, exist_ok=True)
                path = Path(m.path)
                if os.path.realpath(path) == os.path.realpath(m.host):
                    continue
                try:
                    if path.is_symlink():
                        path.unlink()
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.symlink_to(m.host)
                    pod.plain_links.append(str(path))
                except OSError as e:
                    c.plan = _with_note(c.plan, f"volume at {m.path} not linked: {e}")

    def layout(self, pod: PodRecord, plan: ContainerPlan, cgroups: tuple[str, ...] = ()) -> Layout:
        return Layout(
            kind=self.kind,
            pod_dir=pod.directory,
            container=plan.name,
            root=self.root,
            mounts=plan.mounts,
            extra_binds=self.extra_binds,
            helper=self.helper,
            shim=self.shim,
            iso=self.boundary.iso(plan.security, pod.name, cgroups),
        )

    def is_handler(self, plan: ContainerPlan) -> bool:
        return bool(plan.argv) and plan.argv[0] in self.handlers

    def start(
        self, pod: PodRecord, plan: ContainerPlan, journal_fd: int, key: str
    ) -> tuple[subprocess.Popen[bytes], int | None]:
        """Start a container's process; returns it and the read end of its output pipe
        (stdout and stderr share one pipe so the log keeps their order), or None for the
        pipe when the process runs under a shim (which writes the log itself, and its
        exit code as `key` to the journal's `journal_fd`)."""
        layout = self.layout(pod, plan, self.cgroup_procs(pod, plan))
        layout.prepare()
        if plan.notes:
            writer = LogWriter(pod.directory / "logs" / f"{plan.name}.log", self.now)
            for note in plan.notes:
                writer.line(note)
            writer.close()
        argv = terminal_argv(plan.argv) if wants_terminal(plan.spec) else list(plan.argv)
        if layout.shim is not None:
            files = container_files(plan.name, key)
            shim = start_shim(layout, layout.shim, files, journal_fd, argv, plan.env, plan.cwd)
            return shim, None
        read_end, write_end = os.pipe()
        try:
            proc = start_process(layout, argv, plan.env, plan.cwd, write_end, write_end)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        return proc, read_end

    def run_handler(
        self,
        pod: PodRecord,
        c: ContainerRecord,
        done: Callable[[int, str], None],
        journal: Journal,
        key_prefix: str,
    ) -> None:
        """Call the container's handler in a worker thread (again, for a container
        adopted from an earlier runtime: its Sandbox.run calls find the processes that
        runtime started); the journal (used under the lock) records its runs, whose
        exit codes are keyed `key_prefix` + run name."""
        plan = c.plan
        assert plan is not None
        handler = self.handlers[plan.argv[0]]

        def work() -> None:
            try:
                layout = self.layout(pod, plan, self.cgroup_procs(pod, plan))
            except LaunchError as e:
                done(128, e.message)
                return
            sandbox = ContainerSandbox(
                layout, plan, c, self.lock, self.now, RunJournal(journal, pod, key_prefix)
            )
            try:
                layout.prepare()
                for note in plan.notes:
                    sandbox.log(note)
                code, message = int(handler(plan.spec, sandbox)), ""
            except Exception as e:  # a handler bug fails its container, not the runtime
                sandbox.log(f"handler {plan.argv[0]!r} failed: {e!r}")
                code, message = 1, f"handler {plan.argv[0]!r} failed: {e}"
            finally:
                sandbox.close()
            done(code, message)

        self.workers.submit(work)

    def cleanup(self, pod: PodRecord) -> None:
        self.unlink_plain(pod)
        shutil.rmtree(pod.directory, ignore_errors=True)

    def unlink_plain(self, pod: PodRecord) -> None:
        for link in pod.plain_links:
            if os.path.islink(link):
                os.unlink(link)
        pod.plain_links.clear()


def _with_note(plan: ContainerPlan, note: str) -> ContainerPlan:
    return replace(plan, notes=(*plan.notes, note))
