"""Installing on a cluster: both modes with `kubectl apply -k`, `wf install`, what the
CRD schemas refuse, `kubectl get wf`'s columns and the RBAC's least privilege.

What is real: the control plane, kubectl (with its built-in kustomize) applying the
checked-in `crds/` tree through the overlays in tests/data/cluster/install-* (which
only scale the controller to 0 so no controller pod acts on other tests' workflows),
and `wf install` applying through the API. Both API groups end up installed in the
one session cluster, so names are spelled out in full (`workflows.argoproj.io`).
"""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from click.testing import CliRunner

from cli.main import cli
from tests.cluster.cluster import REPO_ROOT, ControlPlane
from tests.cluster.store_fixtures import argo_crds, crds, open_kube_store  # noqa: F401
from tests.support.polling import poll
from workflow_engine.spec.crds import ARGO_GROUP
from workflow_engine.spec.install import install_objects
from workflow_engine.spec.objects import API_GROUP

pytestmark = pytest.mark.cluster

DATA = REPO_ROOT / "tests" / "data" / "cluster"
HELLO = REPO_ROOT / "examples" / "hello-world.yaml"
EXECUTOR = "system:serviceaccount:default:wf-executor"
CONTROLLER = "system:serviceaccount:wf-system:wf-controller"


@pytest.fixture(scope="module", params=["side-by-side", "replace"])
def installed(request: pytest.FixtureRequest, argo_crds: ControlPlane) -> tuple[ControlPlane, str]:  # noqa: F811
    """The cluster after `kubectl apply -k` of one install mode; its API group."""
    argo_crds.kubectl("apply", "-k", str(DATA / f"install-{request.param}"))
    return argo_crds, API_GROUP if request.param == "side-by-side" else ARGO_GROUP


def test_the_install_creates_crds_rbac_and_the_controller(
    installed: tuple[ControlPlane, str],
) -> None:
    cluster, group = installed
    crd = json.loads(cluster.kubectl("get", "crd", f"workflows.{group}", "-o", "json").stdout)
    assert crd["spec"]["names"]["shortNames"] == ["wf"]
    deployment = json.loads(
        cluster.kubectl(
            "get", "deployment", "wf-controller", "-n", "wf-system", "-o", "json"
        ).stdout
    )
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "wf-controller"
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"][-2:] == ["--metrics-port", "9090"]
    assert container["ports"][0] | {"protocol": "TCP"} == {
        "name": "metrics",
        "containerPort": 9090,
        "protocol": "TCP",
    }
    for account in ("wf-system/wf-controller", "default/wf-executor"):
        ns, name = account.split("/")
        cluster.kubectl("get", "serviceaccount", name, "-n", ns)


@pytest.mark.parametrize(
    ("who", "verb", "what", "namespace", "allowed"),
    [
        (EXECUTOR, "create", "workflowtaskresults", "default", True),
        (EXECUTOR, "patch", "workflowtaskresults", "default", True),
        (EXECUTOR, "create", "workflowtaskresults", "kube-system", False),
        (EXECUTOR, "update", "workflows", "default", False),
        (EXECUTOR, "create", "pods", "default", False),
        (CONTROLLER, "update", "workflows/status", "default", True),
        (CONTROLLER, "create", "pods", "team-a", True),
        (CONTROLLER, "delete", "workflowtaskresults", "team-a", True),
        (CONTROLLER, "create", "secrets", "default", False),
        (CONTROLLER, "delete", "workflowtemplates", "default", False),
        (CONTROLLER, "create", "leases.coordination.k8s.io", "wf-system", True),
        (CONTROLLER, "create", "leases.coordination.k8s.io", "default", False),
        (CONTROLLER, "deletecollection", "events", "team-a", True),
        (CONTROLLER, "create", "poddisruptionbudgets.policy", "team-a", True),
        (CONTROLLER, "update", "configmaps", "team-a", True),
        (CONTROLLER, "delete", "configmaps", "team-a", False),
    ],
    ids=[
        "executor-creates-results",
        "executor-patches-results",
        "executor-only-in-its-namespace",
        "executor-cannot-touch-workflows",
        "executor-cannot-make-pods",
        "controller-writes-status",
        "controller-makes-pods-anywhere",
        "controller-cleans-results",
        "controller-cannot-write-secrets",
        "controller-cannot-delete-templates",
        "controller-elects-a-leader",
        "controller-leases-only-at-home",
        "controller-clears-a-workflows-events",
        "controller-makes-disruption-budgets",
        "controller-writes-memoization-caches",
        "controller-cannot-delete-configmaps",
    ],
)
def test_rbac_is_least_privilege(
    installed: tuple[ControlPlane, str],
    who: str,
    verb: str,
    what: str,
    namespace: str,
    allowed: bool,
) -> None:
    cluster, group = installed
    resource = (
        what
        if "." in what or what in ("pods", "secrets", "events", "configmaps")
        else f"{what.split('/')[0]}.{group}"
    )
    sub = what.split("/")[1] if "/" in what else None
    args = ["auth", "can-i", verb, resource, "-n", namespace, f"--as={who}"]
    if sub:
        args.append(f"--subresource={sub}")
    answer = cluster.kubectl(*args, check=False).stdout.strip()
    assert answer == ("yes" if allowed else "no")


def test_existing_argo_manifests_apply_unchanged_in_replace_mode(
    installed: tuple[ControlPlane, str], namespace: str
) -> None:
    cluster, group = installed
    if group != ARGO_GROUP:
        pytest.skip("the side-by-side mode takes converted manifests (next test)")
    created = cluster.kubectl("create", "-n", namespace, "-f", str(HELLO), "-o", "name").stdout
    assert created.startswith(f"workflow.{ARGO_GROUP}/hello-world-")


def test_converted_manifests_apply_in_side_by_side_mode(
    installed: tuple[ControlPlane, str], namespace: str
) -> None:
    cluster, group = installed
    converted = CliRunner().invoke(cli, ["convert", str(HELLO)])
    assert converted.exit_code == 0
    assert f"apiVersion: {group}/v1alpha1" in converted.output or group == ARGO_GROUP
    to = CliRunner().invoke(cli, ["convert", "--to", group, str(HELLO)]).output
    created = cluster.kubectl("create", "-n", namespace, "-f", "-", "-o", "name", input=to).stdout
    assert created.startswith(f"workflow.{group}/hello-world-")


def test_a_workflow_failing_the_schema_is_refused_with_its_field_path(
    installed: tuple[ControlPlane, str], namespace: str
) -> None:
    cluster, group = installed
    text = (DATA / "bad-parallelism.yaml").read_text().replace(ARGO_GROUP, group)
    result = cluster.kubectl("apply", "-n", namespace, "-f", "-", input=text, check=False)
    assert result.returncode != 0
    assert "spec.parallelism" in result.stderr
    assert cluster.kubectl("get", f"workflows.{group}", "-n", namespace, "-o", "name").stdout == ""


def test_kubectl_get_wf_prints_status_and_duration(
    installed: tuple[ControlPlane, str], namespace: str
) -> None:
    cluster, group = installed
    document = yaml.safe_load(HELLO.read_text())
    document["metadata"] = {"name": "shown", "namespace": namespace}
    status = {
        "phase": "Succeeded",
        "startedAt": "2026-01-01T00:00:00Z",
        "finishedAt": "2026-01-01T00:01:05Z",
    }
    # in both groups: `kubectl get wf` picks one of them when both are installed
    for each in (API_GROUP, ARGO_GROUP):
        store = open_kube_store(cluster, each)
        try:
            obj = store.create(document)
            store.update_status({**obj, "status": status})
        finally:
            store.close()
    table = cluster.kubectl("get", f"workflows.{group}", "-n", namespace).stdout.splitlines()
    assert table[0].split() == ["NAME", "STATUS", "AGE", "DURATION", "MESSAGE"]
    row = table[1].split()
    assert (row[0], row[1], row[3]) == ("shown", "Succeeded", "1m5s")
    short = cluster.kubectl("get", "wf", "-n", namespace).stdout.splitlines()
    assert [line.split()[:2] for line in short] == [["NAME", "STATUS"], ["shown", "Succeeded"]]


def test_wf_install_prints_what_kustomize_builds() -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(REPO_ROOT / "crds" / "argoproj")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    printed = CliRunner().invoke(cli, ["install", "--mode", "replace", "--print"]).output

    def keyed(text: str) -> dict[tuple[str, str], object]:
        # libyaml's loader: the CRDs are 21,000 lines, several minutes for the pure
        # Python one on a loaded machine (past pytest's timeout), under a second here
        docs = yaml.load_all(text, Loader=yaml.CSafeLoader)
        return {(d["kind"], d["metadata"]["name"]): d for d in docs}

    assert keyed(printed) == keyed(built)


def test_wf_install_applies_through_the_api(crds: ControlPlane) -> None:  # noqa: F811
    result = CliRunner().invoke(
        cli, ["install", "--without-controller", "--kubeconfig", str(crds.kubeconfig)]
    )
    assert result.exit_code == 0, result.output
    expected = install_objects(API_GROUP, controller=False)
    assert result.output.count(" applied") == len(expected)
    poll(
        lambda: crds.kubectl("get", "clusterrole", "wf-executor", check=False).returncode == 0,
        30,
        "the executor ClusterRole",
        0.2,  # a kubectl process per try
    )
