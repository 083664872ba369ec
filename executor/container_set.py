"""One member of a containerSet pod: wait for the members it depends on, run the
command (again, as the set's `retryStrategy` says), and leave the exit code for the
members that depend on it.

Sits in the executor around the run of the user's command (`executor.work`). Every
member of the set runs its own executor (podbuilder/container_set.py); they meet in
the status volume at `CONTAINER_SET_DIR`, where `<name>/exitcode` appears once
member `<name>` is done, as Argo's emissary does it. Like Argo's:

- a member starts its command once every dependency exited 0; when one did not (or
  died without leaving its exit code: it held a lock while it ran), it does not run
  and exits `DEPENDENCY_FAILED` (64, which Argo shows as Error);
- `main` collects its outputs once every member has ended (executor.work);
- `retryStrategy.retries` more attempts follow a failed one, `duration` apart, in the
  same container (no new pod); the last attempt's exit code is the member's, its
  stdout (`main`'s `result`) every attempt's in turn, as Argo appends them to one
  file. A command ended by SIGTERM or SIGKILL (the pod being deleted) is not tried
  again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from executor.outputs import RESULT_LIMIT
from workflow_engine.ports import RunResult, Sandbox
from workflow_engine.spec.templates import Template
from workflow_engine.vocabulary import CONTAINER_SET_DIR

DEPENDENCY_FAILED = 64
KILLED_CODES = frozenset({128 + 9, 128 + 15})
POLL_SECONDS = 0.05
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class Member:
    name: str
    dependencies: tuple[str, ...] = ()
    retries: int = 0
    pause: float = 0.0  # seconds between attempts
    others: tuple[str, ...] = ()  # the set's other members


def member_of(template: Template, name: str) -> Member | None:
    """This container's place in the template's set; None when it is not a set's."""
    cset = template.container_set
    if cset is None:
        return None
    found = next((c for c in cset.containers if c.name == name), None)
    if found is None:
        return None
    strategy = cset.retry_strategy
    retries = _whole(strategy.retries) if strategy is not None else 0
    pause = _seconds(strategy.duration) if strategy is not None and strategy.duration else 0.0
    others = tuple(c.name for c in cset.containers if c.name and c.name != name)
    return Member(name, tuple(found.dependencies or ()), retries, pause, others)


def run_member(
    member: Member,
    sandbox: Sandbox,
    run_once: Callable[[], RunResult],
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """The member's run, its exit code left in the status volume whatever happens."""
    code = DEPENDENCY_FAILED
    alive = hold_liveness_lock(sandbox, member.name)
    try:
        problem = wait_for_dependencies(member, sandbox, sleep)
        if problem is not None:
            sandbox.log(f"wf-exec: {problem}")
            return RunResult(exit_code=DEPENDENCY_FAILED, stdout=b"")
        result = run_once()
        attempts = [result]
        for attempt in range(member.retries):
            if result.exit_code == 0 or result.exit_code in KILLED_CODES:
                break
            sandbox.log(
                f"wf-exec: exit code {result.exit_code}: retry {attempt + 1} of {member.retries}"
            )
            if member.pause > 0:
                sleep(member.pause)
            result = run_once()
            attempts.append(result)
        code = result.exit_code
        return _all_output(attempts)
    finally:
        leave_exit_code(sandbox, member.name, code)
        if alive is not None:
            os.close(alive)  # after the exit code: a waiter that gets the lock finds it


def _all_output(attempts: list[RunResult]) -> RunResult:
    """The last attempt's exit code with the stdout of every attempt, as Argo's emissary
    appends each attempt to one stdout file (`outputs.result` reads it whole)."""
    last = attempts[-1]
    if len(attempts) == 1:
        return last
    stdout = b"".join(a.stdout for a in attempts)
    truncated = any(a.stdout_truncated for a in attempts) or len(stdout) > RESULT_LIMIT
    return RunResult(last.exit_code, stdout[-RESULT_LIMIT:], truncated)


def hold_liveness_lock(sandbox: Sandbox, name: str) -> int | None:
    """An exclusive lock on `<name>/lock` held while this member runs, and the `ready`
    marker beside it: the kernel drops the lock however the member dies, so a member
    killed before it could leave its exit code does not keep its dependents waiting."""
    directory = _code_path(sandbox, name).parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        sandbox.log(f"wf-exec: cannot take the liveness lock: {exc}")
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    with contextlib.suppress(OSError):
        os.close(os.open(directory / "ready", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644))
    return fd


def _died(path: Path) -> bool:
    """The member of this exit code file started (its `ready` marker) and no longer holds
    its lock: it ended, so if the file is missing it never will be there."""
    directory = path.parent
    if not (directory / "ready").exists():
        return False
    try:
        fd = os.open(directory / "lock", os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return False  # still held: still running
    finally:
        os.close(fd)
    return True


def wait_for_dependencies(
    member: Member, sandbox: Sandbox, sleep: Callable[[float], None]
) -> str | None:
    """None once every dependency exited 0; else why this member must not run."""
    for dep in member.dependencies:
        path = _code_path(sandbox, dep)
        while (text := _read(path)) is None:
            if _died(path) and (text := _read(path)) is None:
                return f"dependency {dep!r} died without reporting its exit code"
            sleep(POLL_SECONDS)
        code = int(text) if text.strip().lstrip("-").isdigit() else None
        if code is None:
            return f"dependency {dep!r} left no readable exit code"
        if code != 0:
            return f"dependency {dep!r} exited with non-zero code: {code}"
    return None


def wait_for_others(
    member: Member, sandbox: Sandbox, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Until every other member has ended: `main` collects the outputs only then, as
    Argo's wait container does, so files the others leave on a shared volume count."""
    for other in member.others:
        path = _code_path(sandbox, other)
        while _read(path) is None and not _died(path):
            sleep(POLL_SECONDS)


def leave_exit_code(sandbox: Sandbox, name: str, code: int) -> None:
    """Written whole (a temporary file renamed), never through a link a container made."""
    path = _code_path(sandbox, name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent.is_symlink():
            raise OSError(f"{path.parent} is a symbolic link")
        partial = path.with_name("exitcode.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w") as out:
            out.write(str(code))
        os.replace(partial, path)
    except OSError as exc:
        sandbox.log(f"wf-exec: cannot leave the exit code for the other containers: {exc}")


def _code_path(sandbox: Sandbox, name: str) -> Path:
    return sandbox.host_path(f"{CONTAINER_SET_DIR}/{name}/exitcode")


def _read(path: Path) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError:
        return ""  # there, but not a file of ours: unreadable
    with os.fdopen(fd) as f, contextlib.suppress(OSError, UnicodeDecodeError):
        return f.read(32)
    return ""


def _whole(value: int | str) -> int:
    try:
        return max(0, int(value))
    except ValueError:
        return 0


def _seconds(text: str) -> float:
    """A Go duration ("300ms", "1m30s") or a number of seconds; 0 when unreadable."""
    value = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    parts = list(_DURATION.finditer(value))
    if not parts or "".join(m.group(0) for m in parts) != value:
        return 0.0
    return sum(float(m.group(1)) * _UNITS[m.group(2)] for m in parts)
