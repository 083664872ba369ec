"""lint_text and lint_object: documents in a string, path prefixes of multi-document
texts, templateRefs with and without a resolver, and the public surface."""

from __future__ import annotations

import pytest

import workflow_engine.lint as lint
from workflow_engine.lint import lint_object, lint_text
from workflow_engine.spec import load_objects
from workflow_engine.spec.resolver import MappingResolver

HELLO = """
apiVersion: wfengine.io/v1alpha1
kind: Workflow
metadata: {{generateName: hello-}}
spec:
  entrypoint: {entry}
  templates:
  - name: hello
    container: {{image: busybox, command: [echo, hi]}}
"""

TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib}
spec:
  templates:
  - name: say
    inputs: {parameters: [{name: what}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.what}}"]}
"""

CALLER = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: caller-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        templateRef: {name: lib, template: say}
        arguments: {parameters: [{name: what, value: hi}]}
"""


def test_public_surface_is_sorted_and_pinned() -> None:
    assert lint.__all__ == [
        "UNHONOURED",
        "Unhonoured",
        "document_warnings",
        "lint_documents",
        "lint_files",
        "lint_files_warned",
        "lint_object",
        "lint_text",
        "lint_warnings",
        "read_document",
        "structural_errors",
    ]


def test_valid_text_gives_no_errors() -> None:
    assert lint_text(HELLO.format(entry="hello")) == []


def test_single_document_paths_have_no_prefix() -> None:
    errors = lint_text(HELLO.format(entry="bye"))
    assert [(e.path, e.reason) for e in errors] == [
        ("spec.entrypoint", 'unknown template "bye" as entrypoint')
    ]


def test_multi_document_paths_name_the_document() -> None:
    text = HELLO.format(entry="hello") + "---" + HELLO.format(entry="bye")
    assert [e.path for e in lint_text(text)] == ["[1].spec.entrypoint"]


def test_yaml_syntax_error_has_line_and_column() -> None:
    errors = lint_text("kind: Workflow\nspec: [unclosed\n", source="wf.yaml")
    assert len(errors) == 1
    assert errors[0].path == "wf.yaml:3:1"
    assert "YAML syntax error" in errors[0].reason


def test_template_in_the_same_text_resolves_a_template_ref() -> None:
    assert lint_text(TEMPLATE + "---" + CALLER, resolver=MappingResolver()) == []


@pytest.mark.parametrize(
    ("resolver", "expected"),
    [
        pytest.param(None, [], id="no-resolver-skips"),
        pytest.param(
            MappingResolver(),
            [("spec.templates[0].steps[0][0].templateRef.name", 'unknown WorkflowTemplate "lib"')],
            id="resolver-misses",
        ),
    ],
)
def test_template_ref_checked_only_with_a_resolver(
    resolver: MappingResolver | None, expected: list[tuple[str, str]]
) -> None:
    assert [(e.path, e.reason) for e in lint_text(CALLER, resolver=resolver)] == expected


def test_resolver_template_inputs_are_checked() -> None:
    (template,) = load_objects(TEMPLATE)
    caller = CALLER.replace("arguments: {parameters: [{name: what, value: hi}]}", "")
    errors = lint_text(caller, resolver=MappingResolver([template]))  # type: ignore[list-item]
    assert [(e.path, e.reason) for e in errors] == [
        (
            "spec.templates[0].steps[0][0].arguments",
            'missing parameter "what" required by template "say"',
        )
    ]


def test_lint_object_on_a_parsed_workflow() -> None:
    (workflow,) = load_objects(HELLO.format(entry="nope"))
    assert [e.path for e in lint_object(workflow)] == ["spec.entrypoint"]  # type: ignore[arg-type]


def test_unknown_fields_do_not_hide_semantic_errors() -> None:
    text = HELLO.format(entry="bye").replace("image: busybox", "image: busybox, colour: red")
    assert sorted((e.path, e.reason) for e in lint_text(text)) == [
        ("spec.entrypoint", 'unknown template "bye" as entrypoint'),
        ("spec.templates[0].container.colour", "unknown field"),
    ]


BINDING = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowEventBinding
metadata: {name: event-consumer}
spec:
  event:
    selector: payload.message != "" &&
  submit:
    workflowTemplateRef: {name: missing}
    arguments:
      parameters:
      - name: message
        valueFrom: {event: payload.message}
"""


def test_event_binding_selector_and_template() -> None:
    errors = lint_text(BINDING, resolver=MappingResolver())
    assert [(e.path, e.reason.split(":")[0]) for e in errors] == [
        ("spec.event.selector", "bad expression"),
        ("spec.submit.workflowTemplateRef.name", 'unknown WorkflowTemplate "missing"'),
    ]


WFT_REF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: by-ref-}
spec:
  workflowTemplateRef: {name: lib}
"""


def test_workflow_template_ref_takes_the_templates_entrypoint() -> None:
    with_entry = TEMPLATE.replace("spec:\n", "spec:\n  entrypoint: say\n")
    errors = lint_text(with_entry + "---" + WFT_REF, resolver=MappingResolver())
    assert [(e.path, e.reason) for e in errors] == [
        ("[1].spec.arguments", 'missing parameter "what" required by entrypoint "say"')
    ]


def test_template_without_namespace_serves_any_namespace() -> None:
    caller = CALLER.replace("generateName: caller-", "generateName: caller-, namespace: argo")
    assert lint_text(TEMPLATE + "---" + caller, resolver=MappingResolver()) == []


def test_every_error_of_every_document_at_once() -> None:
    broken = HELLO.format(entry="bye").replace("image: busybox, ", "")
    errors = lint_text(broken + "---" + broken)
    assert sorted(e.path for e in errors) == [
        "[0].spec.entrypoint",
        "[0].spec.templates[0].container.image",
        "[1].spec.entrypoint",
        "[1].spec.templates[0].container.image",
    ]


@pytest.mark.parametrize(
    "text", ["", "---\n", "# only a comment\n"], ids=["empty", "dashes", "comment"]
)
def test_nothing_to_lint_is_an_error(text: str) -> None:
    assert [(e.path, e.reason) for e in lint_text(text, source="x.yaml")] == [
        ("x.yaml", "no documents found")
    ]
