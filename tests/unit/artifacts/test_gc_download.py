"""Artifact GC by strategy (the engine's choice, `engine.artifact_gc`, carried out by
`delete_artifacts`) and `wf cp`'s download, over a workflow status whose outputs live
in a real local repository (tmp directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workflow_engine.artifacts import (
    ArtifactRepository,
    Drivers,
    LocalDriver,
    NoSecrets,
    default_drivers,
    delete_artifacts,
    download_outputs,
    pack,
    pack_zip,
    repository_of,
)
from workflow_engine.artifacts.download import render_path
from workflow_engine.engine.artifact_gc import (
    Collected,
    GCEvent,
    completion_gc,
    due_artifacts,
    stored_outputs,
)
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.spec.models import NodeStatus, WorkflowSpec, WorkflowStatus
from workflow_engine.spec.status_codec import nodes_of, status_from_dict


def _workflow(wf_gc: str | None, per_artifact: dict[str, str]) -> dict[str, Any]:
    def art(name: str, key: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name, "local": {"key": key}}
        if name in per_artifact:
            out["artifactGC"] = {"strategy": per_artifact[name]}
        return out

    spec: dict[str, Any] = {"entrypoint": "main"}
    if wf_gc is not None:
        spec["artifactGC"] = {"strategy": wf_gc}
    return {
        "metadata": {"name": "wf", "namespace": "ns"},
        "spec": spec,
        "status": {
            "nodes": {
                "wf-1": {
                    "id": "wf-1",
                    "type": "Pod",
                    "name": "wf.a",
                    "displayName": "a",
                    "templateName": "gen",
                    "outputs": {
                        "artifacts": [art("x", "wf/wf-1/x.tgz"), art("logs", "wf/wf-1/main.log")]
                    },
                },
                "wf-2": {
                    "id": "wf-2",
                    "type": "Pod",
                    "name": "wf.b",
                    "displayName": "b",
                    "templateName": "use",
                    "inputs": {"artifacts": [{"name": "i", "raw": {"data": "r"}}]},
                    "outputs": {"artifacts": [art("y", "wf/wf-2/y")]},
                },
            },
            "outputs": {"artifacts": [art("x", "wf/wf-1/x.tgz")]},  # a global copy
        },
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (tmp_path / "x").write_text("x-content")
    (root / "wf" / "wf-1").mkdir(parents=True)
    pack(tmp_path / "x", root / "wf" / "wf-1" / "x.tgz")
    (root / "wf" / "wf-1" / "main.log").write_text("log line\n")
    (root / "wf" / "wf-2" / "y" / "d").mkdir(parents=True)
    (root / "wf" / "wf-2" / "y" / "d" / "f").write_text("y-content")
    return root


def _drivers(repo: Path) -> Drivers:
    return {"local": LocalDriver(repo)}


def _models(wf: dict[str, Any]) -> tuple[WorkflowSpec, WorkflowStatus, dict[str, NodeStatus]]:
    status = status_from_dict(wf["status"])
    return WorkflowSpec.model_validate(wf["spec"]), status, nodes_of(status)


def _collect(wf: dict[str, Any], drivers: Drivers, event: GCEvent) -> Collected:
    spec, _status, nodes = _models(wf)
    items = due_artifacts(spec, nodes, event)
    report = delete_artifacts(((i.node_id, i.artifact) for i in items), drivers)
    return Collected(
        deleted=frozenset((n, a.name) for n, a in report.deleted),
        failed=tuple(reason for _item, reason in report.failed),
    )


def _left(repo: Path) -> set[str]:
    return {p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file()}


ALL = {"wf/wf-1/x.tgz", "wf/wf-1/main.log", "wf/wf-2/y/d/f"}


@pytest.mark.parametrize(
    ("wf_gc", "per_artifact", "event", "gone"),
    [
        (None, {}, "completion", set()),
        ("Never", {}, "deletion", set()),
        ("OnWorkflowCompletion", {}, "completion", ALL),
        ("OnWorkflowDeletion", {}, "completion", set()),
        ("OnWorkflowDeletion", {}, "deletion", ALL),
        (None, {"x": "OnWorkflowCompletion"}, "completion", {"wf/wf-1/x.tgz"}),
        ("OnWorkflowCompletion", {"y": "Never"}, "completion", ALL - {"wf/wf-2/y/d/f"}),
        (
            "OnWorkflowDeletion",
            {"logs": "OnWorkflowCompletion"},
            "completion",
            {"wf/wf-1/main.log"},
        ),
    ],
    ids=[
        "unset",
        "never",
        "completion",
        "deletion-strategy-at-completion",
        "deletion",
        "artifact-opts-in",
        "artifact-opts-out",
        "artifact-earlier",
    ],
)
def test_gc_by_strategy(
    repo: Path,
    wf_gc: str | None,
    per_artifact: dict[str, str],
    event: str,
    gone: set[str],
) -> None:
    wf = _workflow(wf_gc, per_artifact)
    collected = _collect(wf, _drivers(repo), event)  # type: ignore[arg-type]
    assert collected.failed == ()
    assert _left(repo) == ALL - gone
    spec, status, nodes = _models(wf)
    marked, again, failed = completion_gc(spec, status, nodes, collected)
    assert again is None and failed == ()
    flags = {
        (node_id, a.name): bool(a.deleted)
        for node_id, node in (marked.nodes or {}).items()
        for a in (node.outputs.artifacts if node.outputs else None) or ()
    }
    wants = wf_gc in ("OnWorkflowCompletion", "OnWorkflowDeletion") or bool(
        set(per_artifact.values()) - {"Never"}
    )
    assert sum(flags.values()) == (len(gone) if wants else 0)
    gc = marked.artifact_gc_status
    assert (gc is not None and gc.processed("OnWorkflowCompletion")) is wants
    # Marked artifacts are not collected twice.
    assert _collect({**wf, "status": marked.to_dict()}, _drivers(repo), event).deleted == set()  # type: ignore[arg-type]


def test_gc_each_location_once_and_failures_reported(repo: Path) -> None:
    wf = _workflow("OnWorkflowCompletion", {})
    spec, _status, nodes = _models(wf)
    assert len(list(stored_outputs(spec, nodes))) == 3  # the global copy of x is the same object

    class Refusing:
        def load(self, artifact: object, dest: Path) -> None: ...
        def save(self, src: Path, artifact: Any) -> Any: ...
        def delete(self, artifact: object) -> None:
            raise PermanentError("access denied")

    collected = _collect(wf, {"local": Refusing()}, "completion")  # type: ignore[dict-item]
    assert collected.deleted == set() and len(collected.failed) == 3
    assert "access denied" in collected.failed[0]


def test_download_all_outputs_unpacked(repo: Path, tmp_path: Path) -> None:
    done = download_outputs(_workflow(None, {}), _drivers(repo), tmp_path / "dest")
    base = tmp_path / "dest" / "ns" / "wf"
    assert [(d.node_id, d.artifact) for d in done] == [
        ("wf-1", "x"),
        ("wf-1", "logs"),
        ("wf-2", "y"),
    ]
    assert (base / "wf-1" / "outputs" / "x").read_text() == "x-content"
    assert (base / "wf-1" / "outputs" / "logs").read_text() == "log line\n"
    assert (base / "wf-2" / "outputs" / "y" / "d" / "f").read_text() == "y-content"


def test_download_one_node_with_a_path_format(repo: Path, tmp_path: Path) -> None:
    done = download_outputs(
        _workflow(None, {}),
        _drivers(repo),
        tmp_path / "d",
        node="a",
        artifact_name="x",
        path_format="{templateName}/{artifactName}.txt",
    )
    assert [d.path for d in done] == [tmp_path / "d" / "gen" / "x.txt"]
    assert (tmp_path / "d" / "gen" / "x.txt").read_text() == "x-content"


def test_download_zip(tmp_path: Path) -> None:
    (tmp_path / "z" / "in").mkdir(parents=True)
    (tmp_path / "z" / "in" / "f").write_text("zipped")
    (tmp_path / "repo").mkdir()
    pack_zip(tmp_path / "z", tmp_path / "repo" / "z.zip")
    wf = _workflow(None, {})
    wf["status"]["nodes"]["wf-1"]["outputs"]["artifacts"] = [
        {"name": "z", "local": {"key": "z.zip"}, "archive": {"zip": {}}}
    ]
    download_outputs(wf, _drivers(tmp_path / "repo"), tmp_path / "d", node="wf-1")
    assert (
        tmp_path / "d" / "ns" / "wf" / "wf-1" / "outputs" / "z" / "in" / "f"
    ).read_text() == "zipped"


@pytest.mark.parametrize(
    ("node", "path_format", "error", "text"),
    [
        ("nope", "{artifactName}", NotFound, "has no node 'nope'"),
        (None, "{bogus}/{artifactName}", PermanentError, "unknown variable {bogus}"),
        (None, "../{artifactName}", PermanentError, "not relative"),
        (None, "/abs/{artifactName}", PermanentError, "not relative"),
    ],
    ids=["unknown-node", "unknown-variable", "dot-dot", "absolute"],
)
def test_download_errors(
    repo: Path,
    tmp_path: Path,
    node: str | None,
    path_format: str,
    error: type[Exception],
    text: str,
) -> None:
    with pytest.raises(error, match=text):
        download_outputs(
            _workflow(None, {}), _drivers(repo), tmp_path, node=node, path_format=path_format
        )


def test_render_path() -> None:
    assert render_path("{a}/{b}", {"a": "x", "b": "y"}).as_posix() == "x/y"


def test_gc_uses_the_recorded_repository(repo: Path) -> None:
    wf = _workflow("OnWorkflowCompletion", {})
    recorded = {"artifactRepository": {"local": {"path": str(repo)}}}
    wf["status"]["artifactRepositoryRef"] = recorded
    fallback = ArtifactRepository.model_validate({"local": {"path": "/nowhere"}})
    repository = repository_of(wf, fallback)
    assert repository.local is not None and repository.local.path == str(repo)
    collected = _collect(wf, default_drivers(repository, NoSecrets()), "completion")
    assert collected.failed == () and _left(repo) == set()
    assert repository_of({"status": {}}, fallback) == fallback
