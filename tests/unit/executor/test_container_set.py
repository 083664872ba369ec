"""One member of a containerSet pod in the executor: waits for its dependencies' exit
codes in the status volume, retries per the set's retryStrategy, leaves its own code.
Argo's emissary does the same (cmd/argoexec/commands/emissary.go)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from executor.container_set import (
    DEPENDENCY_FAILED,
    Member,
    hold_liveness_lock,
    leave_exit_code,
    member_of,
    run_member,
    wait_for_others,
)
from tests.unit.executor.conftest import FakeSandbox
from workflow_engine.runtime.base import RunResult
from workflow_engine.spec.models import Template
from workflow_engine.vocabulary import CONTAINER_SET_DIR


def code_of(sandbox: FakeSandbox, name: str) -> str:
    return sandbox.host_path(f"{CONTAINER_SET_DIR}/{name}/exitcode").read_text()


def runs(*codes: int) -> tuple[list[int], Callable[[], RunResult]]:
    done: list[int] = []
    left = list(codes)

    def run_once() -> RunResult:
        done.append(left[0])
        return RunResult(exit_code=left.pop(0), stdout=b"")

    return done, run_once


@pytest.mark.parametrize(
    ("retry", "member"),
    [
        (None, Member("b", ("a",), 0, 0.0, ("a",))),
        ({"retries": "2", "duration": "1m30s"}, Member("b", ("a",), 2, 90.0, ("a",))),
        ({"retries": 1, "duration": "300ms"}, Member("b", ("a",), 1, 0.3, ("a",))),
    ],
)
def test_member_of_the_template(retry: dict[str, object] | None, member: Member) -> None:
    cset: dict[str, object] = {"containers": [{"name": "a"}, {"name": "b", "dependencies": ["a"]}]}
    if retry is not None:
        cset["retryStrategy"] = retry
    template = Template.model_validate({"name": "t", "containerSet": cset})
    assert member_of(template, "b") == member
    assert member_of(template, "ghost") is None
    assert member_of(Template.model_validate({"container": {"image": "x"}}), "b") is None


def test_retries_until_success_and_leaves_the_last_code(sandbox: FakeSandbox) -> None:
    done, run_once = runs(1, 1, 0)
    pauses: list[float] = []
    result = run_member(Member("a", (), 3, 0.5), sandbox, run_once, pauses.append)
    assert (result.exit_code, done, pauses) == (0, [1, 1, 0], [0.5, 0.5])
    assert code_of(sandbox, "a") == "0"
    assert "wf-exec: exit code 1: retry 1 of 3" in sandbox.lines


def test_gives_up_after_its_retries(sandbox: FakeSandbox) -> None:
    done, run_once = runs(2, 2)
    result = run_member(Member("a", (), 1, 0.0), sandbox, run_once, lambda s: None)
    assert (result.exit_code, done, code_of(sandbox, "a")) == (2, [2, 2], "2")


def test_a_killed_command_is_not_retried(sandbox: FakeSandbox) -> None:
    done, run_once = runs(143, 0)
    result = run_member(Member("a", (), 3, 0.0), sandbox, run_once, lambda s: None)
    assert (result.exit_code, done) == (143, [143])


def test_waits_for_its_dependencies_then_runs(sandbox: FakeSandbox) -> None:
    done, run_once = runs(0)
    waited: list[float] = []

    def sleep(seconds: float) -> None:  # the dependency ends while we wait
        waited.append(seconds)
        leave_exit_code(sandbox, "a", 0)

    result = run_member(Member("main", ("a",), 0, 0.0), sandbox, run_once, sleep)
    assert (result.exit_code, done, len(waited)) == (0, [0], 1)
    assert code_of(sandbox, "main") == "0"


def test_a_failed_dependency_stops_it_with_the_executor_code(sandbox: FakeSandbox) -> None:
    leave_exit_code(sandbox, "a", 3)
    done, run_once = runs(0)
    result = run_member(Member("main", ("a",), 2, 0.0), sandbox, run_once, lambda s: None)
    assert (result.exit_code, done) == (DEPENDENCY_FAILED, [])
    assert code_of(sandbox, "main") == str(DEPENDENCY_FAILED)
    assert "wf-exec: dependency 'a' exited with non-zero code: 3" in sandbox.lines


def test_the_exit_code_is_never_written_through_a_link(
    sandbox: FakeSandbox, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.write_text("untouched")
    target = sandbox.host_path(f"{CONTAINER_SET_DIR}/a/exitcode.partial")
    target.parent.mkdir(parents=True)
    target.symlink_to(outside)
    leave_exit_code(sandbox, "a", 0)
    assert outside.read_text() == "untouched"
    assert any("cannot leave the exit code" in line for line in sandbox.lines)


def test_a_dependency_that_died_without_its_code_stops_the_wait(sandbox: FakeSandbox) -> None:
    """Its lock was dropped with it (by the kernel, however it died) and no exit code
    was left: waiting longer would wait for ever."""
    lock = hold_liveness_lock(sandbox, "a")
    assert lock is not None
    waited: list[float] = []

    def sleep(seconds: float) -> None:  # `a` dies while we wait, leaving nothing
        waited.append(seconds)
        os.close(lock)

    done, run_once = runs(0)
    result = run_member(Member("main", ("a",), 0, 0.0), sandbox, run_once, sleep)
    assert (result.exit_code, done, len(waited)) == (DEPENDENCY_FAILED, [], 1)
    assert "wf-exec: dependency 'a' died without reporting its exit code" in sandbox.lines


def test_a_running_dependency_is_waited_for(sandbox: FakeSandbox) -> None:
    lock = hold_liveness_lock(sandbox, "a")
    assert lock is not None
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        if len(waited) == 3:  # `a` ends well, as run_member leaves it: code, then lock
            leave_exit_code(sandbox, "a", 0)
            os.close(lock)

    done, run_once = runs(0)
    result = run_member(Member("main", ("a",), 0, 0.0), sandbox, run_once, sleep)
    assert (result.exit_code, done, len(waited)) == (0, [0], 3)


def test_main_waits_for_every_other_member_before_its_outputs(sandbox: FakeSandbox) -> None:
    """A member without dependencies may still be writing to the shared volume when
    `main` ends (Argo's workspace example): outputs wait for all of them."""
    lock = hold_liveness_lock(sandbox, "dead")  # started, then died without a code
    assert lock is not None
    os.close(lock)
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        leave_exit_code(sandbox, "writer", 0)

    wait_for_others(Member("main", others=("writer", "dead")), sandbox, sleep)
    assert len(waited) == 1


def test_the_result_holds_every_attempts_stdout(sandbox: FakeSandbox) -> None:
    outputs = iter([RunResult(1, b"first\n"), RunResult(0, b"second\n")])
    result = run_member(Member("main", (), 1, 0.0), sandbox, lambda: next(outputs))
    assert (result.exit_code, result.stdout) == (0, b"first\nsecond\n")
