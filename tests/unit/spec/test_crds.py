"""The checked-in CRDs match the generator, and cover every kind the spec loads."""

from __future__ import annotations

from pathlib import Path

import yaml

from workflow_engine.spec import API_GROUP, KINDS
from workflow_engine.spec.crds import custom_resource_definitions

CRDS = Path(__file__).parents[3] / "crds"


def test_checked_in_files_are_what_the_generator_writes() -> None:
    generated = {c["metadata"]["name"]: c for c in custom_resource_definitions()}
    on_disk = {
        p.name.removesuffix(".yaml"): yaml.safe_load(p.read_text()) for p in CRDS.glob("*.yaml")
    }
    assert on_disk == generated


def test_every_api_kind_and_task_results_have_a_crd() -> None:
    kinds = {c["spec"]["names"]["kind"] for c in custom_resource_definitions()}
    assert kinds == set(KINDS) | {"WorkflowTaskResult"}
    assert {c["spec"]["group"] for c in custom_resource_definitions()} == {API_GROUP}


def test_workflows_have_the_status_subresource() -> None:
    by_kind = {c["spec"]["names"]["kind"]: c for c in custom_resource_definitions()}
    assert by_kind["Workflow"]["spec"]["versions"][0]["subresources"] == {"status": {}}
    assert "subresources" not in by_kind["WorkflowTemplate"]["spec"]["versions"][0]
