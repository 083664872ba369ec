"""The controller's artifact wiring (`controller.repositories`) and workflow variables
in volumes (`controller.volumes`), around a stand-in `operate`. Real: the artifacts
room (repository choice, local driver, GC), the spec models, MemoryStore."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from workflow_engine.artifacts import ArtifactRepository, RepositoryConfig
from workflow_engine.controller.embedded import StatePaths, load_wiring
from workflow_engine.controller.repositories import ArtifactWiring
from workflow_engine.controller.volumes import VolumeSubstitution
from workflow_engine.engine.artifact_gc import ON_COMPLETION, CollectArtifacts, StoredArtifact
from workflow_engine.engine.decision import Decision, EmitEvent
from workflow_engine.podbuilder import PodConfig
from workflow_engine.spec.models import Artifact, Workflow, WorkflowStatus
from workflow_engine.store import MemoryStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _config(second: Path) -> RepositoryConfig:
    return RepositoryConfig.from_objects(
        [
            {
                "kind": "ConfigMap",
                "metadata": {"name": "artifact-repositories", "namespace": "default"},
                "data": {"second": json.dumps({"local": {"path": str(second)}})},
            }
        ]
    )


def _wiring(tmp_path: Path) -> ArtifactWiring:
    fallback = ArtifactRepository.model_validate({"local": {"path": str(tmp_path / "default")}})
    return ArtifactWiring(_config(tmp_path / "second"), fallback, PodConfig(), MemoryStore())


def _workflow(spec: dict[str, Any] | None = None, status: dict[str, Any] | None = None) -> Workflow:
    obj: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf", "namespace": "default", "uid": "u1", "generation": 1},
        "spec": {"entrypoint": "main", "templates": [{"name": "main"}], **(spec or {})},
    }
    wf = Workflow.model_validate(obj)
    if status is not None:
        wf = wf.model_copy(update={"status": WorkflowStatus.model_validate(status)})
    return wf


class Recorder:
    """A stand-in operate: remembers what it saw, returns the status it is told to."""

    def __init__(self, update: dict[str, Any] | None = None) -> None:
        self.seen: list[Workflow] = []
        self.update = update or {"phase": "Running"}

    def __call__(self, wf: Workflow, observed: Any, now: datetime, resolver: Any) -> Decision:
        self.seen.append(wf)
        status = (wf.status or WorkflowStatus()).to_dict()
        return Decision(status=WorkflowStatus.model_validate({**status, **self.update}))


@pytest.mark.parametrize(
    ("spec", "expected_path", "expected_ref"),
    [
        ({}, "default", {"default": True}),
        (
            {"artifactRepositoryRef": {"key": "second"}},
            "second",
            {"configMap": "artifact-repositories", "key": "second", "namespace": "default"},
        ),
    ],
    ids=["fallback", "named"],
)
def test_the_repository_is_chosen_recorded_and_given_to_pods(
    tmp_path: Path, spec: dict[str, Any], expected_path: str, expected_ref: dict[str, Any]
) -> None:
    wiring, operate = _wiring(tmp_path), Recorder()
    decision = wiring.wrap(operate)(_workflow(spec), None, NOW, None)
    ref = decision.status.to_dict()["artifactRepositoryRef"]
    assert {k: ref[k] for k in expected_ref} == expected_ref
    assert ref["artifactRepository"]["local"]["path"] == str(tmp_path / expected_path)
    assert operate.seen[0].status is not None  # operate saw the recorded ref
    written = _workflow(spec, decision.status.to_dict())
    pod = json.loads(wiring.pod_config(written).artifact_repository)
    assert pod == {"local": {"path": str(tmp_path / expected_path)}}


def test_a_recorded_repository_is_kept(tmp_path: Path) -> None:
    recorded = {"artifactRepositoryRef": {"artifactRepository": {"local": {"path": "/old"}}}}
    wf = _workflow({"artifactRepositoryRef": {"key": "second"}}, recorded)
    decision = _wiring(tmp_path).wrap(Recorder())(wf, None, NOW, None)
    assert decision.status.to_dict()["artifactRepositoryRef"] == recorded["artifactRepositoryRef"]
    assert json.loads(_wiring(tmp_path).pod_config(wf).artifact_repository) == {
        "local": {"path": "/old"}
    }


def test_an_unknown_ref_is_an_error_without_running_anything(tmp_path: Path) -> None:
    operate = Recorder()
    wf = _workflow({"artifactRepositoryRef": {"configMap": "nope"}})
    decision = _wiring(tmp_path).wrap(operate)(wf, None, NOW, None)
    assert decision.status.phase == "Error"
    assert "ConfigMap 'nope' not found in namespace default" in (decision.status.message or "")
    assert operate.seen == []
    assert any(isinstance(a, EmitEvent) and a.type == "Warning" for a in decision.actions)


def test_collect_artifacts_deletes_in_the_recorded_repository(tmp_path: Path) -> None:
    stored = tmp_path / "second" / "wf" / "pod" / "out.tgz"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"x")
    recorded = {
        "artifactRepositoryRef": {
            "artifactRepository": {"local": {"path": str(tmp_path / "second")}}
        }
    }
    items = tuple(
        StoredArtifact(
            "n1", Artifact.model_validate({"name": name, "local": {"key": key}}), ON_COMPLETION
        )
        for name, key in [("out", "wf/pod/out.tgz"), ("gone", "wf/pod/never-written.tgz")]
    )
    collected = _wiring(tmp_path).collect_artifacts(
        _workflow(status=recorded), CollectArtifacts(items)
    )
    assert not stored.exists()
    assert collected.deleted == {("n1", "out"), ("n1", "gone")}  # a missing object is no error
    assert collected.failed == ()


def test_collect_artifacts_reports_a_broken_repository_per_artifact(tmp_path: Path) -> None:
    recorded = {"artifactRepositoryRef": {"artifactRepository": {"local": {"path": 3}}}}
    item = StoredArtifact(
        "n1", Artifact.model_validate({"name": "out", "local": {"key": "k"}}), ON_COMPLETION
    )
    collected = _wiring(tmp_path).collect_artifacts(
        _workflow(status=recorded), CollectArtifacts((item,))
    )
    assert collected.deleted == frozenset()
    assert len(collected.failed) == 1 and "artifactRepository" in collected.failed[0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("{{workflow.parameters.dir}}", "/data/in"),
        ("/base/{{workflow.name}}{{workflow.parameters.dir}}", "/base/wf/data/in"),
        ("/plain", "/plain"),
        ("{{inputs.parameters.x}}", "{{inputs.parameters.x}}"),  # not a workflow variable
    ],
    ids=["parameter", "name-and-parameter", "no-tag", "other-variables-kept"],
)
def test_workflow_variables_in_volumes(path: str, expected: str) -> None:
    wf = _workflow(
        {
            "arguments": {"parameters": [{"name": "dir", "value": "/data/in"}]},
            "volumes": [{"name": "v", "hostPath": {"path": path}}],
        }
    )
    out = VolumeSubstitution().apply(wf)
    assert out.spec.to_dict()["volumes"] == [{"name": "v", "hostPath": {"path": expected}}]
    if "{{" not in path:
        assert out is wf


def test_a_malformed_repositories_file_errors_new_workflows(tmp_path: Path) -> None:
    (tmp_path / "artifact-repositories.yaml").write_text(
        "kind: ConfigMap\nmetadata: {name: artifact-repositories}\ndata:\n  x: 'local: 3'\n"
    )
    wiring = load_wiring(StatePaths(tmp_path))
    operate = Recorder()
    decision = wiring.wrap(operate)(_workflow(), None, NOW, None)
    assert decision.status.phase == "Error"
    assert "artifact repositories:" in (decision.status.message or "")
    assert "artifact-repositories.yaml[0].data.x.local" in (decision.status.message or "")
    assert operate.seen == []


def test_deletion_gc_of_an_unreadable_workflow_reports_instead_of_failing(tmp_path: Path) -> None:
    obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf", "namespace": "default"},
        "spec": {"entrypoint": "main", "artifactGC": {"strategy": "OnWorkflowDeletion"}},
        "status": {"nodes": {"n": {"name": "written by hand"}}},  # no id, no type
    }
    [failure] = _wiring(tmp_path).collect_before_deletion(obj)
    assert failure.startswith("artifact GC skipped, the workflow cannot be read: ")
