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

from tests.cluster.cluster import ControlPlane
from tests.cluster.kube_cli import KubeCli
from tests.cluster.workflows import EXAMPLES, KubeController, cluster_store, prepare_namespace
from tests.fixtures.seaweedfs import SeaweedServer, seaweedfs  # noqa: F401  (fixture)
from tests.integration.artifacts.conftest import SECRET_NAME, fresh_bucket, s3_repository
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster

DEFAULT_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"


@pytest.fixture(scope="module")
def s3_cli(
    cluster: ControlPlane,
    node: NodeAgent,
    seaweedfs: SeaweedServer,  # noqa: F811
) -> Iterator[KubeCli]:
    namespace = f"cp-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", namespace)
    prepare_namespace(cluster, namespace)
    cluster.kubectl(
        "create",
        "secret",
        "generic",
        SECRET_NAME,
        "-n",
        namespace,
        f"--from-literal=accesskey={seaweedfs.access_key}",
        f"--from-literal=secretkey={seaweedfs.secret_key}",
    )
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
    store = cluster_store(cluster)
    try:
        # no default_repository: the controller reads the ConfigMap at start
        with KubeController(cluster, namespace, workers=2):
            yield KubeCli(cluster, namespace, store)
    finally:
        store.close()
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def test_cp_downloads_a_cluster_workflows_outputs_from_s3(s3_cli: KubeCli, tmp_path: Path) -> None:
    submitted = s3_cli.wf("submit", str(EXAMPLES / "artifact-passing.yaml"), "--wait")
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
