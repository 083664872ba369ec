"""ttlStrategy end to end in embedded mode (real store, process runtime, executor and
controller: see conftest.py): the example deletes itself 1 s after it succeeded, its
pod and task result with it; a failed run of it stays (its TTL is 10 minutes)."""

from __future__ import annotations

import json

import pytest

from cli.main import app_from_env
from tests.integration.controller.conftest import REPO, Embedded, embedded, poll  # noqa: F401
from workflow_engine.vocabulary import TASK_RESULT_KIND, WORKFLOW_LABEL

pytestmark = pytest.mark.integration
EXAMPLE = REPO / "examples" / "ttl-strategy.yaml"


def test_a_succeeded_workflow_is_deleted_after_its_ttl(embedded: Embedded) -> None:  # noqa: F811
    run = embedded.wf("submit", str(EXAMPLE), "--wait", "-o", "json")
    assert run.exit_code == 0, run.output
    wf = json.loads(run.output)
    name = wf["metadata"]["name"]
    assert wf["status"]["phase"] == "Succeeded"
    assert embedded.wf("get", name).exit_code == 0  # still there right after it ended

    poll(lambda: embedded.wf("get", name).exit_code != 0, what="the TTL deletion", timeout=20)
    gone = embedded.wf("get", name)
    assert "not found" in gone.output, gone.output
    pods_dir = embedded.paths.runtime / "pods" / "default"
    poll(lambda: not any(pods_dir.glob(f"{name}*")), what="its pod to go")
    store = app_from_env(embedded.env).store
    assert store.list(TASK_RESULT_KIND, "default", {WORKFLOW_LABEL: name}).items == []


def test_a_failed_workflow_lives_by_its_failure_ttl(embedded: Embedded) -> None:  # noqa: F811
    run = embedded.wf("submit", str(EXAMPLE), "--wait", "-o", "json")
    assert run.exit_code == 0
    failing = EXAMPLE.read_text().replace(
        'command: [echo, "short-lived"]', "command: [sh, -c, 'exit 1']"
    )
    path = embedded.home.parent / "failing.yaml"
    path.write_text(failing)
    run = embedded.wf("submit", str(path), "--wait", "-o", "name")
    assert run.exit_code == 1, run.output
    name = run.output.strip()
    # once the succeeded one (submitted first, 1 s TTL) is gone, the failed one is there
    poll(lambda: embedded.wf("list", "-o", "name").output.split() == [name], timeout=20)
    assert json.loads(embedded.wf("get", name, "-o", "json").output)["status"]["phase"] == "Failed"
