"""A completed workflow's time to live (`spec.ttlStrategy`), decided: when it is due
for deletion, and the actions that delete it.

Part of the pure core. Argo's rules: a failed (or errored) workflow lives
`secondsAfterFailure` after it finished when that is set, a succeeded one
`secondsAfterSuccess`, and otherwise either lives `secondsAfterCompletion`; with none
of them it lives until deleted. When the time has come, the decision deletes it as
`wf delete` does: first the artifacts its `artifactGC` leaves to deletion (and any
completion collection not done yet), then the workflow (`DeleteWorkflow`), whose pods
and task results the controller removes when it sees it gone. Before that, the
decision asks to be called again when the time comes (`RequeueAfter`): the engine
is handed `now`, it never reads a clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from workflow_engine.engine.artifact_gc import CollectArtifacts, due_artifacts
from workflow_engine.engine.decision import Action, DeleteWorkflow, RequeueAfter
from workflow_engine.spec.models import NodeStatus, WorkflowSpec, WorkflowStatus
from workflow_engine.vocabulary import COMPLETED_PHASES


def ttl_seconds(spec: WorkflowSpec, phase: str | None) -> int | None:
    """How long a workflow ended in `phase` lives, by its ttlStrategy (None: for ever)."""
    ttl = spec.ttl_strategy
    if ttl is None or phase not in COMPLETED_PHASES:
        return None
    if phase in ("Failed", "Error") and ttl.seconds_after_failure is not None:
        return ttl.seconds_after_failure
    if phase == "Succeeded" and ttl.seconds_after_success is not None:
        return ttl.seconds_after_success
    return ttl.seconds_after_completion


def ttl_actions(
    spec: WorkflowSpec, status: WorkflowStatus, nodes: dict[str, NodeStatus], now: datetime
) -> list[Action]:
    """The deletion when the completed workflow's time is up, else the timer for it."""
    seconds = ttl_seconds(spec, status.phase)
    if seconds is None:
        return []
    expires = (status.finished_at or now) + timedelta(seconds=max(seconds, 0))
    if now < expires:
        return [RequeueAfter(seconds=(expires - now).total_seconds())]
    actions: list[Action] = []
    artifacts = due_artifacts(spec, nodes, "deletion")
    if artifacts:
        actions.append(CollectArtifacts(artifacts, event="deletion"))
    reason = f"ttlStrategy: {seconds}s after it ended {status.phase}"
    actions.append(DeleteWorkflow(reason=reason))
    return actions
