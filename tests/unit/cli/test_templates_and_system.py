"""`wf template ...`, `wf lint`, `wf version`, `wf completion`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cli.conftest import Wf, data
from workflow_engine.store.kubernetes import KubernetesOptions


def test_template_create_list_get_delete(wf: Wf) -> None:
    created = wf("template", "create", data("template.yaml"), data("cluster-template.yaml"))
    assert created.exit_code == 0, created.output
    assert created.output == (
        "WorkflowTemplate greeter created\nClusterWorkflowTemplate cluster-greeter created\n"
    )
    listed = wf("template", "list", "-o", "name").output.split()
    assert sorted(listed) == ["cluster-greeter", "greeter"]
    assert "ENTRYPOINT" in wf("template", "list").output
    got = json.loads(wf("template", "get", "greeter", "-o", "json").output)
    assert got["spec"]["entrypoint"] == "main"
    got = json.loads(
        wf("template", "get", "clusterworkflowtemplate/cluster-greeter", "-o", "json").output
    )
    assert got["kind"] == "ClusterWorkflowTemplate"
    assert wf("template", "delete", "greeter").output == "template greeter deleted\n"
    assert wf("template", "list", "-o", "name").output.split() == ["cluster-greeter"]


def test_template_create_twice_fails_unless_upsert(wf: Wf) -> None:
    assert wf("template", "create", data("template.yaml")).exit_code == 0
    again = wf("template", "create", data("template.yaml"))
    assert again.exit_code == 1
    assert again.output.startswith("error: WorkflowTemplate default/greeter already exists")
    assert wf("template", "create", "--upsert", data("template.yaml")).exit_code == 0


def test_template_create_lints_first(wf: Wf) -> None:
    result = wf("template", "create", data("hello.yaml"))
    assert result.exit_code == 2
    assert result.output == (
        "kind: expected WorkflowTemplate or ClusterWorkflowTemplate, not 'Workflow'\n"
    )
    assert wf.store.list("WorkflowTemplate").items == []


def test_template_lint_and_unknown_delete(wf: Wf) -> None:
    assert wf("template", "lint", data("template.yaml")).exit_code == 0
    result = wf("template", "delete", "nope")
    assert result.exit_code == 1
    assert result.output == "error: WorkflowTemplate 'nope' not found\n"


def test_lint_lists_every_error_of_every_file_with_its_path(wf: Wf) -> None:
    result = wf("lint", data("hello.yaml"), data("unknown-template.yaml"), data("bad-yaml.yaml"))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert any('unknown template "does-not-exist"' in line for line in lines)
    assert any("YAML syntax error" in line for line in lines)
    assert all(line.startswith(str(data(""))) for line in lines)


def test_lint_of_good_files(wf: Wf) -> None:
    result = wf("lint", data("hello.yaml"), data("template.yaml"))
    assert result.exit_code == 0
    assert result.output == "no errors found in 2 file(s)\n"


def test_version_lists_what_describe_says(wf: Wf) -> None:
    wf.app.describe = lambda: {"wf": "0.1.0", "sandbox": "plain"}
    assert wf("version").output == "wf:      0.1.0\nsandbox: plain\n"
    assert json.loads(wf("version", "-o", "json").output) == {"wf": "0.1.0", "sandbox": "plain"}


def test_completion_script(wf: Wf) -> None:
    result = wf("completion", "bash")
    assert result.exit_code == 0
    assert "_WF_COMPLETE=bash_complete" in result.output


def test_unknown_command_is_a_usage_error(wf: Wf) -> None:
    assert wf("frobnicate").exit_code == 2


def test_controller_runs_the_apps_controller_with_the_idle_exit(wf: Wf) -> None:
    calls: list[tuple[float | None, int | None, str]] = []
    wf.app.run_controller = lambda idle, port, address: calls.append((idle, port, address)) or 0
    assert wf("controller", "--idle-exit", "3").exit_code == 0
    assert wf("controller", "--metrics-port", "9090").exit_code == 0
    assert wf("controller", "--metrics-port", "0", "--metrics-address", "::1").exit_code == 0
    assert calls == [(3.0, None, "127.0.0.1"), (None, 9090, "127.0.0.1"), (None, 0, "::1")]


def test_a_bad_metrics_port_is_a_usage_error(wf: Wf) -> None:
    wf.app.run_controller = lambda idle, port, address: 0
    for bad in ("http", "70000", "-1"):
        result = wf("controller", "--metrics-port", bad)
        assert result.exit_code == 2, (bad, result.output)
        assert "--metrics-port" in result.output


def test_controller_refused_when_another_runs(wf: Wf) -> None:
    from workflow_engine.controller.embedded import ControllerRunning

    def refuse(idle: float | None, port: int | None, address: str) -> int:
        raise ControllerRunning("a controller (pid 1) already runs for /x")

    wf.app.run_controller = refuse
    result = wf("controller")
    assert result.exit_code == 1
    assert result.output == "error: a controller (pid 1) already runs for /x\n"


def test_cluster_template_commands_as_argo_names_them(wf: Wf) -> None:
    created = wf("cluster-template", "create", data("cluster-template.yaml"))
    assert created.output == "ClusterWorkflowTemplate cluster-greeter created\n"
    assert wf("template", "create", data("template.yaml")).exit_code == 0
    assert wf("cluster-template", "list", "-o", "name").output.split() == ["cluster-greeter"]
    assert "cluster-greeter" in wf("cluster-template", "list").output
    got = json.loads(wf("cluster-template", "get", "cluster-greeter", "-o", "json").output)
    assert got["kind"] == "ClusterWorkflowTemplate"
    assert wf("cluster-template", "lint", data("cluster-template.yaml")).exit_code == 0
    deleted = wf("cluster-template", "delete", "cluster-greeter")
    assert deleted.output == "cluster template cluster-greeter deleted\n"
    assert wf("cluster-template", "list").output == "No cluster workflow templates found\n"
    assert wf("template", "list", "-o", "name").output.split() == ["greeter"]


def test_cluster_template_refuses_other_kinds_and_unknown_names(wf: Wf) -> None:
    for verb in ("create", "lint"):
        result = wf("cluster-template", verb, data("template.yaml"))
        assert result.exit_code == 2
        assert "kind: expected ClusterWorkflowTemplate, not 'WorkflowTemplate'" in result.output
    assert wf("template", "list", "-o", "name").output.split() == []
    missing = wf("cluster-template", "get", "nope")
    assert missing.exit_code != 0 and "nope" in missing.output


def test_controller_kubernetes_options_need_the_kubernetes_backend(wf: Wf) -> None:
    for args in (["--namespaced"], ["--executor-command", "x"], ["--executor-image", "i"]):
        result = wf("controller", *args)
        assert result.exit_code == 2, args
        assert "are for the Kubernetes backend" in result.output


def test_controller_idle_exit_is_embedded_only(wf: Wf) -> None:
    wf.app.kubernetes = KubernetesOptions(kubeconfig="/nonexistent")
    result = wf("controller", "--idle-exit", "3")
    assert result.exit_code == 2
    assert "--idle-exit is for the embedded controller" in result.output


def test_controller_with_an_unreadable_kubeconfig_is_a_usage_error(wf: Wf, tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\n")  # no cluster, no current-context
    wf.app.kubernetes = KubernetesOptions(kubeconfig=str(config))
    result = wf("controller")
    assert result.exit_code == 2
    assert result.output.startswith(f"{config}: cannot load Kubernetes configuration")
    assert result.output.count("\n") == 1


def test_lint_prints_warnings_and_exits_0_when_there_are_only_warnings(wf: Wf) -> None:
    path = data("unhonoured.yaml")
    result = wf("lint", path, data("hello.yaml"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"warning: {path}: spec: podDisruptionBudget is accepted but not honoured "
        "(embedded mode evicts no pods; the Kubernetes controller makes it)",
        f"warning: {path}: spec.templates[0].container: livenessProbe is accepted but not honoured "
        "(embedded mode runs no probes or hooks)",
        "no errors found in 2 file(s), 2 warning(s)",
    ]


def test_lint_prints_warnings_beside_errors_and_exits_2(wf: Wf) -> None:
    result = wf("lint", data("unhonoured.yaml"), data("unknown-template.yaml"))
    assert result.exit_code == 2
    assert sum(line.startswith("warning: ") for line in result.output.splitlines()) == 2
    assert 'unknown template "does-not-exist"' in result.output


def test_template_lint_and_create_print_warnings(wf: Wf) -> None:
    path = data("unhonoured-template.yaml")
    line = (
        f"warning: {path}: spec.templates[0].container: livenessProbe is accepted but not honoured "
        "(embedded mode runs no probes or hooks)"
    )
    linted = wf("template", "lint", path)
    assert (linted.exit_code, linted.output.splitlines()) == (
        0,
        [line, "no errors found in 1 file(s), 1 warning(s)"],
    )
    created = wf("template", "create", path)
    assert created.exit_code == 0, created.output
    assert created.stderr.splitlines() == [line]
    assert created.stdout == "WorkflowTemplate cached created\n"
