"""The process runtime's pod records (workflow_engine.runtime.process.records): a finished
pod's observation is built once and handed out again (observe() runs over every pod on
every wake-up, and observers tell an unchanged pod by identity). Pure in-memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow_engine.runtime.process.records import ContainerRecord, PodRecord


def record(stage: str, phase: str) -> PodRecord:
    return PodRecord(
        name="p",
        namespace="default",
        spec={},
        labels={},
        annotations={},
        directory=Path("/nonexistent"),
        init=[],
        main=[ContainerRecord("main", Path("/nonexistent/main.log"))],
        grace=1.0,
        phase=phase,  # type: ignore[arg-type]
        stage=stage,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("stage", "phase", "kept"),
    [
        ("queued", "Pending", False),
        ("main", "Running", False),
        ("done", "Succeeded", True),
        ("done", "Failed", True),
    ],
    ids=["queued", "running", "succeeded", "failed"],
)
def test_only_a_finished_pods_observation_is_kept(stage: str, phase: str, kept: bool) -> None:
    pod = record(stage, phase)
    first = pod.observation()
    assert first.phase == phase
    assert (pod.observation() is first) is kept


def test_a_running_pod_is_observed_afresh_as_it_changes() -> None:
    pod = record("main", "Running")
    before = pod.observation()
    pod.main[0].state = "terminated"
    pod.main[0].exit_code = 0
    pod.stage, pod.phase = "done", "Succeeded"
    after = pod.observation()
    assert (before.phase, after.phase) == ("Running", "Succeeded")
    assert after.containers[0].exit_code == 0
