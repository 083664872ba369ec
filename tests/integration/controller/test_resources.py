"""Resource templates in embedded mode without a cluster, and with bad manifests (real
store, process runtime and controller: see conftest.py). The runs against a cluster
are in tests/cluster/test_kube_resources.py."""

from __future__ import annotations

import json

import pytest

from tests.integration.controller.conftest import REPO, Embedded, data, embedded  # noqa: F401
from workflow_engine.controller.resources import NO_CLUSTER

pytestmark = pytest.mark.integration
EXAMPLE = REPO / "examples" / "resource-job.yaml"


def test_without_a_kubeconfig_resource_steps_end_error_saying_so(
    embedded: Embedded,  # noqa: F811
) -> None:
    run = embedded.wf("submit", str(EXAMPLE), "--wait", "-o", "json")
    assert run.exit_code == 1, run.output
    wf = json.loads(run.output)
    assert wf["status"]["phase"] == "Failed"  # its steps failed, as Argo's do
    config = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "config")
    assert (config["phase"], config["message"]) == ("Error", NO_CLUSTER)
    assert "WF_RESOURCE_KUBECONFIG" in NO_CLUSTER


def test_a_manifest_without_kind_ends_error(embedded: Embedded) -> None:  # noqa: F811
    run = embedded.wf("submit", data("controller", "resource-no-kind.yaml"), "--wait", "-o", "json")
    assert run.exit_code == 1, run.output
    wf = json.loads(run.output)
    (node,) = wf["status"]["nodes"].values()
    assert node["phase"] == "Error"
    assert node["message"] == "resource.manifest must be an object with apiVersion and kind"


def test_a_manifest_that_is_not_yaml_is_refused_at_submit(embedded: Embedded) -> None:  # noqa: F811
    run = embedded.wf("submit", data("controller", "resource-bad-yaml.yaml"))
    assert run.exit_code == 2
    assert "spec.templates[0].resource.manifest: not valid YAML" in run.output
    assert embedded.wf("list", "-o", "name").output.strip() == ""


def test_manifest_from_reads_the_input_artifact(embedded: Embedded) -> None:  # noqa: F811
    path = data("controller", "resource-manifest-from.yaml")
    run = embedded.wf("submit", path, "--wait", "-o", "json")
    assert run.exit_code == 1, run.output
    (node,) = json.loads(run.output)["status"]["nodes"].values()
    assert node["phase"] == "Error"
    assert node["message"] == "resource.manifest must be an object with apiVersion and kind"
