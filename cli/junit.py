"""`wf get NAME -o junit`: a workflow as a JUnit XML report, for CI systems that show
test results (GitHub Actions, GitLab CI, Jenkins).

One `<testsuite>` per workflow, one `<testcase>` per leaf node (a pod, a suspend or a
skipped step; DAGs, steps, groups and retries are not cases; in a DAG a pod node lists
its dependents as `children`, so leaves are told by type): a Failed node
carries `<failure>`, an Error node `<error>`, a Skipped/Omitted or unfinished one
`<skipped>`; each case's `<system-out>` is its pod's main log. Formatting only: the
caller gathers the logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from workflow_engine.spec.times import parse_time

_LEAF_TYPES = frozenset({"Pod", "Container", "Suspend", "Skipped", "HTTP", "Plugin"})
_SKIPPED = frozenset({"Skipped", "Omitted"})
# XML 1.0 forbids most control characters; a log may hold any byte.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Logs = Callable[[dict[str, Any]], str]


def leaf_nodes(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The nodes that run something (or were skipped), in start order."""
    nodes = ((obj.get("status") or {}).get("nodes") or {}).values()
    leaves = [n for n in nodes if n.get("type") in _LEAF_TYPES]
    return sorted(leaves, key=lambda n: (n.get("startedAt") or "", n.get("name") or ""))


def _clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def _seconds(start: str | None, end: str | None) -> float:
    began, ended = parse_time(start) if start else None, parse_time(end) if end else None
    return round((ended - began).total_seconds(), 3) if began and ended else 0.0


def _case(suite: ET.Element, workflow: str, node: dict[str, Any], logs: str) -> str:
    """Add one testcase; returns its outcome (passed, failure, error, skipped)."""
    case = ET.SubElement(
        suite,
        "testcase",
        name=_clean(node.get("displayName") or node.get("name") or ""),
        classname=workflow,
        time=f"{_seconds(node.get('startedAt'), node.get('finishedAt')):g}",
    )
    phase = node.get("phase") or "Pending"
    message = _clean(node.get("message") or phase)
    outcome = "passed"
    if phase == "Failed":
        outcome = "failure"
        ET.SubElement(case, "failure", message=message, type=phase).text = _clean(logs)
    elif phase == "Error":
        outcome = "error"
        ET.SubElement(case, "error", message=message, type=phase).text = _clean(logs)
    elif phase in _SKIPPED or phase != "Succeeded":
        outcome = "skipped"
        reason = message if phase in _SKIPPED else f"not finished: {phase}"
        ET.SubElement(case, "skipped", message=reason)
    if logs:
        ET.SubElement(case, "system-out").text = _clean(logs)
    return outcome


def junit_xml(obj: dict[str, Any], logs: Logs) -> str:
    """The JUnit XML of workflow `obj` (nodes expanded); `logs(node)` gives a node's
    log text ("" when it has none)."""
    name = obj["metadata"]["name"]
    status = obj.get("status") or {}
    total = _seconds(status.get("startedAt"), status.get("finishedAt"))
    root = ET.Element("testsuites", name=name, time=f"{total:g}")
    suite = ET.SubElement(root, "testsuite", name=name, time=f"{total:g}")
    if status.get("startedAt"):
        suite.set("timestamp", _timestamp(status["startedAt"]))
    counts = {"passed": 0, "failure": 0, "error": 0, "skipped": 0}
    for node in leaf_nodes(obj):
        counts[_case(suite, name, node, logs(node))] += 1
    tests = sum(counts.values())
    for element in (root, suite):
        element.set("tests", str(tests))
        element.set("failures", str(counts["failure"]))
        element.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{xml}\n'


def _timestamp(text: str) -> str:
    moment: datetime = parse_time(text)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


__all__ = ["junit_xml", "leaf_nodes"]
