"""The executor on the embedded path: pods from build_pod run by the real ProcessRuntime
(overlay sandbox when available, plain otherwise) with the in-process handler for
`wf-exec`, a real SqliteStore and the local artifact repository. Nothing is faked.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from executor import make_container_handler
from workflow_engine.podbuilder import PodConfig, build_pod
from workflow_engine.runtime.base import PodObservation
from workflow_engine.runtime.process.runtime import ProcessRuntime
from workflow_engine.spec import load_objects
from workflow_engine.spec.models import Artifact, Template, Workflow
from workflow_engine.store import SqliteStore

pytestmark = pytest.mark.integration
DATA = Path(__file__).parents[2] / "data" / "executor"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "store.db")
    yield s
    s.close()


@pytest.fixture
def runtime(tmp_path: Path, store: SqliteStore) -> Iterator[ProcessRuntime]:
    rt = ProcessRuntime(tmp_path / "rt", handlers={"wf-exec": make_container_handler(store)})
    yield rt
    rt.close()


def _wait(rt: ProcessRuntime, name: str, timeout: float = 30.0) -> PodObservation:
    changed = threading.Event()
    rt.add_listener(changed.set)
    deadline = time.monotonic() + timeout
    while True:
        found = {p.name: p for p in rt.observe()}.get(name)
        if found is not None and found.phase in ("Succeeded", "Failed"):
            return found
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"pod {name} did not finish: {found}"
        changed.wait(min(remaining, 0.5))
        changed.clear()


def _pod(wf: Workflow, template: Template, n: int, repo: Path) -> dict[str, Any]:
    config = PodConfig(artifact_repository=json.dumps({"local": {"path": str(repo)}}))
    return build_pod(
        wf,
        template,
        node_id=f"handoff-{n}",
        node_name=f"handoff.{template.name}",
        pod_name=f"handoff-{template.name}-{n}",
        now=datetime.now(UTC),
        deadline=None,
        config=config,
    )


def test_script_outputs_then_artifact_input(
    tmp_path: Path, store: SqliteStore, runtime: ProcessRuntime
) -> None:
    (wf,) = load_objects((DATA / "handoff.yaml").read_text())
    assert isinstance(wf, Workflow)
    produce, consume = wf.spec.templates or []
    runtime.create_pod(_pod(wf, produce, 1, tmp_path / "repo"))
    assert _wait(runtime, "handoff-produce-1").phase == "Succeeded"
    outputs = store.get("WorkflowTaskResult", "handoff-1")["outputs"]
    assert outputs["result"] == "produced"
    assert outputs["parameters"] == [{"name": "n", "value": "7"}]
    (artifact,) = outputs["artifacts"]
    assert artifact["local"] == {"key": "handoff/handoff-produce-1/d.tgz"}

    # The controller's job, done by hand: the output's location becomes the input's.
    inputs = consume.inputs
    assert inputs is not None and inputs.artifacts
    given = inputs.artifacts[0].model_copy(
        update={"local": Artifact.model_validate(artifact).local}
    )
    consumer = consume.model_copy(
        update={"inputs": inputs.model_copy(update={"artifacts": [given]})}
    )
    runtime.create_pod(_pod(wf, consumer, 2, tmp_path / "repo"))
    assert _wait(runtime, "handoff-consume-2").phase == "Succeeded"
    assert store.get("WorkflowTaskResult", "handoff-2")["outputs"]["result"] == "art"


def test_missing_input_fails_the_pod_with_an_error_report(
    tmp_path: Path, store: SqliteStore, runtime: ProcessRuntime
) -> None:
    (wf,) = load_objects((DATA / "handoff.yaml").read_text())
    assert isinstance(wf, Workflow)
    consume = (wf.spec.templates or [])[1]
    runtime.create_pod(_pod(wf, consume, 3, tmp_path / "repo"))
    pod = _wait(runtime, "handoff-consume-3")
    assert pod.phase == "Failed"
    report = store.get("WorkflowTaskResult", "handoff-3")
    assert report["phase"] == "Error"
    assert "required input artifact 'd' not supplied" in report["message"]
