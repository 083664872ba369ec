"""Starting a container's process in its sandbox (overlay or plain).

Part of the process runtime: `start_process` is the one place a pod process is
spawned. "overlay" (root, overlayfs available): the child enters a private mount
namespace, mounts an overlay with lowerdir=/ and the container's own upper/work
directories, binds /proc, /dev and the pod's volumes into it, and chroots there, so
writes anywhere land in the container's upper directory. "plain": the process runs on
the host with a per-pod working directory and TMPDIR. The system calls are made with
ctypes in the forked child (Python 3.11 has no os.unshare).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import posixpath
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from workflow_engine.runtime.process.containers import Mount

SandboxKind = Literal["overlay", "plain"]

CLONE_NEWNS = 0x00020000
MS_RDONLY = 0x1
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18


class LaunchError(Exception):
    """The process could not be started; `exit_code` is what the container reports."""

    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.message = message


@dataclass(frozen=True)
class Layout:
    """Where one container's sandbox lives on the host. Every overlay is mounted on the
    same `root` directory, each in its own mount namespace, so the host never sees it."""

    kind: SandboxKind
    pod_dir: Path  # plain: the working directory and TMPDIR of its processes
    container: str
    root: Path
    mounts: tuple[Mount, ...] = ()
    extra_binds: tuple[str, ...] = ()  # host directories bound at the same path
    helper: str | None = None  # the wf-sandbox program entering overlays, when built
    shim: str | None = None  # the same program, when it can be each process's shim
    iso: str = "-"  # the boundary wf-sandbox builds (isolation.Boundary.iso); "-": none

    @property
    def upper(self) -> Path:
        return self.pod_dir / f"{self.container}.upper"

    @property
    def work(self) -> Path:
        return self.pod_dir / f"{self.container}.work"

    def prepare(self) -> None:
        """Directories of this container (the pod's own are made by the launcher)."""
        if self.kind == "overlay":
            for d in (self.upper, self.work):
                if not d.is_dir():
                    d.mkdir()


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


Bind = tuple[str, str, bool, bool]  # host source, container path, is a directory, read-only


def _binds(layout: Layout) -> list[Bind]:
    own = {item.partition("=")[0] for item in layout.iso.split(",")}
    binds: list[Bind] = [
        (p, p, True, False) for p, ns in (("/proc", "pid"), ("/dev", "dev")) if ns not in own
    ]
    binds += [(d, d, True, False) for d in layout.extra_binds]
    binds += [
        (m.host, resolve_inside(m.path), os.path.isdir(m.host), m.read_only) for m in layout.mounts
    ]
    return binds


def resolve_inside(path: str) -> str:
    """`path` with symlinks resolved as the sandbox will see them (its lower layer is
    the host's root): the bind target is reached through ROOT + path before chroot, so
    an absolute link (Debian's /var/run -> /run) would otherwise lead out of ROOT."""
    pending = [p for p in path.split("/") if p not in ("", ".")]
    resolved, hops = "", 40
    while pending:
        part = pending.pop(0)
        if part == "..":
            resolved = posixpath.dirname(resolved) if resolved else ""
            continue
        candidate = f"{resolved}/{part}"
        if hops and os.path.islink(candidate):
            hops -= 1
            target = os.readlink(candidate)
            pending[:0] = [p for p in target.split("/") if p not in ("", ".")]
            resolved = "" if target.startswith("/") else resolved
        else:
            resolved = candidate
    return resolved or "/"


def overlay_options(layout: Layout) -> str:
    return f"lowerdir=/,upperdir={layout.upper},workdir={layout.work}"


def _overlay_child(layout: Layout, cwd: str | None) -> Callable[[], None]:
    """The pure-Python way in (no wf-sandbox helper): a preexec function. Everything is
    computed here, in the parent, so the forked child only makes system calls."""
    libc = _libc()
    merged = str(layout.root)
    options = overlay_options(layout).encode()
    binds = [(src.encode(), merged + dst, is_dir, ro) for src, dst, is_dir, ro in _binds(layout)]
    workdir = cwd or "/"

    def check(result: int, what: str) -> None:
        if result != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"{what}: {os.strerror(code)}")

    def child() -> None:
        try:
            enter()
        except OSError as e:  # stderr is already the container's log
            os.write(2, f"sandbox: {e}\n".encode())
            raise

    def enter() -> None:
        check(libc.unshare(CLONE_NEWNS), "unshare")
        check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        check(libc.mount(b"overlay", merged.encode(), b"overlay", 0, options), "mount overlay")
        for source, target, is_dir, read_only in binds:
            if is_dir:
                os.makedirs(target, exist_ok=True)
            elif not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                open(target, "ab").close()
            check(libc.mount(source, target.encode(), None, MS_BIND | MS_REC, None), target)
            if read_only:
                flags = MS_BIND | MS_REMOUNT | MS_RDONLY
                check(libc.mount(None, target.encode(), None, flags, None), target)
        os.chroot(merged)
        os.makedirs(workdir, exist_ok=True)
        os.chdir(workdir)

    return child


def _start_with_helper(
    layout: Layout,
    helper: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: str | None,
    stdout: int,
    stderr: int,
) -> subprocess.Popen[bytes]:
    """vfork+exec the small wf-sandbox program, which mounts and execs argv; it reports
    a failure through a close-on-exec pipe, as subprocess does for its own exec."""
    flat = flat_binds(layout)
    report_r, report_w = os.pipe()
    try:
        head = [helper, str(report_w), str(layout.root), overlay_options(layout), cwd or "/"]
        proc = subprocess.Popen(
            [*head, str(len(flat) // 3), *flat, *argv],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            pass_fds=(report_w,),
        )
    except BaseException:
        os.close(report_r)
        raise
    finally:
        os.close(report_w)
    with os.fdopen(report_r, "rb") as report:
        failure = report.read()
    if failure:
        proc.wait()
        code, _, stage = failure.decode(errors="replace").partition(" ")
        if stage == "exec":
            raise OSError(int(code), os.strerror(int(code)))
        raise LaunchError(128, f"sandbox: {stage}: {os.strerror(int(code))}")
    return proc


def flat_binds(layout: Layout) -> list[str]:
    """The binds as wf-sandbox takes them: SRC DST KIND triples."""
    flat: list[str] = []
    for src, dst, is_dir, ro in _binds(layout):
        flat += [src, dst, ("d" if is_dir else "f") + ("r" if ro else "")]
    return flat


def launch_error(argv: Sequence[str], e: BaseException) -> LaunchError:
    """What a container reports when its program could not be started."""
    if isinstance(e, LaunchError):
        return e
    if isinstance(e, FileNotFoundError):
        return LaunchError(127, f'exec: "{argv[0]}": executable file not found in $PATH')
    if isinstance(e, PermissionError):
        return LaunchError(126, f'exec: "{argv[0]}": permission denied')
    return LaunchError(128, f"cannot start {argv[0]!r}: {e}")


def plain_env(layout: Layout, env: Mapping[str, str]) -> dict[str, str]:
    tmp = str(layout.pod_dir)
    return {"TMPDIR": tmp, **env} if layout.kind == "plain" else dict(env)


def start_process(
    layout: Layout,
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: str | None,
    stdout: int,
    stderr: int,
) -> subprocess.Popen[bytes]:
    """Spawn argv in its own session (so a signal to -pid reaches the whole group)."""
    if not argv:
        raise LaunchError(128, "no command to run")
    try:
        if layout.kind == "overlay" and layout.helper:
            return _start_with_helper(layout, layout.helper, argv, env, cwd, stdout, stderr)
        if layout.kind == "overlay":
            return subprocess.Popen(
                list(argv),
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
                preexec_fn=_overlay_child(layout, cwd),
            )
        if cwd:
            os.makedirs(cwd, exist_ok=True)
        return subprocess.Popen(
            list(argv),
            env=plain_env(layout, env),
            cwd=cwd or str(layout.pod_dir),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    except LaunchError:
        raise
    except (OSError, subprocess.SubprocessError) as e:
        raise launch_error(argv, e) from e


def find_helper() -> str | None:
    """wf-sandbox as scripts/setup.sh builds it: next to the virtualenv's python."""
    helper = Path(sys.executable).parent / "wf-sandbox"
    return str(helper) if os.access(helper, os.X_OK) else None


def probe_overlay(scratch: Path, helper: str | None = None) -> bool:
    """Can this process build an overlay sandbox? Tries once with `true`."""
    if os.geteuid() != 0:
        return False
    try:
        with open("/proc/filesystems") as f:
            if "overlay" not in f.read():
                return False
        layout = Layout("overlay", scratch, "probe", scratch / "root", helper=helper)
        layout.root.mkdir(parents=True, exist_ok=True)
        layout.prepare()
        proc = start_process(layout, ["true"], {"PATH": "/usr/bin:/bin"}, None, -3, -3)
        return proc.wait(timeout=10) == 0
    except (OSError, LaunchError, subprocess.SubprocessError):
        return False


def kill_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except OSError as e:
        if e.errno not in (errno.ESRCH, errno.EPERM):
            raise
