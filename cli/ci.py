"""What `wf` does for CI systems: plain progress lines instead of a live screen when
stdout is not a terminal, pod logs streamed while a workflow runs (`--log`), and the
JUnit report of `wf get -o junit` with each leaf node's log.

Thin: it follows and reads through `workflow_engine.controller`'s functions and
prints through `cli.output`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import click

from cli.app import App
from cli.junit import junit_xml
from workflow_engine.controller import operations as ops
from workflow_engine.controller import workflow_logs
from workflow_engine.engine.naming import pod_name

# How long the end of a run waits for the log stream to drain its last lines.
LOG_DRAIN_SECONDS = 30.0


def _phases(obj: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    nodes = ((obj.get("status") or {}).get("nodes") or {}).items()
    return {
        node_id: (
            node.get("displayName") or node.get("name") or node_id,
            node.get("phase") or "Pending",
            node.get("message") or "",
        )
        for node_id, node in nodes
        if node.get("type") not in ("StepGroup", "TaskGroup")
    }


def progress_lines(
    before: dict[str, Any] | None, after: dict[str, Any], now: datetime
) -> list[str]:
    """One plain line per node whose phase changed between two copies of a workflow,
    then one for the workflow's own phase when it changed."""
    old = _phases(before) if before else {}
    stamp = now.strftime("%H:%M:%S")
    lines = []
    for node_id, (name, phase, message) in _phases(after).items():
        if old.get(node_id, ("", "", ""))[1] != phase:
            lines.append(f"{stamp} {name} {phase}" + (f": {message}" if message else ""))
    was = ((before or {}).get("status") or {}).get("phase")
    now_phase = (after.get("status") or {}).get("phase")
    if now_phase and now_phase != was:
        lines.append(f"{stamp} workflow {after['metadata']['name']} {now_phase}")
    return lines


def follow_plainly(app: App, name: str, namespace: str, timeout: float | None) -> dict[str, Any]:
    """Print progress lines until the workflow completes; returns its last copy."""
    last: dict[str, Any] | None = None
    for obj in ops.follow(app.store, name, namespace, timeout=timeout):
        for line in progress_lines(last, obj, app.now()):
            click.echo(line)
        last = obj
    assert last is not None
    return last


def stream_logs(app: App, name: str, namespace: str) -> threading.Thread | None:
    """Print every pod's log lines as they come, in a thread, until the workflow is
    completed and the logs are drained (None when logs are not available here)."""
    if app.log_source is None:
        return None
    source = app.log_source(app.store, name, namespace)

    def run() -> None:
        for line in workflow_logs(app.store, source, name, namespace, follow=True):
            click.echo(f"{line.prefix}: {line.text}")

    thread = threading.Thread(target=run, name="wf-log-stream", daemon=True)
    thread.start()
    return thread


def _node_log(app: App, obj: dict[str, Any], node: dict[str, Any]) -> str:
    if app.log_source is None or node.get("type") != "Pod":
        return ""
    wf_name, namespace = obj["metadata"]["name"], obj["metadata"].get("namespace") or "default"
    template = node.get("templateName") or (node.get("templateRef") or {}).get("template")
    pod = pod_name(wf_name, node["name"], template)
    source = app.log_source(app.store, wf_name, namespace)
    lines: Iterator[Any] = workflow_logs(app.store, source, wf_name, namespace, selector=pod)
    return "".join(f"{line.text}\n" for line in lines)


def junit_report(app: App, obj: dict[str, Any]) -> str:
    """The JUnit XML of a workflow (nodes expanded), with each leaf pod's log."""
    return junit_xml(obj, lambda node: _node_log(app, obj, node))


__all__ = ["LOG_DRAIN_SECONDS", "follow_plainly", "junit_report", "progress_lines", "stream_logs"]
