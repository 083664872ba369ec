"""Kubernetes Events as the controller's EventLog: written off the reconcile path,
read back in order, deleted with the workflow.

Real: the control plane's API server (`cluster` fixture, a fresh `namespace`).
"""

from __future__ import annotations

import json

import pytest

from tests.cluster.cluster import ControlPlane
from tests.support.polling import poll
from workflow_engine.controller.events import Event
from workflow_engine.controller.kube_events import KubernetesEventLog
from workflow_engine.runtime.kubernetes import load_api_client

pytestmark = pytest.mark.cluster


def test_events_are_posted_listed_and_forgotten(cluster: ControlPlane, namespace: str) -> None:
    log = KubernetesEventLog(load_api_client(str(cluster.kubeconfig)))
    try:
        written = [
            Event("2026-01-01T00:00:01Z", "Normal", "WorkflowRunning", "Workflow Running"),
            Event("2026-01-01T00:00:02Z", "Warning", "WorkflowNodeFailed", "Failed node a"),
        ]
        log.record(namespace, "wf-1", written)
        log.record(namespace, "wf-2", [written[0]])
        log.flush()
        assert log.list(namespace, "wf-1") == written
        out = cluster.kubectl("get", "events", "-n", namespace, "-o", "json").stdout
        objects = {(e["involvedObject"]["name"], e["reason"]) for e in json.loads(out)["items"]}
        assert objects == {
            ("wf-1", "WorkflowRunning"),
            ("wf-1", "WorkflowNodeFailed"),
            ("wf-2", "WorkflowRunning"),
        }
        log.forget(namespace, "wf-1")
        poll(lambda: log.list(namespace, "wf-1") == [], what="the events to go", interval=0.2)
        assert [e.reason for e in log.list(namespace, "wf-2")] == ["WorkflowRunning"]
    finally:
        log.close()


def test_a_failed_write_is_dropped_not_raised(cluster: ControlPlane) -> None:
    log = KubernetesEventLog(load_api_client(str(cluster.kubeconfig)))
    try:
        event = Event("2026-01-01T00:00:01Z", "Normal", "WorkflowRunning", "x")
        log.record("no-such-namespace-here", "wf", [event])
        log.flush()  # returns: the 404 was logged and the event dropped
        assert log.list("no-such-namespace-here", "wf") == []
    finally:
        log.close()
