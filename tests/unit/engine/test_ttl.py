"""ttlStrategy decided by `operate()` on an injected clock: which TTL applies to which
ending (Argo's TTL controller: failure, then success, then completion), the timer
before it, and the deletion (artifacts first) once it is due."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.unit.engine.simulator import Script, Simulator
from workflow_engine.engine import CollectArtifacts, DeleteWorkflow, RequeueAfter
from workflow_engine.spec.models import Workflow


def wf_of(ttl: dict[str, Any] | None, gc: str | None = None, **extra: Any) -> Workflow:
    spec: dict[str, Any] = {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "x"}, **extra}],
    }
    if ttl is not None:
        spec["ttlStrategy"] = ttl
    if gc is not None:
        spec["artifactGC"] = {"strategy": gc}
    return Workflow.model_validate(
        {"metadata": {"name": "wf", "namespace": "default"}, "spec": spec}
    )


def finished(
    ttl: dict[str, Any] | None, exit_code: int = 0, gc: str | None = None, **extra: Any
) -> Simulator:
    wf = wf_of(ttl, gc, **extra)
    return Simulator(wf, scripts={"main": Script(exit_code=exit_code)}).run()


def decide_at(sim: Simulator, seconds_after_finish: float) -> list[Any]:
    sim.now = sim.status.finished_at + timedelta(seconds=seconds_after_finish)
    sim.step()
    return list(sim.decisions[-1].actions)


BOTH = {"secondsAfterCompletion": 30, "secondsAfterSuccess": 10, "secondsAfterFailure": 20}
# ttlStrategy, exit code -> seconds the workflow lives after it finished (None: for ever)
CASES = [
    ({"secondsAfterCompletion": 30}, 0, 30),
    ({"secondsAfterCompletion": 30}, 1, 30),
    (BOTH, 0, 10),
    (BOTH, 1, 20),
    ({"secondsAfterSuccess": 10}, 1, None),
    ({"secondsAfterFailure": 20}, 0, None),
    ({"secondsAfterSuccess": 0}, 0, 0),
    (None, 0, None),
]


@pytest.mark.parametrize(
    ("ttl", "exit_code", "lives"), CASES, ids=[f"{t}-exit{c}" for t, c, _ in CASES]
)
def test_which_ttl_applies(ttl: dict[str, Any] | None, exit_code: int, lives: int | None) -> None:
    sim = finished(ttl, exit_code)
    assert sim.status.phase == ("Succeeded" if exit_code == 0 else "Failed")
    if lives is None:
        assert not [a for a in decide_at(sim, 10_000) if isinstance(a, DeleteWorkflow)]
        assert sim.decisions[-1].requeue_after is None
        return
    if lives > 0:
        early = decide_at(sim, lives - 0.5)
        assert not [a for a in early if isinstance(a, DeleteWorkflow)]
        assert [a.seconds for a in early if isinstance(a, RequeueAfter)] == [0.5]
    due = decide_at(sim, lives)
    assert [type(a) for a in due] == [DeleteWorkflow]
    assert sim.status.phase in ("Succeeded", "Failed")  # deciding to delete changes nothing


def test_the_completing_decision_already_sets_the_timer() -> None:
    sim = finished({"secondsAfterCompletion": 7})
    completing = sim.decisions[-1]
    assert completing.status.phase == "Succeeded"
    assert completing.requeue_after == 7


def test_stored_artifacts_are_collected_before_the_workflow_is_deleted() -> None:
    outputs = {"artifacts": [{"name": "out", "path": "/tmp/out"}]}
    sim = finished({"secondsAfterCompletion": 1}, gc="OnWorkflowDeletion", outputs=outputs)
    actions = decide_at(sim, 1)
    assert [type(a) for a in actions] == [CollectArtifacts, DeleteWorkflow]
    collect = actions[0]
    assert collect.event == "deletion"
    assert [i.artifact.name for i in collect.artifacts] == ["out"]
