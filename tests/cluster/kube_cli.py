"""The `kube_cli` fixture: `wf` run as a user runs it against the cluster, with the
Kubernetes controller working there.

What is real: the control plane, `wf node` (pods as local processes), Argo's group's
CRDs, the controller loop (a thread of this process, tests/cluster/workflows.py) for one
namespace, and the `wf` click group invoked through CliRunner with
`--kubeconfig FILE -n NAMESPACE` and `WF_API_GROUP=argoproj.io` in its environment.
kubectl (or the Kubernetes store) looks at what `wf` did. One namespace and one
controller serve every test of a module (`kube_cli` has module scope).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import GROUP, KubeController, cluster_store, prepare_namespace
from tests.support.polling import poll
from workflow_engine.runtime.kubernetes_node import NodeAgent
from workflow_engine.store.base import Store


@dataclass
class KubeCli:
    cluster: ControlPlane
    namespace: str
    store: Store

    def wf(self, *args: str, input: str | None = None) -> Result:
        """`wf --kubeconfig K -n NS ARGS`, as a shell would run it (no WF_BACKEND), in
        a terminal wide enough for `-o wide` tables."""
        env = {"WF_BACKEND": "", "KUBECONFIG": "", "WF_API_GROUP": GROUP, "COLUMNS": "400"}
        prefix = ["--kubeconfig", str(self.cluster.kubeconfig), "-n", self.namespace]
        return CliRunner().invoke(
            cli, [*prefix, *args], env=env, input=input, catch_exceptions=False
        )

    def submit(self, path: str, *args: str) -> str:
        """`wf submit PATH ARGS -o name`; the new workflow's name."""
        result = self.wf("submit", path, "-o", "name", *args)
        assert result.exit_code == 0, result.output
        return result.output.strip()

    def workflow(self, name: str) -> dict[str, Any]:
        """The workflow as kubectl sees it."""
        out = self.cluster.kubectl(
            "get", f"workflows.{GROUP}", name, "-n", self.namespace, "-o", "json"
        ).stdout
        return dict(json.loads(out))

    def node(self, name: str, display_name: str) -> dict[str, Any]:
        """The node named so, from `wf get -o json` ({} while it does not exist)."""
        got = self.wf("get", name, "-o", "json")
        assert got.exit_code == 0, got.output
        nodes = (json.loads(got.output).get("status") or {}).get("nodes") or {}
        return next((n for n in nodes.values() if n.get("displayName") == display_name), {})

    def wait_node(self, name: str, display_name: str, phase: str) -> dict[str, Any]:
        def reached() -> dict[str, Any]:
            node = self.node(name, display_name)
            return node if node.get("phase") == phase else {}

        return poll(reached, what=f"node {display_name} of {name} {phase}", interval=0.2)

    def pods(self, name: str) -> list[dict[str, Any]]:
        """The workflow's pods, as kubectl lists them."""
        out = self.cluster.kubectl(
            "get",
            "pods",
            "-n",
            self.namespace,
            "-l",
            f"workflows.argoproj.io/workflow={name}",
            "-o",
            "json",
        ).stdout
        return list(json.loads(out)["items"])


@contextmanager
def controlled_cli(cluster: ControlPlane, namespace: str) -> Iterator[KubeCli]:
    """`wf` against `namespace` (prepared for pods), with a controller (2 workers)
    serving it until exit."""
    store = cluster_store(cluster)
    try:
        with KubeController(cluster, namespace, workers=2):
            yield KubeCli(cluster, namespace, store)
    finally:
        store.close()


@pytest.fixture(scope="module", name="kube_cli")
def kube_cli_fixture(cluster: ControlPlane, node: NodeAgent) -> Iterator[KubeCli]:
    namespace = f"cli-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", namespace)
    try:
        prepare_namespace(cluster, namespace)
        with controlled_cli(cluster, namespace) as kube_cli:
            yield kube_cli
    finally:
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)
