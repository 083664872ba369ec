"""The checked-in crds/ tree matches the generator; the CRD schemas are structural."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from workflow_engine.spec import API_GROUP, KINDS
from workflow_engine.spec.crds import ARGO_GROUP, custom_resource_definitions
from workflow_engine.spec.install import (
    METRICS_PORT,
    install_manifests,
    install_objects,
    install_tree,
)

CRDS = Path(__file__).parents[3] / "crds"


def test_checked_in_files_are_what_the_generator_writes() -> None:
    on_disk = {
        str(p.relative_to(CRDS)): list(yaml.safe_load_all(p.read_text()))
        for p in CRDS.rglob("*.yaml")
    }
    assert on_disk == install_tree(), "crds/ is stale: run scripts/gen_crds.py"


@pytest.mark.parametrize("group", [API_GROUP, ARGO_GROUP])
def test_every_api_kind_and_task_results_have_a_crd(group: str) -> None:
    crds = custom_resource_definitions(group)
    assert {c["spec"]["names"]["kind"] for c in crds} == set(KINDS) | {
        "WorkflowTaskResult",
        "WorkflowNodeChunk",
    }
    assert {c["spec"]["group"] for c in crds} == {group}
    assert all(c["metadata"]["name"].endswith("." + group) for c in crds)


def test_an_unknown_group_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown API group"):
        custom_resource_definitions("example.com")


def test_workflows_have_the_status_subresource_and_columns() -> None:
    by_kind = {c["spec"]["names"]["kind"]: c for c in custom_resource_definitions()}
    version = by_kind["Workflow"]["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == [
        "Status",
        "Age",
        "Duration",
        "Message",
    ]
    assert by_kind["Workflow"]["spec"]["names"]["shortNames"] == ["wf"]
    assert "subresources" not in by_kind["WorkflowTemplate"]["spec"]["versions"][0]


def _violations(node: Any, path: str) -> list[str]:
    """Kubernetes' structural rules that a generator could break."""
    if not isinstance(node, dict):
        return [f"{path}: not a mapping"]
    found = [
        f"{path}: {key}" for key in ("$ref", "anyOf", "oneOf", "allOf", "default") if key in node
    ]
    open_ = node.get("x-kubernetes-preserve-unknown-fields") or node.get(
        "x-kubernetes-int-or-string"
    )
    if "type" not in node and not open_:
        found.append(f"{path}: no type")
    for key, child in (node.get("properties") or {}).items():
        found += _violations(child, f"{path}.{key}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            found += _violations(node[key], f"{path}[{key}]")
    return found


@pytest.mark.parametrize("crd", custom_resource_definitions(), ids=lambda c: c["metadata"]["name"])
def test_schemas_are_structural_and_typed(crd: dict[str, Any]) -> None:
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert _violations(schema, "") == []
    if "spec" in schema["properties"]:
        spec = schema["properties"]["spec"]
        assert spec["properties"], "spec must be typed, not only left open"


def test_workflow_spec_types_come_from_the_models() -> None:
    crd = custom_resource_definitions()[0]
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert spec["properties"]["parallelism"] == {"type": "integer"}
    template = spec["properties"]["templates"]["items"]
    assert template["properties"]["name"] == {"type": "string"}
    # a parameter value may be written as a number or a boolean, as Argo allows
    parameter = template["properties"]["inputs"]["properties"]["parameters"]["items"]
    assert parameter["properties"]["value"] == {"x-kubernetes-preserve-unknown-fields": True}


def test_install_objects_put_crds_first_and_can_leave_out_the_controller() -> None:
    objects = install_objects(ARGO_GROUP)
    kinds = [o["kind"] for o in objects]
    assert kinds[:6] == ["CustomResourceDefinition"] * 6
    assert "Deployment" in kinds
    assert "Deployment" not in [o["kind"] for o in install_objects(ARGO_GROUP, controller=False)]


def test_the_controller_deployment_serves_metrics_on_a_declared_port() -> None:
    deployment = next(m for m in install_manifests() if m["kind"] == "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["wf", "controller", "--metrics-port", str(METRICS_PORT)]
    assert container["ports"] == [
        {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}
    ]
