"""`wf gitops canary` against the real control plane (tests/cluster): replicas move
from a stable to a canary Deployment step by step, a verification command runs after
each step, and a failed one puts every replica back. Real: API server, controllers,
scheduler; pods run as local processes of the `node` fixture.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import apply, get
from workflow_engine.runtime.kubernetes_node import NodeAgent

pytestmark = pytest.mark.cluster


def _deployment(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web", "track": name}},
            "template": {
                "metadata": {"labels": {"app": "web", "track": name}},
                "spec": {
                    "nodeSelector": {"kubernetes.io/hostname": "wf-test-node"},
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {"name": "main", "image": "busybox", "command": ["sleep", "3600"]}
                    ],
                },
            },
        },
    }


def canary(cluster: ControlPlane, namespace: str, *args: str) -> Result:
    base = ["--kubeconfig", str(cluster.kubeconfig), "-n", namespace, "gitops", "canary"]
    return CliRunner().invoke(cli, [*base, "web-stable", "--canary", "web-canary", *args])


def _replicas(cluster: ControlPlane, namespace: str) -> dict[str, int]:
    items = get(cluster, namespace, "deployments")["items"]
    return {d["metadata"]["name"]: d["spec"]["replicas"] for d in items}


@pytest.fixture
def pair(cluster: ControlPlane, node: NodeAgent, namespace: str) -> str:
    apply(cluster, namespace, _deployment("web-stable", 2))
    apply(cluster, namespace, _deployment("web-canary", 0))
    return namespace


def test_canary_reaches_100_percent(cluster: ControlPlane, pair: str) -> None:
    result = canary(cluster, pair, "--steps", "50,100", "--verify-cmd", "true", "-o", "json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["steps"]
    assert [(s["weight"], s["stable"], s["canary"]) for s in steps] == [(50, 1, 1), (100, 0, 2)]
    assert _replicas(cluster, pair) == {"web-stable": 0, "web-canary": 2}
    assert get(cluster, pair, "deployment", "web-canary")["status"]["readyReplicas"] == 2


def test_failed_verification_restores_the_stable_deployment(
    cluster: ControlPlane, pair: str
) -> None:
    check = 'test "$CANARY_WEIGHT" -lt 50 || { echo "error rate too high" >&2; exit 1; }'
    result = canary(cluster, pair, "--verify-cmd", check, "--timeout", "60s")
    assert result.exit_code == 1, result.output
    assert "20%: stable 1, canary 1 - ok" in result.stdout
    assert "aborted at 50%: verification command exited 1: error rate too high" in result.stdout
    assert _replicas(cluster, pair) == {"web-stable": 2, "web-canary": 0}
    assert get(cluster, pair, "deployment", "web-stable")["status"]["readyReplicas"] == 2
