"""`wf submit`: overrides, lint before store, --wait exit codes, --from templates."""

from __future__ import annotations

import json

import pytest

from tests.unit.cli.conftest import Wf, data


def test_submit_stores_the_workflow_and_prints_its_name(wf: Wf) -> None:
    result = wf("submit", data("hello.yaml"))
    assert result.exit_code == 0, result.output
    [stored] = wf.workflows()
    assert result.output == f"workflow {stored['metadata']['name']} submitted\n"
    assert stored["metadata"]["name"].startswith("hello-")


@pytest.mark.parametrize(
    ("args", "check"),
    [
        pytest.param(
            ["-p", "message=yo"],
            lambda w: w["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "yo"}],
            id="parameter",
        ),
        pytest.param(
            ["-p", "eq=a=b"],
            lambda w: {"name": "eq", "value": "a=b"} in w["spec"]["arguments"]["parameters"],
            id="parameter-value-with-equals",
        ),
        pytest.param(
            ["--parameter-file", "PARAMS"],
            lambda w: (
                w["spec"]["arguments"]["parameters"]
                == [{"name": "message", "value": "from-file"}, {"name": "extra", "value": "42"}]
            ),
            id="parameter-file",
        ),
        pytest.param(
            ["--parameter-file", "PARAMS", "-p", "message=cli"],
            lambda w: w["spec"]["arguments"]["parameters"][0]["value"] == "cli",
            id="cli-beats-file",
        ),
        pytest.param(["--name", "given"], lambda w: w["metadata"]["name"] == "given", id="name"),
        pytest.param(
            ["--generate-name", "pre-"],
            lambda w: w["metadata"]["name"].startswith("pre-"),
            id="generate-name",
        ),
        pytest.param(
            ["-l", "a=1,b=2"],
            lambda w: (
                {"team": "blue", "a": "1", "b": "2"}.items() <= w["metadata"]["labels"].items()
            ),
            id="labels",
        ),
        pytest.param(
            ["--entrypoint", "main"], lambda w: w["spec"]["entrypoint"] == "main", id="entrypoint"
        ),
    ],
)
def test_overrides(wf: Wf, args: list[str], check) -> None:  # type: ignore[no-untyped-def]
    args = [data("params.yaml") if a == "PARAMS" else a for a in args]
    result = wf("submit", data("hello.yaml"), *args)
    assert result.exit_code == 0, result.output
    [stored] = wf.workflows()
    assert check(stored), stored


def test_submit_from_stdin_with_name_output(wf: Wf) -> None:
    with open(data("hello.yaml")) as f:
        result = wf("submit", "-", "-o", "name", input=f.read())
    assert result.exit_code == 0
    assert result.output.strip() == wf.workflows()[0]["metadata"]["name"]


@pytest.mark.parametrize(
    ("file", "args", "expected_lines"),
    [
        pytest.param(
            "bad-yaml.yaml",
            [],
            [f"{data('bad-yaml.yaml')}:8:1: YAML syntax error: did not find expected node content"],
            id="bad-yaml",
        ),
        pytest.param(
            "unknown-template.yaml",
            [],
            [
                'spec.templates[0].steps[0][0].template: unknown template "does-not-exist"',
                'spec.templates[0].steps[1][0].template: unknown template "nor-this"',
            ],
            id="unknown-templates-all-listed",
        ),
        pytest.param(
            "missing-parameter.yaml",
            [],
            [
                "spec.arguments.parameters[0].value: parameter 'message' has no value: "
                "pass -p message=VALUE"
            ],
            id="missing-parameter",
        ),
        pytest.param(
            "hello.yaml",
            ["--entrypoint", "nope"],
            ['spec.entrypoint: unknown template "nope" as entrypoint'],
            id="unknown-entrypoint",
        ),
        pytest.param(
            "template.yaml",
            [],
            [
                "kind: wf submit takes Workflow documents, not 'WorkflowTemplate' "
                "(use `wf template create` for templates)"
            ],
            id="not-a-workflow",
        ),
        pytest.param(
            "no-such-file.yaml",
            [],
            [f"{data('no-such-file.yaml')}: cannot read: No such file or directory"],
            id="missing-file",
        ),
    ],
)
def test_user_errors_exit_2_list_every_error_and_store_nothing(
    wf: Wf, file: str, args: list[str], expected_lines: list[str]
) -> None:
    result = wf("submit", data(file), *args)
    assert result.exit_code == 2
    assert result.output.splitlines() == expected_lines
    assert wf.workflows() == []
    assert "Traceback" not in result.output


@pytest.mark.parametrize("follow", ["--wait", "--watch"])
def test_wait_starts_the_controller_before_lint(wf: Wf, follow: str) -> None:
    # with --wait/--watch its start-up overlaps lint's; a refused file leaves it idle
    result = wf("submit", follow, data("unknown-template.yaml"))
    assert result.exit_code == 2
    assert wf.workflows() == []
    assert len(wf.controllers) == 1


def test_without_wait_a_refused_file_starts_no_controller(wf: Wf) -> None:
    result = wf("submit", data("unknown-template.yaml"))
    assert result.exit_code == 2
    assert wf.controllers == []


def test_a_missing_parameter_given_with_p_is_accepted(wf: Wf) -> None:
    result = wf("submit", data("missing-parameter.yaml"), "-p", "message=ok")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "give either FILE or --from", id="nothing"),
        pytest.param(
            ["X", "--from", "workflowtemplate/x"], "give either FILE or --from", id="both"
        ),
        pytest.param(
            ["X", "--name", "a", "--generate-name", "b"],
            "exclude each other",
            id="name-and-generate-name",
        ),
        pytest.param(["X", "-p", "novalue"], "expected NAME=VALUE", id="bad-parameter"),
        pytest.param(["X", "-l", "novalue"], "expected key=value", id="bad-label"),
    ],
)
def test_usage_errors_exit_2(wf: Wf, args: list[str], message: str) -> None:
    args = [data("hello.yaml") if a == "X" else a for a in args]
    result = wf("submit", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert wf.workflows() == []


def test_wait_exits_0_when_the_workflow_succeeds(wf: Wf) -> None:
    result = wf("submit", data("hello.yaml"), "--wait")
    assert result.exit_code == 0, result.output
    name = wf.workflows()[0]["metadata"]["name"]
    assert result.output == f"workflow {name} submitted\n" * 0 + f"{name} Succeeded\n"


def test_wait_exits_1_with_the_message_when_it_fails(wf: Wf) -> None:
    result = wf("submit", data("failing.yaml"), "--wait")
    assert result.exit_code == 1
    assert result.output.endswith("Failed: step 0 failed\n")


def test_wait_with_json_output_prints_the_final_object(wf: Wf) -> None:
    result = wf("submit", data("hello.yaml"), "--wait", "-o", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["status"]["phase"] == "Succeeded"


def test_watch_prints_the_final_tree(wf: Wf) -> None:
    result = wf("submit", data("hello.yaml"), "--watch")
    assert result.exit_code == 0, result.output
    assert "Status:" in result.output and "✔ Succeeded" in result.output
    assert "✔ main" in result.output


def test_submit_from_a_workflow_template(wf: Wf) -> None:
    assert wf("template", "create", data("template.yaml")).exit_code == 0
    result = wf("submit", "--from", "workflowtemplate/greeter", "-p", "message=x")
    assert result.exit_code == 0, result.output
    [stored] = wf.workflows()
    assert stored["spec"]["workflowTemplateRef"] == {"name": "greeter"}
    assert stored["metadata"]["labels"]["workflows.argoproj.io/workflow-template"] == "greeter"
    assert stored["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "x"}]


def test_submit_from_a_cluster_workflow_template(wf: Wf) -> None:
    assert wf("template", "create", data("cluster-template.yaml")).exit_code == 0
    result = wf("submit", "--from", "clusterworkflowtemplate/cluster-greeter")
    assert result.exit_code == 0, result.output
    [stored] = wf.workflows()
    assert stored["spec"]["workflowTemplateRef"] == {
        "name": "cluster-greeter",
        "clusterScope": True,
    }


@pytest.mark.parametrize(
    ("reference", "line"),
    [
        pytest.param(
            "workflowtemplate/nope", "--from: WorkflowTemplate 'nope' not found", id="unknown"
        ),
        pytest.param(
            "pod/nope",
            "--from: 'pod/nope': expected workflowtemplate/NAME, clusterworkflowtemplate/NAME "
            "or cronwf/NAME",
            id="bad-kind",
        ),
    ],
)
def test_submit_from_errors(wf: Wf, reference: str, line: str) -> None:
    result = wf("submit", "--from", reference)
    assert result.exit_code == 2
    assert result.output.splitlines() == [line]
    assert wf.workflows() == []


def test_submit_prints_warnings_on_stderr_and_proceeds(wf: Wf) -> None:
    path = data("unhonoured.yaml")
    result = wf("submit", path)
    assert result.exit_code == 0, result.output
    [stored] = wf.workflows()
    assert result.stdout == f"workflow {stored['metadata']['name']} submitted\n"
    assert result.stderr.splitlines() == [
        f"warning: {path}: spec: podDisruptionBudget is accepted but not honoured "
        "(embedded mode evicts no pods; the Kubernetes controller makes it)",
        f"warning: {path}: spec.templates[0].container: livenessProbe is accepted but not honoured "
        "(embedded mode runs no probes or hooks)",
    ]


PDB_WARNING = (
    "podDisruptionBudget is accepted but not honoured "
    "(embedded mode evicts no pods; the Kubernetes controller makes it)"
)


def test_submit_from_a_template_prints_the_warnings_of_the_template(wf: Wf) -> None:
    created = wf("template", "create", data("unhonoured-runnable-template.yaml"))
    assert created.exit_code == 0, created.output
    result = wf("submit", "--from", "workflowtemplate/guarded")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: workflowtemplate/guarded: spec.workflowTemplateRef.spec: {PDB_WARNING}"
    ]
    assert len(wf.workflows()) == 1


def test_cron_create_and_submit_from_the_cron_print_its_warnings(wf: Wf) -> None:
    path = data("unhonoured-cron.yaml")
    created = wf("cron", "create", path)
    assert created.exit_code == 0, created.output
    assert created.stderr.splitlines() == [f"warning: {path}: spec.workflowSpec: {PDB_WARNING}"]
    result = wf("submit", "--from", "cronwf/guarded-nightly")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"warning: cronwf/guarded-nightly: spec: {PDB_WARNING}"]


def test_cluster_template_lint_create_and_submit_print_warnings(wf: Wf) -> None:
    path = data("unhonoured-cluster-template.yaml")
    line = f"warning: {path}: spec: {PDB_WARNING}"
    linted = wf("cluster-template", "lint", path)
    assert (linted.exit_code, linted.output.splitlines()) == (
        0,
        [line, "no errors found in 1 file(s), 1 warning(s)"],
    )
    created = wf("cluster-template", "create", path)
    assert (created.exit_code, created.stderr.splitlines()) == (0, [line])
    ref = "clusterworkflowtemplate/guarded-cluster"
    result = wf("submit", "--from", ref)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {ref}: spec.workflowTemplateRef.spec: {PDB_WARNING}"
    ]
