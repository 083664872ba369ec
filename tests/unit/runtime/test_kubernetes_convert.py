"""Pure conversions of the Kubernetes runtime: Pod dicts -> PodObservation, API
answers -> errors. Pods come from tests/data/runtime/kubernetes/pods.yaml."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflow_engine.errors import (
    AlreadyExists,
    Conflict,
    Expired,
    NotFound,
    PermanentError,
    TransientError,
)
from workflow_engine.runtime.kubernetes.convert import api_error, observation

PODS: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parents[2] / "data/runtime/kubernetes/pods.yaml").read_text()
)


def at(second: int) -> datetime:
    return datetime(2026, 1, 1, 0, 0, second, tzinfo=UTC)


def test_failed_init_container_and_waiting_main() -> None:
    seen = observation(PODS["failed-init"])
    assert (seen.name, seen.namespace, seen.phase) == ("p1", "ns1", "Failed")
    assert dict(seen.labels) == {"workflows.argoproj.io/workflow": "wf"}
    assert dict(seen.annotations) == {"a": "b"}
    (init,) = seen.init_containers
    assert (init.state, init.exit_code, init.reason, init.message) == (
        "terminated",
        4,
        "Error",
        "boom",
    )
    assert [(c.name, c.state, c.reason) for c in seen.containers] == [
        ("main", "waiting", "PodInitializing"),
        ("sidecar", "waiting", "PodInitializing"),  # no status yet: waiting, in spec order
    ]
    assert (seen.started_at, seen.finished_at) == (at(0), at(2))


def test_succeeded_pod_ends_with_its_last_container() -> None:
    seen = observation(PODS["succeeded"])
    assert [c.name for c in seen.containers] == ["main", "sidecar"]
    assert [c.exit_code for c in seen.containers] == [0, 0]
    assert seen.containers[0].finished_at == at(5)
    assert (seen.phase, seen.started_at, seen.finished_at) == ("Succeeded", at(0), at(9))


@pytest.mark.parametrize(
    ("pod", "phase", "namespace", "state", "finished"),
    [
        ("running", "Running", "default", "running", None),
        ("unscheduled", "Pending", "ns2", "waiting", None),
    ],
    ids=["running-no-namespace", "no-status-yet"],
)
def test_unfinished_pods(pod: str, phase: str, namespace: str, state: str, finished: Any) -> None:
    seen = observation(PODS[pod])
    assert (seen.phase, seen.namespace, seen.containers[0].state) == (phase, namespace, state)
    assert seen.finished_at is finished


def test_unknown_phase_keeps_reason_and_message() -> None:
    seen = observation(PODS["weird-phase"])
    assert (seen.phase, seen.reason, seen.message) == ("Unknown", "Evicted", "out of disk")


@pytest.mark.parametrize(
    ("status", "reason", "error"),
    [
        (404, "NotFound", NotFound),
        (409, "AlreadyExists", AlreadyExists),
        (409, "Conflict", Conflict),
        (410, "Expired", Expired),
        (429, "TooManyRequests", TransientError),
        (500, "InternalError", TransientError),
        (503, "ServiceUnavailable", TransientError),
        (0, "", TransientError),
        (400, "BadRequest", PermanentError),
        (403, "Forbidden", PermanentError),
        (422, "Invalid", PermanentError),
    ],
    ids=lambda v: str(v) if not isinstance(v, type) else v.__name__,
)
def test_api_errors_map_to_the_taxonomy(status: int, reason: str, error: type) -> None:
    got = api_error(status, reason, "the message")
    assert type(got) is error
    assert str(got) == "the message"
