"""What the CLI does to workflows, as library functions over a Store.

Sits between `cli/` and the store (the controller process does the running): list,
get, wait, follow, retry, resubmit, stop, terminate, suspend, resume, delete. Every
change is a read-modify-write with the resourceVersion, redone on Conflict, so a
command never overwrites what the controller wrote in between.

Pods live in the controller's runtime, not in this process: deleting a workflow lets
the controller delete its pods when it sees the deletion; `retry` names the pods to
delete in an annotation that the controller honours before it decides anything.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from workflow_engine.controller.events import EventLog
from workflow_engine.controller.names import (
    creation_order,
    is_completed,
    matches_phases,
    newest,
    resolve,
)
from workflow_engine.controller.operrors import OperationError, WaitTimedOut
from workflow_engine.errors import Conflict, Expired, NotFound
from workflow_engine.spec.status_codec import decompress_nodes, status_from_dict, status_to_dict
from workflow_engine.spec.times import parse_time
from workflow_engine.store.base import Obj, Store, SummaryLister
from workflow_engine.vocabulary import (
    COMPLETED_LABEL,
    COMPLETED_PHASES,
    PHASE_LABEL,
    PODS_TO_DELETE,
    RETRY_REQUEST,
    TASK_RESULT_KIND,
    WORKFLOW_KIND,
    WORKFLOW_LABEL,
)

if TYPE_CHECKING:
    from workflow_engine.spec.models import Workflow

_ATTEMPTS = 10

__all__ = ["OperationError", "WaitTimedOut"]


def expand_nodes(obj: Obj) -> Obj:
    """`obj` with `status.compressedNodes` (large workflows) turned back into `nodes`."""
    status = obj.get("status") or {}
    if not status.get("compressedNodes"):
        return obj
    status = {k: v for k, v in status.items() if k != "compressedNodes"}
    status["nodes"] = decompress_nodes(obj["status"]["compressedNodes"])
    return {**obj, "status": status}


def workflow_model(obj: Obj) -> Workflow:
    from workflow_engine.spec.models import Workflow  # pydantic models: on use

    spec_only = {k: v for k, v in obj.items() if k != "status"}
    status = status_from_dict(obj.get("status") or {})
    return Workflow.model_validate(spec_only).model_copy(update={"status": status})


# -- reading ------------------------------------------------------------------------


def get_workflow(
    store: Store, name: str, namespace: str = "default", *, expand: bool = True
) -> Obj:
    """The workflow `name` (or `@latest`), with its nodes expanded (`expand=False`: as
    stored, `compressedNodes` left for a reader that decodes only what it shows)."""
    obj = resolve(store, WORKFLOW_KIND, name, namespace)
    return expand_nodes(obj) if expand else obj


def list_workflows(
    store: Store,
    namespace: str | None = "default",
    *,
    phases: Mapping[str, bool] | None = None,
    selector: Mapping[str, str | None] | None = None,
    since: timedelta | None = None,
    now: datetime | None = None,
    summaries: bool = False,
) -> list[Obj]:
    """Newest first. `phases`: the phases to keep ("Pending" covers not yet started).
    `summaries`: the items may be summaries (no spec, no node map) where the store keeps
    them: what a table needs, without decoding every workflow's status."""
    if summaries and isinstance(store, SummaryLister):
        items = store.list_summaries(WORKFLOW_KIND, namespace, selector).items
    else:
        items = store.list(WORKFLOW_KIND, namespace, selector).items
    if since is not None and now is not None:
        floor = now - since
        items = [w for w in items if _created(w) >= floor]
    items = [w for w in items if matches_phases(w, phases)]
    return sorted(items, key=creation_order, reverse=True)


def _created(obj: Obj) -> datetime:
    return parse_time(obj["metadata"]["creationTimestamp"])


def follow(
    store: Store,
    name: str,
    namespace: str = "default",
    poll: float = 1.0,
    *,
    expand: bool = True,
    timeout: float | None = None,
) -> Iterator[Obj]:
    """The workflow now and after every change, ending with its completed copy. With
    `expand=False` the copies keep `compressedNodes` as stored (cheap when only the
    phase is looked at: expanding a 1,000-node map costs milliseconds per change).
    `timeout` (seconds): raise WaitTimedOut when it is not completed by then."""
    unpack = expand_nodes if expand else _as_is
    deadline = None if timeout is None else time.monotonic() + timeout
    obj = get_workflow(store, name, namespace)
    name = obj["metadata"]["name"]
    yield obj
    version = obj["metadata"]["resourceVersion"]
    while not is_completed(obj) or retry_pending(obj):
        left = poll if deadline is None else min(poll, deadline - time.monotonic())
        if left <= 0:
            phase = (obj.get("status") or {}).get("phase") or "Pending"
            raise WaitTimedOut(f"workflow {name!r} is still {phase} after {timeout:g}s")
        try:
            for event in store.watch(WORKFLOW_KIND, namespace, version, timeout=left):
                version = event.object["metadata"]["resourceVersion"]
                if event.object["metadata"]["name"] != name:
                    if deadline is not None and time.monotonic() > deadline:
                        break  # other workflows' changes must not hold the deadline off
                    continue
                if event.type == "DELETED":
                    raise NotFound(f"workflow {name!r} was deleted")
                obj = unpack(event.object)
                yield obj
                if is_completed(obj) and not retry_pending(obj):
                    return
        except Expired:
            obj = unpack(store.get(WORKFLOW_KIND, name, namespace))
            version = obj["metadata"]["resourceVersion"]
            yield obj


def wait(store: Store, name: str, namespace: str = "default", timeout: float | None = None) -> Obj:
    """Block until the workflow is completed; returns its last copy. WaitTimedOut when
    `timeout` seconds pass first."""
    last: Obj = {}
    for last in follow(store, name, namespace, expand=False, timeout=timeout):  # noqa: B007
        pass
    return expand_nodes(last)


def _as_is(obj: Obj) -> Obj:
    return obj


# -- changing -----------------------------------------------------------------------


def _mutate(
    store: Store, name: str, namespace: str, change: Callable[[Obj], tuple[Obj, Obj | None]]
) -> Obj:
    """get -> change -> update (metadata/spec) then update_status, redone on Conflict.
    `change` returns the object to `update` and the status to write (or None)."""
    for _ in range(_ATTEMPTS):
        obj = get_workflow(store, name, namespace)
        updated, status = change(obj)
        try:
            if updated is not obj:
                obj = store.update(updated)
            if status is not None:
                obj = store.update_status({**obj, "status": status})
            return obj
        except Conflict:
            continue
    raise OperationError(f"workflow {name!r} kept changing; try again")


def _set_spec(store: Store, name: str, namespace: str, field: str, value: Any, verb: str) -> Obj:
    def change(obj: Obj) -> tuple[Obj, Obj | None]:
        if is_completed(obj):
            raise OperationError(
                f"cannot {verb} workflow {obj['metadata']['name']!r}: it is "
                f"already {obj['status']['phase']}"
            )
        spec = dict(obj["spec"])
        if value is None:
            spec.pop(field, None)
        else:
            spec[field] = value
        return {**obj, "spec": spec}, None

    return _mutate(store, name, namespace, change)


def stop(store: Store, name: str, namespace: str = "default") -> Obj:
    """Argo's stop: no new steps, running pods are stopped, exit handlers still run."""
    return _set_spec(store, name, namespace, "shutdown", "Stop", "stop")


def terminate(store: Store, name: str, namespace: str = "default") -> Obj:
    """Argo's terminate: stop immediately, exit handlers do not run."""
    return _set_spec(store, name, namespace, "shutdown", "Terminate", "terminate")


def suspend(store: Store, name: str, namespace: str = "default") -> Obj:
    return _set_spec(store, name, namespace, "suspend", True, "suspend")


def resume(
    store: Store,
    name: str,
    namespace: str = "default",
    *,
    now: datetime,
    node_name_selector: str | None = None,
) -> Obj:
    """Clear spec.suspend and resume suspend nodes (all, or those the selector names)."""

    def change(obj: Obj) -> tuple[Obj, Obj | None]:
        if is_completed(obj):
            raise OperationError(
                f"cannot resume workflow {obj['metadata']['name']!r}: it is "
                f"already {obj['status']['phase']}"
            )
        spec = {k: v for k, v in obj["spec"].items() if k != "suspend"}
        updated = {**obj, "spec": spec} if spec != obj["spec"] else obj
        from workflow_engine.engine import resume_workflow  # the engine: on use

        status = resume_workflow(workflow_model(obj), now, node_name_selector)
        new_status = status_to_dict(status)
        return updated, (new_status if new_status != (obj.get("status") or {}) else None)

    return _mutate(store, name, namespace, change)


def retry(
    store: Store,
    name: str,
    namespace: str = "default",
    *,
    now: datetime,
    node_field_selector: str | None = None,
    restart_successful: bool = False,
) -> Obj:
    """Argo's retry: failed nodes (or those selected) run again in the same workflow."""
    from workflow_engine.engine import retry_workflow  # the engine: on use

    def change(obj: Obj) -> tuple[Obj, Obj | None]:
        _check_retryable(obj, node_field_selector, restart_successful)
        status, pods = retry_workflow(
            workflow_model(obj),
            now,
            node_field_selector=node_field_selector,
            restart_successful=restart_successful,
        )
        meta = dict(obj["metadata"])
        annotations = dict(meta.get("annotations") or {})
        earlier = json.loads(annotations.get(PODS_TO_DELETE, "[]"))
        annotations[PODS_TO_DELETE] = json.dumps(sorted({*earlier, *pods}))
        meta["annotations"] = annotations
        meta["labels"] = {
            **(meta.get("labels") or {}),
            PHASE_LABEL: "Running",
            COMPLETED_LABEL: "false",
        }
        spec = {k: v for k, v in obj["spec"].items() if k != "shutdown"}
        _delete_results(store, obj, _retried_nodes(obj, status_to_dict(status)))
        return {**obj, "metadata": meta, "spec": spec}, status_to_dict(status)

    return _mutate(store, name, namespace, change)


def request_retry(
    store: Store,
    name: str,
    namespace: str = "default",
    *,
    now: datetime,
    node_field_selector: str | None = None,
    restart_successful: bool = False,
) -> Obj:
    """`retry` on a cluster, in one write: the request annotation (and `spec.shutdown`
    dropped); the controller makes the reset itself (controller/retry_requests.py), so
    a racing controller write cannot lose it. What the reset would do is checked here
    first, so a workflow that cannot be retried, or a bad selector, is refused now."""
    from workflow_engine.engine.ops import NotRetryable
    from workflow_engine.engine.retry_request import RetryRequest, plan_retry

    request = RetryRequest(node_field_selector, restart_successful)

    def change(obj: Obj) -> tuple[Obj, Obj | None]:
        _check_retryable(obj, node_field_selector, restart_successful)
        plan = plan_retry(workflow_model(obj), request.encode(), now)
        if plan.status is None:
            raise NotRetryable(str(plan.ignored))  # as `retry` raises it
        meta = dict(obj["metadata"])
        meta["annotations"] = {**(meta.get("annotations") or {}), RETRY_REQUEST: request.encode()}
        spec = {k: v for k, v in obj["spec"].items() if k != "shutdown"}
        return {**obj, "metadata": meta, "spec": spec}, None

    return _mutate(store, name, namespace, change)


def retry_pending(obj: Obj) -> bool:
    """A retry was requested and the controller has not made it yet: the workflow's
    completed phase is about to change."""
    return RETRY_REQUEST in (obj["metadata"].get("annotations") or {})


def _check_retryable(obj: Obj, node_field_selector: str | None, restart_successful: bool) -> None:
    phase = (obj.get("status") or {}).get("phase") or "Pending"
    if phase not in COMPLETED_PHASES - {"Succeeded"} and not (
        phase == "Succeeded" and (node_field_selector or restart_successful)
    ):
        raise OperationError(
            f"cannot retry workflow {obj['metadata']['name']!r}: it is {phase}; "
            "only failed workflows can be retried"
        )


def _retried_nodes(obj: Obj, new_status: Obj) -> set[str]:
    """Nodes whose outcome the retry erased: gone, or back to a non-final phase."""
    old = (expand_nodes(obj).get("status") or {}).get("nodes") or {}
    new = (expand_nodes({"status": new_status})["status"]).get("nodes") or {}
    return {
        node_id
        for node_id, node in old.items()
        if node_id not in new or new[node_id].get("phase") != node.get("phase")
    }


def _delete_results(store: Store, obj: Obj, node_ids: set[str]) -> None:
    namespace = obj["metadata"].get("namespace") or "default"
    for node_id in node_ids:
        with contextlib.suppress(NotFound):
            store.delete(TASK_RESULT_KIND, node_id, namespace)


def resubmit(store: Store, name: str, namespace: str = "default", *, now: datetime) -> Obj:
    from workflow_engine.controller.submit import resubmit_object

    return resubmit_object(store, get_workflow(store, name, namespace), now)


def delete(
    store: Store,
    names: list[str],
    namespace: str = "default",
    *,
    everything: bool = False,
    completed: bool = False,
    older: timedelta | None = None,
    now: datetime | None = None,
    before_delete: Callable[[Obj], None] | None = None,
    events: EventLog | None = None,
) -> list[str]:
    """Delete workflows (by name, all, the completed ones, or those older than
    `older`), their TaskResults and (given `events`) their events; returns the names
    deleted. `before_delete` sees each workflow (nodes expanded) first: artifact GC at
    deletion."""
    if everything or completed or older is not None:
        targets = store.list(WORKFLOW_KIND, namespace).items
        if completed:
            targets = [w for w in targets if is_completed(w)]
        if older is not None and now is not None:
            targets = [w for w in targets if _finished_or_created(w) <= now - older]
    else:
        targets = [get_workflow(store, n, namespace) for n in names]
    deleted = []
    for obj in targets:
        meta = obj["metadata"]
        if before_delete is not None:
            before_delete(expand_nodes(obj))
        try:
            store.delete(WORKFLOW_KIND, meta["name"], meta.get("namespace") or namespace)
        except NotFound:
            continue  # someone else deleted it first
        _delete_results(store, obj, _result_names(store, obj))
        if events is not None:  # else the controller forgets them when it sees the delete
            events.forget(meta.get("namespace") or namespace, meta["name"])
        deleted.append(meta["name"])
    return deleted


def _result_names(store: Store, obj: Obj) -> set[str]:
    namespace = obj["metadata"].get("namespace") or "default"
    selector = {WORKFLOW_LABEL: obj["metadata"]["name"]}
    return {r["metadata"]["name"] for r in store.list(TASK_RESULT_KIND, namespace, selector).items}


def _finished_or_created(obj: Obj) -> datetime:
    finished = (obj.get("status") or {}).get("finishedAt")
    return parse_time(finished) if finished else _created(obj)


def latest(store: Store, namespace: str = "default") -> Obj | None:
    return newest(store.list(WORKFLOW_KIND, namespace).items)
