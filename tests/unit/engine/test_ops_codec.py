"""`retry_workflow` (argo retry), the status codec, crash-safe replays and the public
surface of the engine package."""

from __future__ import annotations

import json

import pytest

import workflow_engine.engine as engine
from tests.unit.engine.conftest import DATA
from tests.unit.engine.simulator import Script, Simulator, load
from workflow_engine.engine import NotRetryable, operate, retry_workflow
from workflow_engine.spec.status_codec import status_from_dict, status_to_dict


def test_public_surface_is_sorted_and_importable() -> None:
    assert engine.__all__ == sorted(
        engine.__all__, key=lambda n: (not n.isupper(), n[0].islower(), n)
    )
    for name in engine.__all__:
        assert hasattr(engine, name)


def _failed_diamond() -> Simulator:
    return Simulator(
        load(str(DATA / "dag-diamond.yaml")), scripts={"dag-diamond.D": Script(exit_code=1)}
    ).run()


def test_retry_restarts_failed_nodes_and_keeps_succeeded_work() -> None:
    sim = _failed_diamond()
    assert sim.status.phase == "Failed"
    d = sim.node("dag-diamond.D")
    status, pods = retry_workflow(sim.wf, sim.now)
    assert pods == [f"dag-diamond-echo-{d.id.split('-')[-1]}"]
    assert status.phase == "Running" and status.finished_at is None
    assert d.id not in status.nodes
    assert status.nodes["dag-diamond"].phase == "Running"
    assert status.nodes[sim.node("dag-diamond.A").id].phase == "Succeeded"
    sim.wf = sim.wf.model_copy(update={"status": status})
    for pod in pods:
        sim.pods.pop(pod, None)
    sim.scripts = {}
    before = len(sim.started_order())
    sim.run()
    assert sim.status.phase == "Succeeded"
    assert sim.started_order()[before:] == ["dag-diamond.D"]


def test_retry_with_restart_successful_reruns_selected_nodes() -> None:
    sim = _failed_diamond()
    status, pods = retry_workflow(sim.wf, sim.now, "displayName=B", restart_successful=True)
    assert len(pods) == 2
    assert sim.node("dag-diamond.B").id not in status.nodes
    assert sim.node("dag-diamond.C").id in status.nodes


def test_retry_refuses_a_running_workflow() -> None:
    sim = Simulator(load(str(DATA / "dag-diamond.yaml")))
    sim.step()
    with pytest.raises(NotRetryable):
        retry_workflow(sim.wf, sim.now)


@pytest.mark.parametrize(
    ("limit", "compressed"),
    [
        pytest.param(10**9, False, id="small-stays-plain"),
        pytest.param(100, True, id="large-is-compressed"),
    ],
)
def test_status_codec_round_trips(limit: int, compressed: bool) -> None:
    sim = Simulator(
        load(str(DATA / "loops.yaml")),
        scripts={"gen": Script(stdout="[1]"), "square": Script(params={"sq": "1"})},
    ).run()
    data = status_to_dict(sim.status, max_node_bytes=limit)
    assert ("compressedNodes" in data) is compressed
    assert ("nodes" in data) is not compressed
    json.dumps(data)
    back = status_from_dict(data)
    assert back.nodes == sim.status.nodes


def test_operate_reads_a_compressed_status() -> None:
    sim = Simulator(load(str(DATA / "steps-hello.yaml")))
    sim.step()
    sim.advance()
    plain = operate(sim.wf, sim.observed(), sim.now)
    packed = sim.wf.model_copy(update={"status": status_from_dict(status_to_dict(sim.status, 10))})
    packed = packed.model_copy(
        update={
            "status": packed.status.model_copy(
                update={
                    "nodes": None,
                    "compressed_nodes": status_to_dict(sim.status, 10)["compressedNodes"],
                }
            )
        }
    )
    again = operate(packed, sim.observed(), sim.now)
    assert again.status.nodes == plain.status.nodes and again.actions == plain.actions


def test_replaying_any_saved_status_gives_the_same_decision() -> None:
    sim = Simulator(
        load(str(DATA / "retry-backoff.yaml")),
        scripts={"flaky": [Script(exit_code=1), Script(exit_code=1), Script()]},
    )
    for _ in range(30):
        wf, observed, now = sim.wf, sim.observed(), sim.now
        sim.step()
        replay = operate(wf, observed, now)
        assert replay == sim.decisions[-1]
        if sim.status.phase in ("Succeeded", "Failed", "Error") or not sim.advance():
            break
    assert sim.status.phase == "Succeeded"
