"""The artifact layer wired into the embedded controller and `wf`, end to end: a named
repository from `<state>/artifact-repositories.yaml` chosen by `artifactRepositoryRef`
(a second local directory), `status.artifactRepositoryRef`, `wf cp` from it, and
workflow parameters in `spec.volumes` (artifact GC: test_gc_strategies.py).
Real: SqliteStore, ProcessRuntime, executor, engine, the controller (a thread here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.controller.conftest import DATA, Embedded
from workflow_engine.artifacts import REPOSITORIES_FILE
from workflow_engine.controller.embedded import EmbeddedOptions, StatePaths, run

pytestmark = pytest.mark.integration
WIRING = DATA / "wiring"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Embedded]:
    """A controller over a state dir whose repositories file names `second`."""
    home = tmp_path / "state"
    home.mkdir()
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "artifact-repositories", "namespace": "default"},
        "data": {"second": yaml.safe_dump({"local": {"path": str(tmp_path / "second")}})},
    }
    (home / REPOSITORIES_FILE).write_text(yaml.safe_dump(config))
    stop = threading.Event()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            run(StatePaths(home), EmbeddedOptions(), stop)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield Embedded(home, {"WF_HOME": str(home), "HOME": str(home), "WF_NO_CONTROLLER": "1"})
    stop.set()
    thread.join(30)
    assert not errors, errors


def _submit(stack: Embedded, tmp_path: Path, *args: str, **spec: Any) -> dict[str, Any]:
    doc = yaml.safe_load((WIRING / "one-output.yaml").read_text())
    doc["spec"].update(spec)
    path = tmp_path / "wf.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = stack.wf("submit", str(path), "--wait", "-o", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _stored(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _key(obj: dict[str, Any]) -> str:
    [node] = [n for n in obj["status"]["nodes"].values() if n["type"] == "Pod"]
    [art] = node["outputs"]["artifacts"]
    return str(art["local"]["key"])


def test_a_named_repository_end_to_end(stack: Embedded, tmp_path: Path) -> None:
    obj = _submit(stack, tmp_path, artifactRepositoryRef={"key": "second"})
    ref = obj["status"]["artifactRepositoryRef"]
    assert (ref["configMap"], ref["key"], ref["namespace"]) == (
        "artifact-repositories",
        "second",
        "default",
    )
    assert ref["artifactRepository"]["local"]["path"] == str(tmp_path / "second")
    key = _key(obj)
    assert _stored(tmp_path / "second") == [key]
    assert not (stack.paths.artifacts / key).exists()
    # wf cp finds it where the workflow put it; wf get lists it.
    name = obj["metadata"]["name"]
    copied = stack.wf("cp", name, str(tmp_path / "dl"))
    assert copied.exit_code == 0, copied.output
    node_id = next(i for i, n in obj["status"]["nodes"].items() if n["type"] == "Pod")
    out = tmp_path / "dl" / "default" / name / node_id / "outputs" / "out"
    assert out.read_text() == "hello\n"
    assert f"{node_id}/out -> {out}" in copied.output
    assert f"out  local: {key}" in stack.wf("get", name).output


def test_without_a_ref_the_built_in_repository_is_recorded(stack: Embedded, tmp_path: Path) -> None:
    obj = _submit(stack, tmp_path)
    assert obj["status"]["artifactRepositoryRef"]["default"] is True
    assert (stack.paths.artifacts / _key(obj)).is_file()


def test_an_unknown_key_errors_the_workflow(stack: Embedded, tmp_path: Path) -> None:
    doc = yaml.safe_load((WIRING / "one-output.yaml").read_text())
    doc["spec"]["artifactRepositoryRef"] = {"key": "nope"}
    path = tmp_path / "wf.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = stack.wf("submit", str(path), "--wait")
    assert result.exit_code == 1
    assert "has no key 'nope' (keys: second)" in result.output


def test_workflow_parameters_in_volumes(stack: Embedded, tmp_path: Path) -> None:
    target = tmp_path / "shared-dir"
    result = stack.wf(
        "submit", str(WIRING / "volume-parameter.yaml"), "-p", f"dir={target}", "--wait"
    )
    assert result.exit_code == 0, result.output
    assert (target / "file.txt").read_text() == "written\n"
    assert not Path("{{workflow.parameters.dir}}").exists()


def test_a_missing_command_says_what_is_missing(stack: Embedded) -> None:
    result = stack.wf("submit", str(WIRING / "missing-command.yaml"), "--wait", "-o", "json")
    assert result.exit_code == 1
    obj = json.loads(result.output)
    [node] = [n for n in obj["status"]["nodes"].values() if n["type"] == "Pod"]
    assert node["phase"] == "Error"
    assert 'exec: "nosuchcmd-wf-test": executable file not found in $PATH' in node["message"]
