"""Resource template conditions in Argo's syntax (a label selector over paths into the
object), parsed and matched: every operator, missing paths, lists, escaped dots, and
the errors a bad condition gets."""

from __future__ import annotations

import re
from typing import Any

import pytest

from workflow_engine.engine.resource_conditions import BadCondition, parse_condition

JOB: dict[str, Any] = {
    "metadata": {"name": "pi", "annotations": {"example.com/owner": "team-a"}},
    "status": {
        "succeeded": 1,
        "active": 0,
        "ready": True,
        "phase": "Complete",
        "conditions": [{"type": "Complete", "status": "True"}],
    },
}

CASES = [
    ("status.succeeded > 0", True),
    ("status.succeeded > 1", False),
    ("status.active < 1", True),
    ("status.failed > 0", False),  # missing: no number to compare
    ("status.phase == Complete", True),
    ("status.phase = Complete", True),
    ("status.phase=Complete", True),
    ("status.phase != Complete", False),
    ("status.failed != 3", True),  # missing matches !=
    ("status.phase in (Failed, Complete)", True),
    ("status.phase notin (Failed,Error)", True),
    ("status.failed notin (1)", True),
    ("status.failed in (1)", False),
    ("status.ready == true", True),
    ("status.succeeded", True),
    ("status.failed", False),
    ("!status.failed", True),
    ("!status.succeeded", False),
    ("status.conditions.0.type == Complete", True),
    ("status.conditions.# == 1", True),
    ("status.conditions.3.type == Complete", False),
    (r"metadata.annotations.example\.com/owner == team-a", True),
    ("status.succeeded > 0, status.phase == Complete", True),
    ("status.succeeded > 0,status.phase == Failed", False),
    ("status.phase > 0", False),  # not a number
]


@pytest.mark.parametrize(("text", "matches"), CASES, ids=[c for c, _ in CASES])
def test_condition_matches(text: str, matches: bool) -> None:
    assert parse_condition(text).matches(JOB) is matches


def test_failing_requirements_are_named() -> None:
    condition = parse_condition("status.succeeded > 0, status.phase == Failed")
    assert [str(r) for r in condition.failing(JOB)] == ["status.phase = Failed"]


BAD = [
    ("", "expected a path at position 0"),
    ("status.succeeded > one", "> needs a whole number"),
    ("status.phase in Failed", "expected '('"),
    ("status.phase in (Failed", "expected ')'"),
    ("status.phase == ", "expected a value"),
    ("status.phase ~ x", "expected an operator"),
    ("a == b c", "unexpected text"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[t or "empty" for t, _ in BAD])
def test_bad_condition(text: str, message: str) -> None:
    with pytest.raises(BadCondition, match=re.escape(message)):
        parse_condition(text)
