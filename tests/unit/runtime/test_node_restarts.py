"""The node agent's in-place restarts (runtime/kubernetes_node/restarts.py), pure: which
containers restart under each restartPolicy, the kubelet's back-off (immediate, then
doubling to the maximum, reset after a long run), and the status shown meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workflow_engine.runtime.base import ContainerObservation, PodObservation
from workflow_engine.runtime.kubernetes_node.restarts import (
    CRASH_LOOP,
    Backoff,
    Restarts,
    backoff_status,
    crashed,
    go_duration,
    restarted,
    to_restart,
    with_restarts,
)
from workflow_engine.runtime.kubernetes_node.status import pod_status

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BACKOFF = Backoff(10.0, 300.0)
POD = {"metadata": {"name": "web-1", "namespace": "ns", "uid": "u-1"}}


def _c(name: str, code: int | None, at: datetime = T0) -> ContainerObservation:
    if code is None:
        return ContainerObservation(name, "running", started_at=at)
    return ContainerObservation(
        name, "terminated", exit_code=code, started_at=at, finished_at=at + timedelta(seconds=1)
    )


def _obs(phase: str, *containers: ContainerObservation, reason: str = "") -> PodObservation:
    return PodObservation("web-1", "ns", phase, containers=containers, reason=reason)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("policy", "obs", "expected"),
    [
        pytest.param("Always", _obs("Failed", _c("a", 3)), ["a"], id="always-failed"),
        pytest.param("Always", _obs("Succeeded", _c("a", 0)), ["a"], id="always-succeeded"),
        pytest.param("OnFailure", _obs("Failed", _c("a", 3)), ["a"], id="onfailure-failed"),
        pytest.param("OnFailure", _obs("Succeeded", _c("a", 0)), [], id="onfailure-succeeded"),
        pytest.param(
            "OnFailure", _obs("Failed", _c("a", 0), _c("b", 1)), ["b"], id="onfailure-only-failed"
        ),
        pytest.param("Never", _obs("Failed", _c("a", 3)), [], id="never"),
        pytest.param("Always", _obs("Running", _c("a", None)), [], id="still-running"),
        pytest.param(
            "Always",
            _obs("Failed", _c("a", 137), reason="DeadlineExceeded"),
            [],
            id="past-its-deadline",
        ),
    ],
)
def test_which_containers_restart(policy: str, obs: PodObservation, expected: list[str]) -> None:
    assert to_restart(policy, obs) == expected


def _crash(r: Restarts, at: datetime, code: int = 1) -> None:
    obs = _obs("Failed", _c("main", code, at))
    ended = with_restarts(
        pod_status(obs, {"containers": [{"name": "main"}]}, "ip", at), r, ["main"]
    )
    crashed(r, obs, ["main"], ended, BACKOFF, at)


def test_backoff_is_immediate_then_doubles_to_the_maximum() -> None:
    r, at, waits = Restarts(), T0, []
    for _ in range(8):
        _crash(r, at)
        assert r.until is not None
        finished = at + timedelta(seconds=1)
        at = r.until
        waits.append((at - finished).total_seconds())
        assert restarted(r, BACKOFF, at) == ("main",)
    assert waits == [0, 10, 20, 40, 80, 160, 300, 300]
    assert r.counts == {"main": 8}


def test_a_long_run_resets_the_backoff() -> None:
    r = Restarts()
    _crash(r, T0)
    restarted(r, BACKOFF, T0)
    _crash(r, T0)
    at = T0 + timedelta(seconds=11)
    assert r.until == at  # 10 s after it ended
    restarted(r, BACKOFF, at)
    later = at + timedelta(minutes=11)  # ran longer than twice the maximum
    _crash(r, later)
    assert r.until == later + timedelta(seconds=1)  # no back-off
    restarted(r, BACKOFF, r.until)
    assert r.delay == 10.0


def test_status_while_backing_off_is_running_in_crash_loop() -> None:
    r = Restarts()
    _crash(r, T0, code=3)
    restarted(r, BACKOFF, T0)
    _crash(r, T0, code=3)
    status = backoff_status(r, POD, ["main"], T0 + timedelta(seconds=2))
    assert status["phase"] == "Running"
    [c] = status["containerStatuses"]
    assert c["restartCount"] == 1
    assert c["ready"] is False
    assert c["state"]["waiting"]["reason"] == CRASH_LOOP
    assert c["state"]["waiting"]["message"] == (
        "back-off 10s restarting failed container=main pod=web-1_ns(u-1)"
    )
    assert c["lastState"]["terminated"]["exitCode"] == 3
    ready = {x["type"]: x for x in status["conditions"]}["Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "ContainersNotReady")


def test_a_restarted_run_carries_its_count_and_last_state() -> None:
    r = Restarts()
    _crash(r, T0, code=3)
    restarted(r, BACKOFF, T0)
    obs = _obs("Pending", ContainerObservation("main", "waiting"))
    status = with_restarts(
        pod_status(obs, {"containers": [{"name": "main"}]}, "ip", T0), r, ["main"]
    )
    assert status["phase"] == "Running"  # a restarted pod never goes back to Pending
    [c] = status["containerStatuses"]
    assert c["restartCount"] == 1
    assert c["lastState"]["terminated"]["exitCode"] == 3


def test_on_failure_keeps_the_succeeded_container_beside_the_restarted_one() -> None:
    r = Restarts()
    obs = _obs("Failed", _c("a", 0), _c("b", 1))
    spec: dict[str, Any] = {"containers": [{"name": "a"}, {"name": "b"}]}
    ended = with_restarts(pod_status(obs, spec, "ip", T0), r, ["a", "b"])
    crashed(r, obs, ["b"], ended, BACKOFF, T0)
    restarted(r, BACKOFF, T0)
    rerun = _obs("Succeeded", _c("b", 0))
    status = with_restarts(
        pod_status(rerun, {"containers": [{"name": "b"}]}, "ip", T0), r, ["a", "b"]
    )
    assert [c["name"] for c in status["containerStatuses"]] == ["a", "b"]
    assert [c["restartCount"] for c in status["containerStatuses"]] == [0, 1]
    assert status["phase"] == "Succeeded"


def test_counts_are_adopted_from_the_recorded_status() -> None:
    r = Restarts.from_status(
        {
            "containerStatuses": [
                {"name": "main", "restartCount": 4, "lastState": {"terminated": {}}}
            ]
        }
    )
    assert r.counts == {"main": 4}
    assert r.last == {"main": {"terminated": {}}}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(10, "10s"), (300, "5m0s"), (80, "1m20s"), (0.5, "500ms"), (3600, "1h0m0s")],
)
def test_durations_print_as_go_prints_them(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_backoff_must_be_positive_and_ordered() -> None:
    with pytest.raises(ValueError, match="crash back-off"):
        Backoff(20.0, 10.0)
