"""Controller defects found in review, each shown end to end: a pod that cannot be
created ends its workflow; a submit racing the idle exit is run; a re-created workflow
does not adopt the old one's pods."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.controller.conftest import Embedded, data, poll
from workflow_engine.controller.embedded import (
    EmbeddedOptions,
    StatePaths,
    _changed_since,
    _serve,
    open_store,
    run,
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


@contextlib.contextmanager
def _controller_thread(home: Path) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run, args=(StatePaths(home), EmbeddedOptions(), stop), daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def test_a_recreated_workflow_does_not_adopt_its_namesakes_pods(
    state: Embedded, tmp_path: Path
) -> None:
    quiet = Embedded(state.home, {**state.env, "WF_NO_CONTROLLER": "1"})
    spec = tmp_path / "again.yaml"
    text = Path(data("controller", "named-appender.yaml")).read_text()
    spec.write_text(text.replace("__DIR__", str(tmp_path)))
    lines = tmp_path / "lines"
    with _controller_thread(state.home):
        assert quiet.wf("submit", str(spec)).exit_code == 0
        poll(lambda: _phase(quiet, "again") == "Succeeded", what="the first run")
    first_uid = _get(quiet, "again")["metadata"]["uid"]
    # Deleted and submitted again while no controller runs: its pods are still there.
    assert quiet.wf("delete", "again").exit_code == 0
    assert quiet.wf("submit", str(spec)).exit_code == 0
    assert _get(quiet, "again")["metadata"]["uid"] != first_uid
    with _controller_thread(state.home):
        poll(
            lambda: _phase(quiet, "again") in ("Succeeded", "Failed", "Error"),
            what="the second run",
        )
    assert _phase(quiet, "again") == "Succeeded"
    assert lines.read_text().split() == ["one", "one"]
