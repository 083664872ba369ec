"""`wf retry` as a request the controller carries out (Kubernetes mode).

On a cluster a workflow's status is a subresource: the CLI cannot reset the status and
drop `spec.shutdown` in one write, and a controller writing between its two writes
could lose the retry. So the CLI writes one thing, the request (an annotation holding
`RetryRequest` as JSON), and the controller plans the reset here, from the workflow it
holds, before it decides anything else: the new status, the pods to delete and the
nodes whose TaskResults are stale. Pure: no I/O, `now` is given.

A request found on a workflow that is not (or no longer) retryable is dropped with the
reason: the controller that applied it may have been stopped before it removed the
annotation, and applying it twice must not run the nodes twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from workflow_engine.engine.ops import NotRetryable, retry_workflow
from workflow_engine.spec.models import Workflow, WorkflowStatus
from workflow_engine.spec.status_codec import nodes_of


@dataclass(frozen=True)
class RetryRequest:
    """What `argo retry` takes: which nodes run again."""

    node_field_selector: str | None = None
    restart_successful: bool = False

    def encode(self) -> str:
        return json.dumps(
            {
                "nodeFieldSelector": self.node_field_selector,
                "restartSuccessful": self.restart_successful,
            },
            sort_keys=True,
        )


def decode_retry_request(text: str) -> RetryRequest:
    """The request an annotation holds; NotRetryable when it is not one of ours."""
    try:
        data = json.loads(text)
    except ValueError:
        raise NotRetryable(f"retry request is not JSON: {text[:80]!r}") from None
    if not isinstance(data, dict):
        raise NotRetryable("retry request must be a JSON object")
    selector = data.get("nodeFieldSelector")
    restart = data.get("restartSuccessful", False)
    if selector is not None and not isinstance(selector, str):
        raise NotRetryable("retry request: nodeFieldSelector must be a string")
    if not isinstance(restart, bool):
        raise NotRetryable("retry request: restartSuccessful must be true or false")
    return RetryRequest(selector or None, restart)


@dataclass(frozen=True)
class RetryPlan:
    """The reset to apply (`status` None: nothing to apply, `ignored` says why)."""

    status: WorkflowStatus | None = None
    pods: tuple[str, ...] = ()  # to delete before their nodes run again
    stale_results: tuple[str, ...] = ()  # Pod nodes whose TaskResults the reset erased
    ignored: str | None = None


def plan_retry(wf: Workflow, text: str, now: datetime) -> RetryPlan:
    """The reset the request in `text` asks for, on `wf` as it is now."""
    try:
        request = decode_retry_request(text)
        status, pods = retry_workflow(
            wf,
            now,
            node_field_selector=request.node_field_selector,
            restart_successful=request.restart_successful,
        )
    except NotRetryable as err:
        return RetryPlan(ignored=str(err))
    old = nodes_of(wf.status or WorkflowStatus())
    new = nodes_of(status)
    stale = sorted(
        node_id
        for node_id, node in old.items()
        if node.type == "Pod" and (node_id not in new or new[node_id].phase != node.phase)
    )
    return RetryPlan(status=status, pods=tuple(pods), stale_results=tuple(stale))


__all__ = ["RetryPlan", "RetryRequest", "decode_retry_request", "plan_retry"]
