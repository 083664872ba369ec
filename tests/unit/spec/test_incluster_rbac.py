"""The in-cluster test's controller Role (tests/data/cluster/kube/controller-deployment.yaml)
grants what the install's ClusterRole and Lease Role grant (`namespaced_controller_rules`,
the source of crds/), so a kind added there (WorkflowNodeChunk...) cannot be missing here."""

from __future__ import annotations

from pathlib import Path

import yaml

from workflow_engine.spec.install import (
    controller_rules,
    leader_election_rules,
    namespaced_controller_rules,
)

DEPLOYMENT = Path(__file__).parents[2] / "data" / "cluster" / "kube" / "controller-deployment.yaml"


def test_the_test_role_is_the_generated_namespaced_role() -> None:
    docs = list(yaml.safe_load_all(DEPLOYMENT.read_text()))
    [role] = [d for d in docs if d["kind"] == "Role"]
    assert role["rules"] == namespaced_controller_rules(), (
        "controller-deployment.yaml's Role is stale: write namespaced_controller_rules() into it"
    )


def test_the_namespaced_role_is_the_cluster_role_plus_the_lease() -> None:
    rules = namespaced_controller_rules()
    assert rules == [*controller_rules(), *leader_election_rules()]
    assert any("workflownodechunks" in r["resources"] for r in rules)
