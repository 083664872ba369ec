"""`wf cp` on the cluster: the output artifacts a workflow stored in S3 (SeaweedFS) are
downloaded from the repository the Kubernetes controller chose for it, as embedded
`wf cp` does. The controller is given no built-in repository: it finds the namespace's
default in the `artifact-repositories` ConfigMap (Argo's way) and records it in the
workflow's `status.artifactRepositoryRef`; the credentials are a Secret of the namespace.

What is real: the control plane, `wf node`, the controller for one namespace (a thread),
SeaweedFS (`seaweedfs` fixture), `wf --kubeconfig ...` through CliRunner, kubectl.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from tests.cluster.cluster import ControlPlane
from tests.cluster.kube_cli import KubeCli, controlled_cli
from tests.cluster.s3_namespace import s3_namespace
from tests.cluster.workflows import EXAMPLES
from tests.fixtures.seaweedfs import SeaweedServer
from tests.integration.artifacts.conftest import SECRET_NAME, fresh_bucket, s3_repository
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster

DEFAULT_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"


@pytest.fixture(scope="module")
def s3_cli(
    cluster: ControlPlane,
    node: NodeAgent,
    seaweedfs: SeaweedServer,
) -> Iterator[KubeCli]:
    with s3_namespace(cluster, seaweedfs, "cp") as namespace:
        repositories = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "artifact-repositories",
                "annotations": {DEFAULT_ANNOTATION: "seaweed"},
            },
            "data": {"seaweed": json.dumps(s3_repository(seaweedfs, fresh_bucket()))},
        }
        cluster.kubectl("create", "-n", namespace, "-f", "-", input=json.dumps(repositories))
        # no default_repository: the controller reads the ConfigMap at start
        with controlled_cli(cluster, namespace) as kube_cli:
            yield kube_cli


@pytest.fixture(scope="module")
def submitted(s3_cli: KubeCli) -> Result:
    """`wf submit --wait` of examples/artifact-passing.yaml in the module's namespace,
    run once: both tests read the finished workflow (each test ran its own before)."""
    return s3_cli.wf("submit", str(EXAMPLES / "artifact-passing.yaml"), "--wait")


def test_cp_downloads_a_cluster_workflows_outputs_from_s3(
    s3_cli: KubeCli, submitted: Result, tmp_path: Path
) -> None:
    assert submitted.exit_code == 0, submitted.output
    name, phase = submitted.output.split()
    assert phase == "Succeeded"
    status = s3_cli.workflow(name)["status"]
    ref = status["artifactRepositoryRef"]
    assert (ref["configMap"], ref["key"], ref["namespace"]) == (
        "artifact-repositories",
        "seaweed",
        s3_cli.namespace,
    )
    [(node_id, produced)] = [
        (node_id, n)
        for node_id, n in status["nodes"].items()
        if n["displayName"] == "generate-artifact"
    ]
    [art] = produced["outputs"]["artifacts"]
    assert set(art["s3"]) == {"key"}  # key-only in node status, as Argo shows it

    copied = s3_cli.wf("cp", name, str(tmp_path / "dl"))
    assert copied.exit_code == 0, copied.output
    out = tmp_path / "dl" / s3_cli.namespace / name / node_id / "outputs" / "hello-art"
    assert out.read_text() == "hello world\n"
    assert copied.output == f"{node_id}/hello-art -> {out}\n"

    # one node, by name: the same file; a name nothing produced: exit 1, nothing written
    one = s3_cli.wf("cp", name, "generate-artifact", str(tmp_path / "one"))
    assert one.exit_code == 0, one.output
    assert (tmp_path / "one" / out.relative_to(tmp_path / "dl")).read_text() == "hello world\n"
    missing = s3_cli.wf("cp", name, str(tmp_path / "none"), "--artifact-name", "nope")
    assert missing.exit_code == 1 and "no stored output artifact named 'nope'" in missing.output
    assert not (tmp_path / "none").exists()


def test_cp_of_a_workflow_that_recorded_no_repository_uses_the_namespace_default(
    s3_cli: KubeCli, submitted: Result, tmp_path: Path
) -> None:
    """A finished workflow without `status.artifactRepositoryRef` (written before the
    controller recorded one) in a namespace no controller watches: `wf cp` takes the
    repository the controller would choose, the namespace's ConfigMap default."""
    assert submitted.exit_code == 0, submitted.output
    name = submitted.output.split()[0]
    other = f"cp-none-{uuid.uuid4().hex[:8]}"
    cluster, store = s3_cli.cluster, s3_cli.store
    cluster.kubectl("create", "namespace", other)
    try:
        for kind, item in (("secret", SECRET_NAME), ("configmap", "artifact-repositories")):
            doc = json.loads(
                cluster.kubectl("get", kind, item, "-n", s3_cli.namespace, "-o", "json").stdout
            )
            doc["metadata"] = {
                "name": item,
                "annotations": doc["metadata"].get("annotations") or {},
            }
            cluster.kubectl("create", "-n", other, "-f", "-", input=json.dumps(doc))
        finished = store.get("Workflow", name, s3_cli.namespace)
        status = {k: v for k, v in finished["status"].items() if k != "artifactRepositoryRef"}
        copy = {
            "apiVersion": finished["apiVersion"],
            "kind": "Workflow",
            "metadata": {"name": name, "namespace": other},
            "spec": finished["spec"],
        }
        created = store.create(copy)
        store.update_status({**created, "status": status})

        copied = s3_cli.wf("-n", other, "cp", name, str(tmp_path / "dl"))
        assert copied.exit_code == 0, copied.output
        [out] = [p for p in (tmp_path / "dl" / other / name).rglob("hello-art") if p.is_file()]
        assert out.read_text() == "hello world\n"
        # without the ConfigMap nothing is chosen: the key-only location is refused
        cluster.kubectl("delete", "configmap", "artifact-repositories", "-n", other)
        refused = s3_cli.wf("-n", other, "cp", name, str(tmp_path / "again"))
        assert refused.exit_code == 1, refused.output
        assert "artifact 'hello-art': s3 location has no bucket" in refused.output
        assert "recorded no artifact repository" in refused.output
    finally:
        cluster.kubectl("delete", "namespace", other, "--wait=false", check=False)
