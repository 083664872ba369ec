"""Node status verbs and the legal phase transitions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflow_engine.spec.models import NODE_TRANSITIONS, IllegalTransition, NodeStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)


def node(phase: str = "Pending") -> NodeStatus:
    return NodeStatus(id="wf-1", name="wf.a", display_name="a", type="Pod", phase=phase)


@pytest.mark.parametrize(
    ("start", "end"),
    [(s, e) for s, targets in NODE_TRANSITIONS.items() for e in targets],
    ids=lambda v: v,
)
def test_legal_moves_are_taken(start: str, end: str) -> None:
    assert node(start).with_phase(end, T1).phase == end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("Succeeded", "Running"),
        ("Failed", "Succeeded"),
        ("Error", "Pending"),
        ("Skipped", "Running"),
        ("Running", "Pending"),
        ("Running", "Skipped"),
    ],
    ids=lambda v: v,
)
def test_illegal_moves_raise(start: str, end: str) -> None:
    with pytest.raises(IllegalTransition, match=f"{start} -> {end}"):
        node(start).with_phase(end, T1)


def test_times_are_stamped_on_start_and_finish() -> None:
    running = node().with_phase("Running", T0)
    done = running.with_phase("Succeeded", T1, message="ok")
    assert (running.started_at, running.finished_at) == (T0, None)
    assert (done.started_at, done.finished_at, done.message) == (T0, T1, "ok")
    assert done.to_dict()["finishedAt"] == "2026-01-01T00:00:05Z"


def test_verbs_return_new_objects() -> None:
    original = node()
    child = original.with_child("wf-2").with_child("wf-2")
    assert original.children is None
    assert child.children == ["wf-2"]


def test_new_node_is_the_validated_node() -> None:
    """`NodeStatus.new` (the engine's fast constructor) builds what validation builds:
    equal fields, the same fields set (so the same wire form), defaults filled."""
    fields = {
        "id": "wf-1",
        "name": "wf.a",
        "display_name": "a",
        "type": "Pod",
        "phase": "Running",
        "boundary_id": "wf",
        "started_at": T0,
        "message": None,
    }
    made = NodeStatus.new(**fields)
    validated = NodeStatus.model_validate({k: v for k, v in fields.items() if v is not None})
    assert made == validated
    assert made.model_fields_set == validated.model_fields_set
    assert made.to_dict() == validated.to_dict()
    assert made.children is None and made.template_name is None
    assert list(made.__dict__) == list(NodeStatus.model_fields)  # declaration order
    assert made.with_phase("Succeeded", T1).finished_at == T1


def test_new_node_defaults_pending_and_rejects_unknown_fields() -> None:
    assert NodeStatus.new(id="x", name="x", display_name="x", type="DAG").phase == "Pending"
    with pytest.raises(TypeError, match="no field 'phaze'"):
        NodeStatus.new(id="x", name="x", display_name="x", type="DAG", phaze="Running")
