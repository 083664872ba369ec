"""Loading documents into the API models: kinds, apiVersions, round trips and error paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflow_engine.errors import SpecError, SpecErrors
from workflow_engine.spec import dump_yaml, load_documents, load_objects
from workflow_engine.spec.models import (
    ClusterWorkflowTemplate,
    CronWorkflow,
    Workflow,
    WorkflowEventBinding,
    WorkflowTemplate,
)

DATA = Path(__file__).parents[2] / "data" / "spec"
EXAMPLES = Path(__file__).parents[3] / "examples"

WF_HEAD = "kind: Workflow\napiVersion: argoproj.io/v1alpha1\n"

HELLO = """
apiVersion: {api}
kind: Workflow
metadata: {{generateName: hello-}}
spec:
  entrypoint: main
  arguments: {{parameters: [{{name: n, value: 5}}, {{name: b, value: true}}]}}
  templates:
    - name: main
      container: {{image: busybox, command: [echo, hi]}}
"""


@pytest.mark.parametrize("api", ["argoproj.io/v1alpha1", "wfengine.io/v1alpha1"])
def test_both_api_versions_load_unchanged(api: str) -> None:
    (wf,) = load_objects(HELLO.format(api=api))
    assert isinstance(wf, Workflow)
    assert wf.api_version == api
    assert wf.to_dict()["apiVersion"] == api


def test_parameter_values_are_strings_like_argo_anystring() -> None:
    (wf,) = load_objects(HELLO.format(api="argoproj.io/v1alpha1"))
    assert [p.value for p in wf.spec.arguments.parameters] == ["5", "true"]


def test_multi_document_file_gives_every_kind() -> None:
    objects = load_objects((DATA / "multi.yaml").read_text())
    assert [type(o) for o in objects] == [
        WorkflowTemplate,
        Workflow,
        CronWorkflow,
        WorkflowEventBinding,
        ClusterWorkflowTemplate,
    ]
    kinds = [t.kind for t in objects[4].spec.templates]
    assert kinds == ["resource", "containerSet", "http"]


def test_json_documents_load() -> None:
    doc = load_documents(HELLO.format(api="argoproj.io/v1alpha1"))[0]
    (wf,) = load_objects(json.dumps(doc))
    assert wf.spec.entrypoint == "main"


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.yaml")), ids=lambda p: p.name)
def test_examples_round_trip_to_the_same_document(path: Path) -> None:
    docs = load_documents(path.read_text())
    objects = load_objects(path.read_text())
    for doc, obj in zip(docs, objects, strict=True):
        again = load_documents(dump_yaml(obj))[0]
        assert load_objects(dump_yaml(again))[0] == obj
        assert again["spec"] == _normalised(doc["spec"])


def _normalised(value: object) -> object:
    """Argo's AnyString fields become strings; everything else stays as written."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            WF_HEAD + "spec: {templates: [{name: a, bogus: 1}]}",
            [("spec.templates[0].bogus", "unknown field")],
            id="unknown-field",
        ),
        pytest.param(
            WF_HEAD + "spec:\n  templates:\n"
            "    - {name: a, dag: {tasks: [{template: x}]}}\n"
            "    - {name: b, retryStrategy: {limit: true}}",
            [
                ("spec.templates[0].dag.tasks[0].name", "required field is missing"),
                ("spec.templates[1].retryStrategy.limit", "boolean"),
            ],
            id="several-errors-at-once",
        ),
        pytest.param(
            "kind: Workflow\napiVersion: v1\nspec: {}",
            [("apiVersion", "unsupported apiVersion 'v1'")],
            id="bad-api-version",
        ),
        pytest.param(
            "kind: Pod\napiVersion: argoproj.io/v1alpha1\nspec: {}",
            [("kind", "unknown kind 'Pod'")],
            id="unknown-kind",
        ),
    ],
)
def test_structural_errors_name_the_field_path(text: str, expected: list[tuple[str, str]]) -> None:
    with pytest.raises(SpecErrors) as caught:
        load_objects(text)
    got = [(e.path, e.reason) for e in caught.value.errors]
    assert len(got) == len(expected)
    for (path, reason), (want_path, want_reason) in zip(got, expected, strict=True):
        assert path == want_path
        assert want_reason in reason


def test_errors_of_several_documents_are_all_reported_with_their_index() -> None:
    bad = "kind: Workflow\napiVersion: argoproj.io/v1alpha1\nspec: {nope: 1}\n"
    with pytest.raises(SpecErrors) as caught:
        load_objects(bad + "---\n" + bad)
    assert [e.path for e in caught.value.errors] == ["[0].spec.nope", "[1].spec.nope"]


def test_yaml_syntax_error_gives_line_and_column() -> None:
    with pytest.raises(SpecError) as caught:
        load_documents("a: 1\nb: [1, 2\nc: 3\n", "pipe.yaml")
    assert caught.value.path.startswith("pipe.yaml:")
    line = int(caught.value.path.split(":")[1])
    assert line >= 2
    assert "YAML syntax error" in caught.value.reason


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(SpecError, match="must be a mapping"):
        load_documents("- a\n- b\n", "list.yaml")
