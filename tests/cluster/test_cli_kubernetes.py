"""`wf` against the cluster: the store-only verbs work the same as in embedded mode.

What is real: the control plane, our CRDs (`crds` fixture), the `wf` click group
invoked through CliRunner with the environment a user would set (WF_BACKEND,
KUBECONFIG) or the `--kubeconfig` flag, and kubectl to look at what `wf` did.
No controller runs here: these verbs only talk to the store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from tests.cluster.cluster import REPO_ROOT, ControlPlane
from tests.cluster.store_fixtures import crds  # noqa: F401

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("crds")]

EXAMPLES = REPO_ROOT / "examples"


def wf(cluster: ControlPlane, namespace: str, *args: str, flag: bool = False) -> Result:
    """Run `wf -n NAMESPACE ARGS` on the cluster, by env (default) or by --kubeconfig."""
    env = {"WF_BACKEND": "kubernetes", "KUBECONFIG": str(cluster.kubeconfig)}
    prefix = ["-n", namespace]
    if flag:
        env = {"WF_BACKEND": "", "KUBECONFIG": ""}
        prefix = ["--kubeconfig", str(cluster.kubeconfig), *prefix]
    return CliRunner().invoke(cli, [*prefix, *args], env=env, catch_exceptions=False)


def test_submit_list_get_delete(cluster: ControlPlane, namespace: str) -> None:
    submitted = wf(cluster, namespace, "submit", str(EXAMPLES / "hello-world.yaml"), "-o", "name")
    assert submitted.exit_code == 0, submitted.output
    name = submitted.output.strip()
    seen = json.loads(
        cluster.kubectl("get", "workflows.wfengine.io", "-n", namespace, "-o", "json").stdout
    )
    assert [item["metadata"]["name"] for item in seen["items"]] == [name]

    listed = wf(cluster, namespace, "list", flag=True)
    assert listed.exit_code == 0 and name in listed.output
    got = wf(cluster, namespace, "get", name, "-o", "json")
    assert got.exit_code == 0
    assert json.loads(got.output)["spec"]["entrypoint"] == "main"

    deleted = wf(cluster, namespace, "delete", name)
    assert deleted.exit_code == 0 and f"workflow {name} deleted" in deleted.output
    left = cluster.kubectl("get", "workflows.wfengine.io", "-n", namespace, "-o", "name").stdout
    assert left.strip() == ""


def test_templates(cluster: ControlPlane, namespace: str) -> None:
    source = EXAMPLES / "templates" / "greeting-template.yaml"
    assert wf(cluster, namespace, "template", "create", str(source)).exit_code == 0
    listed = wf(cluster, namespace, "template", "list")
    assert listed.exit_code == 0 and "greeting-template" in listed.output
    on_cluster = cluster.kubectl(
        "get", "workflowtemplates.wfengine.io", "-n", namespace, "-o", "name"
    ).stdout
    assert "greeting-template" in on_cluster
    assert wf(cluster, namespace, "template", "delete", "greeting-template").exit_code == 0
    assert (
        cluster.kubectl(
            "get", "workflowtemplates.wfengine.io", "-n", namespace, "-o", "name"
        ).stdout.strip()
        == ""
    )


def test_secrets_are_kubernetes_secrets(cluster: ControlPlane, namespace: str) -> None:
    created = wf(cluster, namespace, "secret", "create", "s3", "--from-literal", "accesskey=abc")
    assert created.exit_code == 0, created.output
    value = cluster.kubectl(
        "get", "secret", "s3", "-n", namespace, "-o", "jsonpath={.data.accesskey}"
    ).stdout
    assert value == "YWJj"  # base64 of abc
    listed = wf(cluster, namespace, "secret", "list")
    assert "s3" in listed.output and "accesskey" in listed.output
    assert wf(cluster, namespace, "secret", "delete", "s3").exit_code == 0


def test_lint_needs_no_cluster_and_reports_paths(
    cluster: ControlPlane, namespace: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: x-}\n"
        "spec: {entrypoint: nope, templates: [{name: main, container: {image: alpine}}]}\n"
    )
    result = wf(cluster, namespace, "lint", str(bad))
    assert result.exit_code == 2
    assert "spec.entrypoint" in result.output


def test_a_schema_error_from_the_server_names_the_field(
    cluster: ControlPlane, namespace: str, tmp_path: Path
) -> None:
    source = tmp_path / "typed.yaml"
    source.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: typed}\n"
        "spec: {entrypoint: main, parallelism: many, "
        "templates: [{name: main, container: {image: alpine}}]}\n"
    )
    result = wf(cluster, namespace, "template", "create", str(source))
    assert result.exit_code == 2
    assert "spec.parallelism" in result.output


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"WF_BACKEND": "cloud"}, ["list"], "WF_BACKEND='cloud'"),
        ({"WF_BACKEND": "embedded"}, ["--context", "x", "list"], "--kubeconfig/--context"),
        ({"WF_BACKEND": "kubernetes", "WF_API_GROUP": "example.com"}, ["list"], "WF_API_GROUP"),
        ({"WF_BACKEND": "kubernetes", "WF_KUBE_QPS": "fast"}, ["list"], "WF_KUBE_QPS"),
    ],
    ids=["unknown-backend", "flag-with-embedded", "unknown-group", "bad-qps"],
)
def test_bad_backend_settings_exit_2(env: dict[str, str], args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 2
    assert message in result.output
