"""The controller's half of `wf retry` on a cluster: a workflow carrying the retry
request annotation (written by the CLI in one write, `operations.request_retry`) is
reset here, inside its reconcile and before anything is decided, so no write of a
racing controller can lose the retry.

The order makes a crash harmless: the pods of the nodes that run again are deleted
and their TaskResults too (both idempotent), then the reset status is written, then
the annotation is removed. A controller stopped before the status write finds the
request again and plans the same reset; one stopped after it finds the request on a
Running workflow, which `plan_retry` declines: the request is dropped, nothing runs
twice.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from workflow_engine.controller.cache import Cached
from workflow_engine.controller.indexes import WorkflowKey
from workflow_engine.engine.retry_request import plan_retry
from workflow_engine.errors import NotFound
from workflow_engine.vocabulary import (
    RETRY_REQUEST,
    TASK_RESULT_KIND,
    WORKFLOW_LABEL,
    phase_labels,
)

if TYPE_CHECKING:
    from workflow_engine.controller.reconcile import Reconciler

log = logging.getLogger(__name__)


def apply_retry_request(reconciler: Reconciler, key: WorkflowKey, entry: Cached) -> Cached:
    """Carry out the request on `entry` (or drop it); returns the workflow as written."""
    meta = entry.obj["metadata"]
    annotations = dict(meta.get("annotations") or {})
    text = str(annotations.pop(RETRY_REQUEST))
    plan = plan_retry(entry.model, text, reconciler.clock.now())
    if plan.status is None:
        log.info("%s/%s: retry request dropped: %s", *key, plan.ignored)
    else:
        log.info("%s/%s: retried (%d pods to run again)", *key, len(plan.pods))
        _forget_pods(reconciler, key, plan.pods)
        _delete_results(reconciler, key, plan.stale_results)
        labels = {**(meta.get("labels") or {}), **dict(phase_labels(plan.status.phase))}
        obj = reconciler.store.update_status(
            {
                "apiVersion": entry.obj["apiVersion"],
                "kind": entry.obj["kind"],
                "metadata": {**meta, "labels": labels},
                "status": reconciler.engine.status_to_dict(plan.status),
            }
        )
        model = entry.model.model_copy(update={"status": plan.status})
        entry = Cached(obj=obj, model=model, generation=entry.generation)
        reconciler.cache.put(key, entry)
    meta = entry.obj["metadata"]
    kept = {k: v for k, v in (meta.get("annotations") or {}).items() if k != RETRY_REQUEST}
    obj = reconciler.store.update({**entry.obj, "metadata": {**meta, "annotations": kept}})
    written = Cached(obj=obj, model=entry.model, generation=entry.generation)
    reconciler.cache.put(key, written)
    return written


def _forget_pods(reconciler: Reconciler, key: WorkflowKey, pods: tuple[str, ...]) -> None:
    """Delete the pods of the nodes that run again (their names come back: the index
    waits for each deletion before the pod is made anew)."""
    for name in pods:
        node_id = reconciler.pods.node_id(key[0], name)
        reconciler.runtime.delete_pod(name, key[0], 0)
        reconciler.pods.remove(key, name)
        if node_id is not None:
            reconciler.missing_results.discard(key, node_id)


def _delete_results(reconciler: Reconciler, key: WorkflowKey, node_ids: tuple[str, ...]) -> None:
    """The erased nodes' TaskResults: from the store, and from the index at once (its
    watch may report the deletions after the next decision)."""
    namespace, name = key
    for node_id in node_ids:
        with contextlib.suppress(NotFound):
            reconciler.store.delete(TASK_RESULT_KIND, node_id, namespace)
        labels = {WORKFLOW_LABEL: name}
        gone = {"metadata": {"namespace": namespace, "name": node_id, "labels": labels}}
        reconciler.results.apply("DELETED", gone)
        reconciler.missing_results.discard(key, node_id)
