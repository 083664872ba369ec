"""`wf` verbs that change a running workflow, on the cluster, with the Kubernetes
controller running it: suspend/resume, `node set`, stop, terminate, resubmit, retry,
wait and watch. Each writes the workflow through the API the controller watches (spec
fields, annotations, the status subresource with its resourceVersion) and the
controller carries it out, as in embedded mode.

What is real: see tests/cluster/kube_cli.py (the control plane, `wf node`, the
controller for one namespace, `wf --kubeconfig ...` through CliRunner, kubectl).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cluster.kube_cli import KubeCli, kube_cli  # noqa: F401
from tests.cluster.workflows import DATA

pytestmark = pytest.mark.cluster


def _by_template(obj: dict[str, Any], template: str) -> list[dict[str, Any]]:
    nodes = (obj.get("status") or {}).get("nodes") or {}
    return [n for n in nodes.values() if n.get("templateName") == template]


def test_node_set_then_resume_a_suspend_step(kube_cli: KubeCli) -> None:  # noqa: F811
    name = kube_cli.submit(str(DATA / "cli-approve.yaml"))
    kube_cli.wait_node(name, "approve", "Running")

    selector = "--node-field-selector=displayName=approve"
    supplied = kube_cli.wf("node", "set", name, selector, "-p", "answer=ship it")
    assert supplied.exit_code == 0, supplied.output
    node = kube_cli.node(name, "approve")
    assert node["outputs"]["parameters"] == [{"name": "answer", "value": "ship it"}]
    assert node["phase"] == "Running"  # supplied, not yet resumed

    resumed = kube_cli.wf("resume", name, selector)
    assert resumed.exit_code == 0 and resumed.output == f"workflow {name} resumed\n"
    waited = kube_cli.wf("wait", name)
    assert (waited.exit_code, waited.output) == (0, f"{name} Succeeded\n")
    assert kube_cli.wf("logs", name, "say").output == "say: answer: ship it\n"


def test_suspend_resume_then_stop_runs_the_exit_handler(kube_cli: KubeCli) -> None:  # noqa: F811
    name = kube_cli.submit(str(DATA / "cli-long.yaml"))
    kube_cli.wait_node(name, name, "Running")

    suspended = kube_cli.wf("suspend", name)
    assert (suspended.exit_code, suspended.output) == (0, f"workflow {name} suspended\n")
    assert kube_cli.workflow(name)["spec"]["suspend"] is True
    assert kube_cli.wf("resume", name).exit_code == 0
    assert "suspend" not in kube_cli.workflow(name)["spec"]

    stopped = kube_cli.wf("stop", name)
    assert (stopped.exit_code, stopped.output) == (0, f"workflow {name} stopped\n")
    assert kube_cli.workflow(name)["spec"]["shutdown"] == "Stop"
    watched = kube_cli.wf("watch", name)
    assert watched.exit_code == 1, watched.output  # not Succeeded
    obj = kube_cli.workflow(name)
    assert obj["status"]["phase"] == "Failed"
    assert [n["phase"] for n in _by_template(obj, "cleanup")] == ["Succeeded"]
    assert kube_cli.wf("stop", name).exit_code == 1  # a finished workflow: nothing to stop


def test_terminate_skips_the_exit_handler_and_resubmit_starts_anew(kube_cli: KubeCli) -> None:  # noqa: F811
    name = kube_cli.submit(str(DATA / "cli-long.yaml"))
    kube_cli.wait_node(name, name, "Running")

    terminated = kube_cli.wf("terminate", name)
    assert (terminated.exit_code, terminated.output) == (0, f"workflow {name} terminated\n")
    waited = kube_cli.wf("wait", name)
    assert (waited.exit_code, waited.output) == (1, f"{name} Failed\n")
    assert _by_template(kube_cli.workflow(name), "cleanup") == []

    again = kube_cli.wf("resubmit", name, "-o", "name")
    assert again.exit_code == 0, again.output
    second = again.output.strip()
    assert second != name
    obj = kube_cli.workflow(second)
    assert obj["spec"]["onExit"] == "cleanup" and "shutdown" not in obj["spec"]
    assert kube_cli.wf("terminate", second).exit_code == 0
    assert kube_cli.wf("wait", second).exit_code == 1


def test_retry_reruns_only_the_failed_step(kube_cli: KubeCli, tmp_path: Path) -> None:  # noqa: F811
    spec = tmp_path / "cli-retry.yaml"
    spec.write_text((DATA / "cli-retry.yaml").read_text().replace("__DIR__", str(tmp_path)))
    first = kube_cli.wf("submit", str(spec), "--wait")
    assert first.exit_code == 1, first.output
    name = first.output.split()[0]
    assert kube_cli.wf("logs", name, "gate").output == "gate: no go file\n"
    ok_before = kube_cli.node(name, "ok")

    (tmp_path / "go").touch()
    retried = kube_cli.wf("retry", name, "--wait")

    assert retried.exit_code == 0, retried.output
    assert retried.output.splitlines() == [f"workflow {name} retried", f"{name} Succeeded"]
    assert (tmp_path / "lines").read_text() == "ok\n"  # `ok` did not run again
    ok_after = kube_cli.node(name, "ok")
    assert ok_after["outputs"]["result"] == "fine"
    assert ok_after["startedAt"] == ok_before["startedAt"]
    assert kube_cli.node(name, "gate")["phase"] == "Succeeded"
