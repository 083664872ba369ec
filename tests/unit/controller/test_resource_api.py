"""The pure parts of resource templates' API side: which manifests are refused before
any call (and with what message), kubectl-style jsonPath outputs, and the stand-in
manifest of a resource node."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflow_engine.controller.resource_api import (
    ResourceError,
    condition,
    json_path_value,
    manifest_body,
    outputs_of,
)
from workflow_engine.controller.resources import RESOURCE_ANNOTATION, with_resources
from workflow_engine.engine.decision import CreatePod
from workflow_engine.spec.models import Template, Workflow

JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "pi", "labels": {"app": "pi"}},
    "status": {"succeeded": 1, "conditions": [{"type": "Complete"}, {"type": "Other"}]},
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("{.metadata.name}", "pi"),
        (".metadata.name", "pi"),
        ("metadata.labels.app", "pi"),
        ("{.status.succeeded}", "1"),
        ("{.status.conditions[0].type}", "Complete"),
        ("{.status.conditions[*].type}", "Complete Other"),
        ("{.metadata.labels}", '{"app":"pi"}'),
        ("{.status.failed}", None),
    ],
)
def test_json_path_value(path: str, value: str | None) -> None:
    assert json_path_value(JOB, path) == value


@pytest.mark.parametrize(
    ("text", "action", "merge", "message"),
    [
        (None, "create", None, "resource.manifest is required"),
        ("kind: [x", "create", None, "resource.manifest is not valid YAML"),
        ("- a\n- b", "create", None, "must be an object with apiVersion and kind"),
        ("kind: ConfigMap", "create", None, "must be an object with apiVersion and kind"),
        ("apiVersion: v1\nkind: ConfigMap", "get", None, "needs metadata.name for get"),
        ("{a: 1}", "patch", "json", "a json patch must be a list of operations"),
    ],
)
def test_bad_manifests_are_refused_before_any_call(
    text: str | None, action: str, merge: str | None, message: str
) -> None:
    with pytest.raises(ResourceError, match=message):
        manifest_body(text, action, merge)


def test_a_generated_name_is_enough_to_create() -> None:
    body = manifest_body(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: a-}", "create", None
    )
    assert body["metadata"] == {"generateName": "a-"}


def test_a_bad_condition_names_its_field() -> None:
    with pytest.raises(ResourceError, match=r"resource.successCondition: expected '\('"):
        condition("status.phase in Failed", "successCondition")
    assert condition("", "successCondition") is None


def output_template(*params: dict) -> Template:
    return Template.model_validate(
        {"name": "t", "resource": {"action": "get"}, "outputs": {"parameters": list(params)}}
    )


def test_outputs_from_json_path_with_default_and_missing() -> None:
    name = {"name": "n", "valueFrom": {"jsonPath": "{.metadata.name}"}}
    failed = {"name": "f", "valueFrom": {"jsonPath": "{.status.failed}", "default": "0"}}
    assert outputs_of(output_template(name, failed), JOB) == {
        "parameters": [{"name": "n", "value": "pi"}, {"name": "f", "value": "0"}]
    }
    missing = {"name": "f", "valueFrom": {"jsonPath": "{.status.failed}"}}
    with pytest.raises(ResourceError, match="found nothing"):
        outputs_of(output_template(missing), JOB)
    jq = {"name": "q", "valueFrom": {"jqFilter": ".status.conditions[].type"}}
    kind = {"name": "k", "valueFrom": {"jqFilter": ".metadata.labels"}}
    assert outputs_of(output_template(jq, kind), JOB) == {
        "parameters": [
            {"name": "q", "value": "Complete\nOther"},
            {"name": "k", "value": '{"app":"pi"}'},
        ]
    }
    with pytest.raises(ResourceError, match="bad jqFilter"):
        outputs_of(output_template({"name": "b", "valueFrom": {"jqFilter": ".["}}), JOB)


def test_resource_nodes_get_a_stand_in_and_other_pods_the_real_builder() -> None:
    wf = Workflow.model_validate(
        {"metadata": {"name": "wf", "namespace": "ns", "uid": "u-1"}, "spec": {"entrypoint": "x"}}
    )
    built: list[str] = []

    def real(wf: Workflow, action: CreatePod, now: datetime) -> dict:
        built.append(action.pod_name)
        return {"kind": "Pod"}

    build = with_resources(real)
    resource = Template.model_validate({"name": "r", "resource": {"action": "get"}})
    container = Template.model_validate({"name": "c", "container": {"image": "x"}})
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stand_in = build(wf, CreatePod("id-r", "wf.r", "wf-r-1", resource), now)
    assert stand_in["metadata"]["annotations"][RESOURCE_ANNOTATION] == "true"
    assert stand_in["metadata"]["namespace"] == "ns"
    assert stand_in["metadata"]["labels"]["workflows.argoproj.io/workflow-uid"] == "u-1"
    assert stand_in["template"]["resource"] == {"action": "get"}
    assert build(wf, CreatePod("id-c", "wf.c", "wf-c-1", container), now) == {"kind": "Pod"}
    assert built == ["wf-c-1"]
