"""`wf submit --wait` on the cluster, from a stored WorkflowTemplate or CronWorkflow: the
exit code is the workflow's result (0 Succeeded, 1 Failed); and the output formats of
`wf get` / `wf list` (`@latest`, `-o wide|json|yaml`) on what the controller ran.

What is real: see tests/cluster/kube_cli.py (the control plane, `wf node`, the
controller for one namespace, `wf --kubeconfig ...` through CliRunner, kubectl).
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.cluster.kube import NODE
from tests.cluster.kube_cli import KubeCli, kube_cli_fixture  # noqa: F401
from tests.cluster.workflows import DATA, EXAMPLES
from tests.support.polling import poll

pytestmark = pytest.mark.cluster


def test_submit_from_a_template_waits_exit_0_then_get_latest_in_every_format(
    kube_cli: KubeCli,
) -> None:
    template = EXAMPLES / "templates" / "greeting-template.yaml"
    assert kube_cli.wf("template", "create", str(template)).exit_code == 0
    submitted = kube_cli.wf(
        "submit", "--from", "workflowtemplate/greeting-template", "-p", "name=cluster", "--wait"
    )
    assert submitted.exit_code == 0, submitted.output
    name, phase = submitted.output.split()
    assert name.startswith("greeting-template-") and phase == "Succeeded"
    assert kube_cli.workflow(name)["status"]["phase"] == "Succeeded"
    assert kube_cli.wf("logs", "@latest").output == f"{name}: hello cluster\n"

    as_json = json.loads(kube_cli.wf("get", "@latest", "-o", "json").output)
    as_yaml = yaml.safe_load(kube_cli.wf("get", "@latest", "-o", "yaml").output)
    assert as_json["metadata"]["name"] == as_yaml["metadata"]["name"] == name
    assert as_json["status"] == as_yaml["status"]
    assert as_json["spec"]["workflowTemplateRef"] == {"name": "greeting-template"}
    (pod,) = kube_cli.pods(name)
    wide = kube_cli.wf("get", "@latest", "-o", "wide")
    assert wide.exit_code == 0, wide.output
    # Argo's wide columns: the pod's name and the node it ran on
    assert pod["metadata"]["name"] in wide.output and NODE in wide.output
    # the controller's Kubernetes Events on the workflow, as embedded `wf get` lists its own
    poll(
        lambda: "WorkflowSucceeded" in kube_cli.wf("get", name).output,
        what="the WorkflowSucceeded event in wf get",
        interval=0.3,
    )
    junit = kube_cli.wf("get", name, "-o", "junit")
    assert junit.exit_code == 0 and "hello cluster" in junit.output  # the pod's log
    listed = kube_cli.wf("list", "-o", "wide")
    assert listed.exit_code == 0 and kube_cli.namespace in listed.output
    assert "workflows.argoproj.io/workflow-template=greeting-template" in listed.output


def test_submit_from_a_cron_workflow_waits_logs_and_exits_1_when_it_fails(
    kube_cli: KubeCli,
) -> None:
    created = kube_cli.wf("cron", "create", str(DATA / "cli-cron-fails.yaml"))
    assert created.exit_code == 0, created.output

    submitted = kube_cli.wf("submit", "--from", "cronwf/cli-cron-fails", "--wait", "--log")

    assert submitted.exit_code == 1, submitted.output
    streamed, last = submitted.output.splitlines()  # the pod's log as it ran, then the end
    name = last.split()[0]
    assert streamed == f"{name}: failing"
    assert last.startswith(f"{name} Failed")
    obj = kube_cli.workflow(name)
    assert obj["status"]["phase"] == "Failed"
    assert obj["metadata"]["labels"]["workflows.argoproj.io/cron-workflow"] == "cli-cron-fails"
