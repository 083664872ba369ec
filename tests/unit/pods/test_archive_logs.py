"""The workflow's `spec.archiveLogs` reaches the executor through the template JSON
(WF_TEMPLATE's `archiveLocation.archiveLogs`) unless the template decides itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from workflow_engine.podbuilder import PodConfig, build_pod
from workflow_engine.spec import load_objects
from workflow_engine.spec.models import Workflow

DATA = Path(__file__).parents[2] / "data" / "pods"


def _template_env(wf: Workflow, name: str) -> dict[str, Any]:
    template = next(t for t in wf.spec.templates or () if t.name == name)
    pod = build_pod(
        wf,
        template,
        node_id="n",
        node_name="archive.x",
        pod_name="archive-x",
        now=datetime(2026, 1, 1, tzinfo=UTC),
        deadline=None,
        config=PodConfig(),
    )
    [main] = [c for c in pod["spec"]["containers"] if c["name"] == "main"]
    env = {e["name"]: e.get("value") for e in main["env"]}
    return json.loads(env["WF_TEMPLATE"])


def _workflow(archive_logs: bool | None) -> Workflow:
    (wf,) = load_objects((DATA / "archive-logs.yaml").read_text())
    assert isinstance(wf, Workflow)
    return wf.model_copy(update={"spec": wf.spec.model_copy(update={"archive_logs": archive_logs})})


@pytest.mark.parametrize(
    ("workflow_setting", "template", "expected"),
    [
        (True, "plain", {"archiveLogs": True}),
        (True, "keyed", {"archiveLogs": True, "local": {"key": "logs/here"}}),
        (True, "refuses", {"archiveLogs": False}),
        (None, "plain", None),
        (False, "plain", None),  # the repository's setting still applies
    ],
    ids=["copied", "kept-beside-the-key", "template-wins", "unset", "false-not-copied"],
)
def test_workflow_archive_logs_in_the_template(
    workflow_setting: bool | None, template: str, expected: dict[str, Any] | None
) -> None:
    tmpl = _template_env(_workflow(workflow_setting), template)
    assert tmpl.get("archiveLocation") == expected
