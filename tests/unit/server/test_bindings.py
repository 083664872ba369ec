"""Which WorkflowEventBindings an event selects and what they submit (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.server.bindings import (
    BINDING_LABEL,
    BindingError,
    environment,
    selects,
    submission,
)

PAYLOAD = {"foo": {"bar": "baz"}, "n": 3, "msg": "My%Test%"}


def env(discriminator: str = "d", headers: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    return environment(PAYLOAD, discriminator, "ns", headers or [("X-Event", "push")])


def binding(selector: str = "true", submit: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"event": {"selector": selector}}
    if submit is not None:
        spec["submit"] = submit
    return {"metadata": {"name": "b"}, "spec": spec}


def test_environment_keeps_only_x_headers_lower_cased_as_lists() -> None:
    headers = [
        ("X-GitHub-Event", "push"),
        ("Authorization", "Bearer t"),
        ("x-a", "1"),
        ("X-A", "2"),
    ]
    got = environment({}, "d", "ns", headers)["metadata"]
    assert got == {"x-github-event": ["push"], "x-a": ["1", "2"]}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param('payload.foo.bar == "baz"', True, id="payload"),
        pytest.param('discriminator == "d"', True, id="discriminator"),
        pytest.param('metadata["x-event"] == ["push"]', True, id="header-list"),
        pytest.param('sprig.toString(payload.n) == "3"', True, id="sprig"),
        pytest.param('payload.foo.bar == "qux"', False, id="false"),
        pytest.param('namespace == "other"', False, id="namespace"),
    ],
)
def test_selector(selector: str, expected: bool) -> None:
    assert selects(binding(selector), env()) is expected


@pytest.mark.parametrize(
    "selector",
    [
        pytest.param("payload.n", id="not-a-boolean"),
        pytest.param("payload.foo ==", id="syntax"),
        pytest.param("", id="empty"),
    ],
)
def test_a_bad_selector_is_an_error_of_that_binding(selector: str) -> None:
    with pytest.raises(BindingError, match=r"spec\.event\.selector"):
        selects(binding(selector), env())


def test_submission_maps_parameters_and_metadata() -> None:
    submit = {
        "workflowTemplateRef": {"name": "tmpl", "clusterScope": True},
        "metadata": {"name": '"wfeb-" + payload.foo.bar', "labels": {"x": "payload.msg"}},
        "arguments": {
            "parameters": [
                {"name": "s", "valueFrom": {"event": "payload.msg"}},
                {"name": "m", "valueFrom": {"event": "payload.foo"}},
                {"name": "n", "valueFrom": {"event": "payload.n"}},
            ]
        },
    }
    plan = submission(binding(submit=submit), env())
    assert plan is not None
    assert (plan.template, plan.cluster_scope, plan.name) == ("tmpl", True, "wfeb-baz")
    assert plan.labels == {"x": "My%Test%", BINDING_LABEL: "b"}
    assert plan.parameters == [("s", "My%Test%"), ("m", '{"bar":"baz"}'), ("n", "3")]


def test_a_binding_without_submit_submits_nothing() -> None:
    assert submission(binding(), env()) is None


@pytest.mark.parametrize(
    ("submit", "where"),
    [
        pytest.param({"workflowTemplateRef": {}}, "workflowTemplateRef.name", id="no-template"),
        pytest.param(
            {"workflowTemplateRef": {"name": "t"}, "metadata": {"name": "payload.n"}},
            "metadata.name",
            id="name-not-a-string",
        ),
        pytest.param(
            {
                "workflowTemplateRef": {"name": "t"},
                "arguments": {"parameters": [{"name": "p", "value": "x"}]},
            },
            r"parameters\[0\].valueFrom.event",
            id="parameter-without-event",
        ),
        pytest.param(
            {
                "workflowTemplateRef": {"name": "t"},
                "arguments": {"parameters": [{"name": "p", "valueFrom": {"event": "1 +"}}]},
            },
            r"parameters\[0\].valueFrom.event",
            id="parameter-syntax",
        ),
    ],
)
def test_a_bad_submit_is_an_error_at_its_field(submit: dict[str, Any], where: str) -> None:
    with pytest.raises(BindingError, match=where):
        submission(binding(submit=submit), env())
