"""The executor's report: one WorkflowTaskResult object written through the store port.

Last step of the executor's work. The object's name is the node id, so a pod that
runs again (after a crash) overwrites its own report instead of adding another.
"""

from __future__ import annotations

from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from workflow_engine.errors import AlreadyExists, Conflict, TransientError
from workflow_engine.ports import Obj, ObjectStore
from workflow_engine.vocabulary import API_VERSION, WORKFLOW_LABEL
from workflow_engine.vocabulary import REPORT_COMPLETED_LABEL as COMPLETED_LABEL
from workflow_engine.vocabulary import TASK_RESULT_KIND as KIND


def task_result(
    *,
    node_id: str,
    namespace: str,
    workflow_name: str,
    outputs: dict[str, Any],
    message: str = "",
    error: bool = False,
) -> Obj:
    obj: Obj = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": node_id,
            "namespace": namespace,
            "labels": {WORKFLOW_LABEL: workflow_name, COMPLETED_LABEL: "true"},
        },
        "outputs": outputs,
    }
    if message:
        obj["message"] = message
    if error:
        obj["phase"] = "Error"
    return obj


def write_task_result(store: ObjectStore, obj: Obj) -> None:
    """Create, or replace the existing one; store hiccups are retried briefly."""
    try:
        _upsert(store, obj)
        return
    except (TransientError, Conflict):
        pass  # tenacity's set-up costs more than a write: only pay it when needed
    for attempt in Retrying(
        stop=stop_after_attempt(5),
        wait=wait_exponential(multiplier=0.05, max=1.0),
        retry=retry_if_exception_type((TransientError, Conflict)),
        reraise=True,
    ):
        with attempt:
            _upsert(store, obj)


def _upsert(store: ObjectStore, obj: Obj) -> None:
    try:
        store.create(obj)
    except AlreadyExists:
        meta = obj["metadata"]
        current = store.get(KIND, meta["name"], meta["namespace"])
        replacement = {
            **obj,
            "metadata": {**meta, "resourceVersion": current["metadata"]["resourceVersion"]},
        }
        store.update(replacement)
