"""podGC end to end in embedded mode (real store, process runtime, executor and
controller: see conftest.py): the example's labelled pod is deleted once its step
succeeds, the other stays, and `wf logs` says which pod is gone instead of failing."""

from __future__ import annotations

import json

import pytest
from click.testing import Result

from tests.integration.controller.conftest import REPO, Embedded, embedded, poll  # noqa: F401

pytestmark = pytest.mark.integration
EXAMPLE = REPO / "examples" / "pod-gc.yaml"


def test_pod_gc_deletes_the_labelled_pod_and_logs_say_it_is_gone(
    embedded: Embedded,  # noqa: F811
) -> None:
    run = embedded.wf("submit", str(EXAMPLE), "--wait", "-o", "json")
    assert run.exit_code == 0, run.output
    wf = json.loads(run.output)
    name = wf["metadata"]["name"]
    assert wf["status"]["phase"] == "Succeeded"
    pods_dir = embedded.paths.runtime / "pods" / "default"

    def scratch_gone() -> Result | None:
        logs = embedded.wf("logs", name)
        return logs if "no longer exists" in logs.output else None

    logs = poll(scratch_gone, what="the scratch pod to be collected")
    assert isinstance(logs, Result) and logs.exit_code == 0, logs
    assert "keep: kept for inspection" in logs.output
    assert "scratch work" not in logs.output
    assert "scratch: pod pod-gc-" in logs.output
    left = sorted(p.name.rsplit("-", 1)[0] for p in pods_dir.iterdir())
    assert left == [f"{name}-keep"]
