"""The scheduler's decisions on a fake clock: every concurrency policy, suspend,
`when`, missed runs after downtime (deadline or not, never a burst), stopStrategy,
history pruning, status counters and conditions. Pure: dicts in, a decision out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workflow_engine.cron import CRON_LABEL, plan

T0 = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def cron(status: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {
            "name": "nightly",
            "namespace": "default",
            "uid": "u-1",
            "creationTimestamp": stamp(T0),
        },
        "spec": {"schedule": "*/10 * * * *", "workflowSpec": {"entrypoint": "main"}, **spec},
        "status": status or {},
    }


def child(name: str, phase: str | None, finished: float | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase} if phase else {}
    if finished is not None:
        status["finishedAt"] = stamp(at(finished))
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "uid": f"uid-{name}", "labels": {CRON_LABEL: "nightly"}},
        "status": status,
    }


def running_ref(name: str) -> dict[str, Any]:
    return {"kind": "Workflow", "name": name, "namespace": "default", "uid": f"uid-{name}"}


def test_fires_when_a_time_passes() -> None:
    decision = plan(cron(), [], now=at(10.01), checked=at(9.9))
    assert decision.submit == at(10)
    assert decision.status["lastScheduledTime"] == "2025-01-01T00:10:00Z"
    assert [r["name"] for r in decision.status["active"]] == [f"nightly-{int(at(10).timestamp())}"]
    assert decision.wake_at == at(20)


def test_nothing_due_waits_for_the_next_time() -> None:
    decision = plan(cron(), [], now=at(5), checked=at(4))
    assert decision.submit is None
    assert decision.wake_at == at(10)
    assert "lastScheduledTime" not in decision.status


def test_a_stalled_loop_runs_only_the_latest_due_time() -> None:
    decision = plan(cron(), [], now=at(35), checked=at(1))
    assert decision.submit == at(30)


@pytest.mark.parametrize(
    ("deadline", "now", "expected"),
    [
        (None, at(52), at(50)),
        (0, at(52), at(50)),
        (300, at(52), at(50)),
        (60, at(52), None),
    ],
    ids=["no-deadline", "zero-deadline", "within-deadline", "deadline-passed"],
)
def test_missed_run_after_downtime(
    deadline: int | None, now: datetime, expected: datetime | None
) -> None:
    obj = cron({"lastScheduledTime": stamp(at(10))}, startingDeadlineSeconds=deadline)
    first = plan(obj, [], now=now, checked=None)
    assert first.submit == expected
    # the loop remembers it planned at `now`: planning again starts nothing more
    again = plan({**obj, "status": first.status}, [], now=now + timedelta(seconds=5), checked=now)
    assert again.submit is None


def test_never_scheduled_counts_from_its_creation() -> None:
    # created at T0, first seen at 00:52: the latest time since (00:50) runs once
    assert plan(cron(), [], now=at(52), checked=None).submit == at(50)
    late = plan(cron(startingDeadlineSeconds=60), [], now=at(52), checked=None)
    assert late.submit is None
    # created after the last time: nothing
    fresh = cron()
    fresh["metadata"]["creationTimestamp"] = stamp(at(51))
    assert plan(fresh, [], now=at(52), checked=None).submit is None


@pytest.mark.parametrize(
    ("policy", "submits", "stops", "skipped"),
    [
        (None, True, (), None),
        ("Allow", True, (), None),
        ("Forbid", False, (), "concurrencyPolicy Forbid and a child is still running"),
        ("Replace", True, ("nightly-1",), None),
    ],
    ids=["default-allow", "allow", "forbid", "replace"],
)
def test_concurrency_policy_with_a_child_running(
    policy: str | None, submits: bool, stops: tuple[str, ...], skipped: str | None
) -> None:
    obj = cron({"active": [running_ref("nightly-1")]}, concurrencyPolicy=policy)
    decision = plan(obj, [child("nightly-1", "Running")], now=at(10), checked=at(9))
    assert (decision.submit is not None) == submits
    assert decision.stop == stops
    assert decision.skipped == skipped
    names = [r["name"] for r in decision.status["active"]]
    assert names[0] == "nightly-1" and len(names) == (2 if submits else 1)


def test_forbid_runs_once_the_child_finished() -> None:
    obj = cron({"active": [running_ref("nightly-1")]}, concurrencyPolicy="Forbid")
    decision = plan(obj, [child("nightly-1", "Succeeded", 3)], now=at(10), checked=at(9))
    assert decision.submit == at(10)
    assert decision.status["succeeded"] == 1


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"suspend": True}, "suspended"),
        ({"when": "cronworkflow.succeeded > 2"}, "when condition 'cronworkflow.succeeded > 2'"),
        ({"when": "{{cronworkflow.name}} == other"}, "is false"),
        ({"when": "nope("}, "failed"),
    ],
    ids=["suspend", "when-expression", "when-template", "when-broken"],
)
def test_skipped_times(spec: dict[str, Any], reason: str) -> None:
    decision = plan(cron(**spec), [], now=at(10), checked=at(9))
    assert decision.submit is None
    assert decision.skipped is not None and reason in decision.skipped
    assert decision.wake_at == at(20)


@pytest.mark.parametrize(
    "when", ["cronworkflow.failed == 0", "{{cronworkflow.name}} == nightly"], ids=["expr", "tag"]
)
def test_true_when_runs(when: str) -> None:
    assert plan(cron(when=when), [], now=at(10), checked=at(9)).submit == at(10)


def test_finished_children_are_counted_and_leave_active() -> None:
    obj = cron(
        {
            "active": [running_ref("a"), running_ref("b"), running_ref("gone")],
            "succeeded": 4,
            "failed": 1,
        }
    )
    children = [child("a", "Succeeded", 1), child("b", "Error", 2), child("c", "Running")]
    decision = plan(obj, children, now=at(5), checked=at(4))
    assert decision.status["succeeded"] == 5
    assert decision.status["failed"] == 2
    # "gone" was deleted; "c" runs though the status lost it (a crash): listed again
    assert [r["name"] for r in decision.status["active"]] == ["c"]


def test_stop_strategy_stops_scheduling() -> None:
    obj = cron(
        {"active": [running_ref("a")], "failed": 1},
        stopStrategy={"expression": "cronworkflow.failed >= 2"},
    )
    decision = plan(obj, [child("a", "Failed", 3)], now=at(10), checked=at(9))
    assert decision.status["phase"] == "Stopped"
    assert decision.submit is None
    assert decision.skipped == "stopped by its stopStrategy"


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({}, ("s1", "s2", "f1", "f2")),
        ({"successfulJobsHistoryLimit": 1, "failedJobsHistoryLimit": 3}, ("s1", "s2", "s3", "s4")),
        ({"successfulJobsHistoryLimit": 0, "failedJobsHistoryLimit": 0}, None),
    ],
    ids=["defaults-3-and-1", "custom", "zero-keeps-none"],
)
def test_history_pruning(limits: dict[str, int], expected: tuple[str, ...] | None) -> None:
    children = [child(f"s{i}", "Succeeded", i) for i in range(1, 6)]
    children += [child(f"f{i}", "Failed" if i % 2 else "Error", i) for i in range(1, 4)]
    children.append(child("r", "Running"))
    decision = plan(cron(**limits), children, now=at(8), checked=at(7))
    if expected is None:
        expected = tuple(
            sorted(c["metadata"]["name"] for c in children if c["metadata"]["name"] != "r")
        )
        assert tuple(sorted(decision.delete)) == expected
    else:
        assert set(decision.delete) == set(expected)


def test_bad_schedule_is_a_spec_error_condition() -> None:
    decision = plan(cron(schedule="61 * * * *"), [], now=at(10), checked=at(9))
    assert decision.submit is None
    assert decision.status["conditions"] == [
        {"type": "SpecError", "status": "True", "message": "'61 * * * *' is not a cron schedule"}
    ]
    fixed = plan(cron(decision.status), [], now=at(10), checked=at(9))
    assert "conditions" not in fixed.status


def test_timezone_schedule_fires_at_local_time() -> None:
    obj = cron(schedule="0 1 * * *", timezone="Europe/Paris")
    decision = plan(obj, [], now=datetime(2025, 1, 2, 0, 0, 30, tzinfo=UTC), checked=at(23 * 60))
    assert decision.submit == datetime(2025, 1, 2, 0, 0, tzinfo=UTC)
