"""Volume claims end to end in embedded mode (real store, runtime, executor and
controller: tests/integration/controller/conftest.py). A claim is a directory under
the state directory (`<state>/claims/<namespace>/<claim>/data`): one from
volumeClaimTemplates is made before the first pod, shared by every pod of the
workflow, listed in `status.persistentVolumeClaims`, and removed as `volumeClaimGC`
says (Argo's operator: `createPVCs`, `deletePVCs`) or with the workflow; one named by
a `persistentVolumeClaim` volume outlives the workflows that use it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.controller.conftest import (  # noqa: F401
    DATA,
    REPO,
    Embedded,
    embedded,
    poll,
)
from workflow_engine.controller.embedded import EmbeddedOptions, StatePaths, run

pytestmark = pytest.mark.integration
EXAMPLES = REPO / "examples"
FAILING = DATA / "volumes" / "claim-then-fail.yaml"
Wf = dict[str, Any]


def submit(env: Embedded, path: Path, *args: str) -> Wf:
    run = env.wf("submit", str(path), "--wait", "-o", "json", *args)
    assert run.exit_code in (0, 1), run.output
    return dict(json.loads(run.output))


def claim_dir(env: Embedded, claim: str) -> Path:
    return env.paths.claims / "default" / claim


def gone(env: Embedded, claim: str) -> None:
    """Wait for the claim's directory to go: the controller deletes it after it wrote the
    status `wf submit --wait` returned on (actions follow the status write)."""
    poll(lambda: not claim_dir(env, claim).exists(), 60, f"claim {claim} to be deleted")


def results(wf: Wf) -> dict[str, str]:
    return {
        n["displayName"]: (n.get("outputs") or {}).get("result", "")
        for n in wf["status"]["nodes"].values()
    }


def test_claim_template_is_shared_by_the_steps_and_goes_on_success(
    embedded: Embedded,  # noqa: F811
) -> None:
    wf = submit(embedded, EXAMPLES / "volumes-claim-template.yaml")
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"])[:2000]
    logs = embedded.wf("logs", wf["metadata"]["name"]).output
    assert "hello from the claim" in logs  # the read step's pod saw the write step's file
    assert not wf["status"].get("persistentVolumeClaims")  # deleted, so no longer listed
    gone(embedded, f"{wf['metadata']['name']}-workdir")


def test_a_failed_workflow_keeps_its_claim_until_it_is_deleted(
    embedded: Embedded,  # noqa: F811
) -> None:
    wf = submit(embedded, FAILING)
    name = wf["metadata"]["name"]
    assert wf["status"]["phase"] == "Failed"
    claim = f"{name}-workdir"
    assert wf["status"]["persistentVolumeClaims"] == [
        {"name": "workdir", "persistentVolumeClaim": {"claimName": claim}}
    ]
    assert (claim_dir(embedded, claim) / "data" / "note.txt").read_text() == "kept\n"
    assert embedded.wf("delete", name).exit_code == 0
    gone(embedded, claim)


def test_on_workflow_completion_deletes_the_claim_of_a_failed_workflow(
    embedded: Embedded,  # noqa: F811
    tmp_path: Path,
) -> None:
    doc = yaml.safe_load(FAILING.read_text())
    doc["spec"]["volumeClaimGC"] = {"strategy": "OnWorkflowCompletion"}
    path = tmp_path / "on-completion.yaml"
    path.write_text(yaml.safe_dump(doc))
    wf = submit(embedded, path)
    assert wf["status"]["phase"] == "Failed"
    assert not wf["status"].get("persistentVolumeClaims")
    gone(embedded, f"{wf['metadata']['name']}-workdir")


def test_an_existing_claim_outlives_the_workflows_that_share_it(
    embedded: Embedded,  # noqa: F811
) -> None:
    example = EXAMPLES / "volumes-existing-claim.yaml"
    first, second = submit(embedded, example), submit(embedded, example)
    assert [first["status"]["phase"], second["status"]["phase"]] == ["Succeeded"] * 2
    assert results(first)[first["metadata"]["name"]].strip() == "1"
    assert results(second)[second["metadata"]["name"]].strip() == "2"
    runs = (claim_dir(embedded, "build-cache") / "data" / "runs.txt").read_text().split()
    assert runs == [first["metadata"]["name"], second["metadata"]["name"]]


@contextmanager
def controller(home: Path) -> Iterator[None]:
    """An embedded controller over `home` in a thread, for the block's length."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(StatePaths(home), EmbeddedOptions(), stop))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def test_a_controller_starting_removes_claims_of_workflows_deleted_meanwhile(
    tmp_path: Path,
) -> None:
    env = Embedded(
        tmp_path / "state",
        {
            "WF_HOME": str(tmp_path / "state"),
            "HOME": str(tmp_path / "state"),
            "WF_NO_CONTROLLER": "1",
        },
    )
    with controller(env.home):
        wf = submit(env, FAILING)
    claim = f"{wf['metadata']['name']}-workdir"
    assert env.wf("delete", wf["metadata"]["name"]).exit_code == 0  # no controller runs
    assert claim_dir(env, claim).exists()
    with controller(env.home):
        gone(env, claim)
