"""Kubernetes Events for workflow and node transitions (the EventLog of Kubernetes mode).

Sits beside controller/events.py: where the embedded mode appends events to a file,
this log writes core/v1 Event objects whose involvedObject is the Workflow, as Argo's
controller does (`kubectl get events`, `kubectl describe wf` show them). Writes leave
the reconcile at once: `record` queues them and one thread posts them, so a slow or
failing API server never delays a workflow (a failed write is logged and dropped;
events are informational). `list` reads them back, oldest first; `forget` deletes them,
queued the same way (after the events recorded before it): a new workflow's first
reconcile calls it, and waiting for it there delayed that workflow's first pod.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from kubernetes import client

from workflow_engine.controller.events import Event
from workflow_engine.errors import NotFound, WorkflowEngineError
from workflow_engine.runtime.kubernetes.client import call

log = logging.getLogger(__name__)
COMPONENT = "workflow-controller"
_STOP = None


def event_object(
    namespace: str, workflow: str, event: Event, api_version: str, instance: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{workflow}.", "namespace": namespace},
        "involvedObject": {
            "apiVersion": api_version,
            "kind": "Workflow",
            "name": workflow,
            "namespace": namespace,
        },
        "reason": event.reason,
        "message": event.message,
        "type": event.type,
        "firstTimestamp": event.time,
        "lastTimestamp": event.time,
        "count": 1,
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": instance,
    }


class KubernetesEventLog:
    def __init__(
        self,
        api_client: client.ApiClient,
        api_version: str = "argoproj.io/v1alpha1",
        instance: str = COMPONENT,
    ) -> None:
        self._core = client.CoreV1Api(api_client)
        self._api_version, self._instance = api_version, instance
        # (namespace, workflow, an event to post, or None: delete its events)
        self._queue: queue.Queue[tuple[str, str, Event | None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._post, name="wf-k8s-events", daemon=True)
        self._thread.start()

    def record(self, namespace: str, workflow: str, events: list[Event]) -> None:
        for event in events:
            self._queue.put((namespace, workflow, event))

    def list(self, namespace: str, workflow: str) -> list[Event]:
        found = call(self._core.list_namespaced_event, namespace, field_selector=_of(workflow))
        items = sorted(
            found.get("items") or [],
            key=lambda e: (str(e.get("firstTimestamp") or ""), e["metadata"].get("name", "")),
        )
        return [
            Event(
                time=str(e.get("lastTimestamp") or e.get("firstTimestamp") or ""),
                type=str(e.get("type") or "Normal"),
                reason=str(e.get("reason") or ""),
                message=str(e.get("message") or ""),
            )
            for e in items
        ]

    def forget(self, namespace: str, workflow: str) -> None:
        self._queue.put((namespace, workflow, None))

    def _delete(self, namespace: str, workflow: str) -> None:
        try:
            call(
                self._core.delete_collection_namespaced_event,
                namespace,
                field_selector=_of(workflow),
            )
        except (NotFound, WorkflowEngineError) as exc:
            log.info("events of %s/%s not deleted: %s", namespace, workflow, exc)

    def flush(self) -> None:
        """Wait until every queued event was posted (or dropped), every queued `forget` done."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(10)

    def _post(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                namespace, workflow, event = item
                if event is None:
                    self._delete(namespace, workflow)
                    continue
                body = event_object(namespace, workflow, event, self._api_version, self._instance)
                try:
                    call(self._core.create_namespaced_event, namespace, body)
                except WorkflowEngineError as exc:
                    log.warning(
                        "event %s of %s/%s dropped: %s", event.reason, namespace, workflow, exc
                    )
            finally:
                self._queue.task_done()


def _of(workflow: str) -> str:
    return f"involvedObject.kind=Workflow,involvedObject.name={workflow}"
