"""The single-field rules: names, durations, integers."""

from __future__ import annotations

import pytest

from workflow_engine.lint.names import (
    duration_problem,
    field_name_problem,
    object_name_problem,
    param_name_problem,
)


@pytest.mark.parametrize(
    ("value", "seconds_allowed", "ok"),
    [
        ("30s", True, True),
        ("1h30m", True, True),
        ("1.5h", True, True),
        ("300ms", True, True),
        ("20", True, True),
        ("20", False, False),
        ("{{inputs.parameters.wait}}", False, True),
        ("soon", True, False),
        ("1 minute", True, False),
        ("5d", True, False),
    ],
    ids=lambda v: str(v),
)
def test_durations(value: str, seconds_allowed: bool, ok: bool) -> None:
    assert (duration_problem(value, seconds_allowed=seconds_allowed) is None) is ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [("hello", True), ("Hello-2", True), ("123-NAME", True), ("a_b", False), ("-a", False)],
)
def test_template_step_task_names(name: str, ok: bool) -> None:
    assert (field_name_problem(name) is None) is ok


@pytest.mark.parametrize(
    ("name", "ok"), [("my_param", True), ("MY-PARAM-1", True), ("a b", False), ("a.b", False)]
)
def test_parameter_names(name: str, ok: bool) -> None:
    assert (param_name_problem(name) is None) is ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [("hello", True), ("a.b-c", True), ("Hello", False), ("a_b", False), ("a-", False)],
)
def test_object_names(name: str, ok: bool) -> None:
    assert (object_name_problem(name, 63) is None) is ok


def test_object_name_length() -> None:
    assert object_name_problem("a" * 64, 63) is not None
