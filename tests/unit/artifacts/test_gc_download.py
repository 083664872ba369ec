"""Artifact GC by strategy and `wf cp`'s download, over a workflow status whose
outputs live in a real local repository (tmp directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workflow_engine.artifacts import (
    ArtifactRepository,
    Drivers,
    LocalDriver,
    NoSecrets,
    collect_garbage,
    collect_workflow,
    download_outputs,
    mark_collected,
    pack,
    pack_zip,
    repository_of,
)
from workflow_engine.artifacts.download import render_path
from workflow_engine.artifacts.gc import stored_outputs
from workflow_engine.errors import NotFound, PermanentError


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
                    "name": "wf.a",
                    "displayName": "a",
                    "templateName": "gen",
                    "outputs": {
                        "artifacts": [art("x", "wf/wf-1/x.tgz"), art("logs", "wf/wf-1/main.log")]
                    },
                },
                "wf-2": {
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
    report = collect_garbage(wf, _drivers(repo), event)  # type: ignore[arg-type]
    assert report.ok
    assert _left(repo) == ALL - gone
    marked = mark_collected(wf["status"], report, event)  # type: ignore[arg-type]
    flags = {
        (node_id, a["name"]): a.get("deleted", False)
        for node_id, node in marked["nodes"].items()
        for a in node["outputs"]["artifacts"]
    }
    assert sum(flags.values()) == len(gone)
    assert marked["artifactGCStatus"]["strategiesProcessed"]["OnWorkflowCompletion"] is True
    # Marked artifacts are not collected twice.
    again = collect_garbage({**wf, "status": marked}, _drivers(repo), event)  # type: ignore[arg-type]
    assert again.deleted == []


def test_gc_each_location_once_and_failures_reported(repo: Path) -> None:
    wf = _workflow("OnWorkflowCompletion", {})
    assert len(list(stored_outputs(wf))) == 3  # the global copy of x is the same object

    class Refusing:
        def load(self, artifact: object, dest: Path) -> None: ...
        def save(self, src: Path, artifact: Any) -> Any: ...
        def delete(self, artifact: object) -> None:
            raise PermanentError("access denied")

    report = collect_garbage(wf, {"local": Refusing()}, "completion")
    assert not report.ok and len(report.failed) == 3
    assert "access denied" in report.failed[0][1]


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


def test_collect_workflow_uses_the_recorded_repository(repo: Path) -> None:
    wf = _workflow("OnWorkflowCompletion", {})
    recorded = {"artifactRepository": {"local": {"path": str(repo)}}}
    wf["status"]["artifactRepositoryRef"] = recorded
    fallback = ArtifactRepository.model_validate({"local": {"path": "/nowhere"}})
    repository = repository_of(wf, fallback)
    assert repository.local is not None and repository.local.path == str(repo)
    report, status = collect_workflow(wf, repository, NoSecrets(), "completion")
    assert report.ok and _left(repo) == set()
    assert status["artifactRepositoryRef"] == recorded
    assert all(
        a.get("deleted") for n in status["nodes"].values() for a in n["outputs"]["artifacts"]
    )
    assert repository_of({"status": {}}, fallback) == fallback
