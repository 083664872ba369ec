"""`WF_KUBE_OFFLOAD_OVER`: the bytes of compressed node map past which the Kubernetes
store offloads a workflow's nodes (read at the program edge, cli/backend.py)."""

from __future__ import annotations

import click
import pytest

from cli.backend import kubernetes_options
from workflow_engine.store.kubernetes import KubernetesOptions


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, KubernetesOptions.offload_over, id="default"),
        pytest.param({"WF_KUBE_OFFLOAD_OVER": "4096"}, 4096, id="set"),
        pytest.param({"WF_KUBE_OFFLOAD_OVER": " "}, KubernetesOptions.offload_over, id="blank"),
    ],
)
def test_the_threshold_comes_from_the_environment(env: dict[str, str], expected: int) -> None:
    assert kubernetes_options(env, "kubeconfig", None).offload_over == expected


@pytest.mark.parametrize("value", ["0", "-5", "1Mi", "big"])
def test_a_bad_threshold_is_a_usage_error_naming_the_variable(value: str) -> None:
    with pytest.raises(click.UsageError, match=f"WF_KUBE_OFFLOAD_OVER='{value}'"):
        kubernetes_options({"WF_KUBE_OFFLOAD_OVER": value}, "kubeconfig", None)
