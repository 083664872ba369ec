"""The in-process handler, fed the main container the pod builder makes.

Real: build_pod, the handler, MemoryStore, the local driver. Fake: FakeSandbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from executor import make_container_handler
from executor.kubeenv import expand, literal_env, user_argv
from tests.unit.executor.conftest import FakeSandbox
from workflow_engine.artifacts import ArtifactRepository, default_drivers
from workflow_engine.errors import PermanentError
from workflow_engine.podbuilder import PodConfig, build_pod
from workflow_engine.spec.models import Template, Workflow
from workflow_engine.store import MemoryStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _main_container(template: dict[str, Any], repo_dir: Path) -> dict[str, Any]:
    wf = Workflow.model_validate(
        {"metadata": {"name": "wf", "uid": "u"}, "spec": {"templates": [template]}}
    )
    config = PodConfig(artifact_repository=f'{{"local": {{"path": "{repo_dir}"}}}}')
    pod = build_pod(
        wf,
        Template.model_validate(template),
        node_id="wf-1",
        node_name="wf",
        pod_name="wf-1",
        now=NOW,
        deadline=None,
        config=config,
    )
    return pod["spec"]["containers"][0]


def test_handler_runs_a_script_pod_and_reports(sandbox: FakeSandbox, tmp_path: Path) -> None:
    template = {
        "name": "s",
        "script": {
            "image": "alpine",
            "command": ["sh"],
            "env": [{"name": "WHO", "value": "world"}],
            "source": 'echo "hello $WHO $$" | cut -d" " -f1,2 | tee $ROOT/tmp/o\n',
        },
        "outputs": {
            "parameters": [{"name": "p", "valueFrom": {"path": "/tmp/o"}}],
            "artifacts": [{"name": "a", "path": "/tmp/o"}],
        },
    }
    store = MemoryStore()
    built: list[ArtifactRepository | None] = []

    def drivers(repo: ArtifactRepository | None, secrets: Any) -> Any:
        built.append(repo)
        return default_drivers(repo, secrets)

    handler = make_container_handler(store, drivers)
    spec = _main_container(template, tmp_path / "repo")
    sandbox.container_env = literal_env(spec)
    assert handler(spec, sandbox) == 0
    assert handler(spec, sandbox) == 0
    result = store.get("WorkflowTaskResult", "wf-1")
    assert result["outputs"]["result"] == "hello world"
    assert result["outputs"]["parameters"] == [{"name": "p", "value": "hello world"}]
    assert result["outputs"]["artifacts"][0]["local"] == {"key": "wf/wf-1/a.tgz"}
    # `$$` in the source came through Kubernetes-style env escaping intact.
    assert "$$" in sandbox.host_path("/wf/staging/script").read_text()
    assert len(built) == 1  # drivers are built once per repository, not per pod


def test_handler_with_a_broken_spec_fails_the_container(sandbox: FakeSandbox) -> None:
    spec = {"name": "main", "command": ["wf-exec", "run", "--", "true"], "env": []}
    assert make_container_handler(MemoryStore())(spec, sandbox) == 1
    assert any("lacks WF_TEMPLATE" in line for line in sandbox.lines)
    assert sandbox.runs == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("$(A)-$(B)", "1-$(B)"), ("$$(A)", "$(A)"), ("$$$$", "$$"), ("plain", "plain")],
)
def test_expand(text: str, expected: str) -> None:
    assert expand(text, {"A": "1"}) == expected


def test_literal_env_expands_in_order_and_skips_value_from() -> None:
    spec = {
        "env": [
            {"name": "A", "value": "x"},
            {"name": "B", "value": "$(A)y"},
            {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ]
    }
    assert literal_env(spec) == {"A": "x", "B": "xy"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"command": ["wf-exec", "run", "--", "echo", "$(A)"]}, ["echo", "1"]),
        ({"command": ["wf-exec", "run", "--"], "args": ["sh", "-c", "x"]}, ["sh", "-c", "x"]),
    ],
)
def test_user_argv(spec: dict[str, Any], expected: list[str]) -> None:
    assert user_argv(spec, {"A": "1"}) == expected


@pytest.mark.parametrize(
    "command", [["wf-exec", "run", "--"], ["wf-exec", "echo", "hi"], ["echo", "hi"]]
)
def test_user_argv_rejects_other_shapes(command: list[str]) -> None:
    with pytest.raises(PermanentError, match="wf-exec run --"):
        user_argv({"command": command}, {})
