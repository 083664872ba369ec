"""WorkflowTriggers: polling a git branch for new commits or an S3 prefix for new
objects, and submitting one workflow per new commit/object with its SHA/key as
parameters, the part of Argo Events' event sources that needs no webhook.

Pure: the controller's trigger loop (`workflow_engine.controller.triggers`) observes
(the branch's new commits, the prefix's objects) and passes what it saw here; this
module says which events are new, the child Workflow of each, and the new status.

Exactly once, across restarts: `status` records what was handled (`lastCommit`; the
`objects` map of key -> ETag) and is written after the children are created; a
child's name is derived from its event (`<trigger>-<sha[:10]>`, `<trigger>-<hash of
key and ETag>`), so an event handled twice (a crash before the status write) creates
one workflow. The first poll only records a baseline: what exists before the trigger
does not run.

    apiVersion: wfengine.io/v1alpha1
    kind: WorkflowTrigger
    spec:
      pollInterval: 30s                  # default 60s
      git: {repo: URL, branch: main}     # or
      s3: {endpoint, bucket, prefix, insecure, accessKeySecret, secretKeySecret}
      arguments: {parameters: [{name: sha, value: "{{trigger.commit}}"}]}
      workflowSpec: {...}                # or workflowTemplateRef: {name: ...}
      workflowMetadata: {labels: {...}}
      suspend: false
      successfulJobsHistoryLimit / failedJobsHistoryLimit
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflow_engine.cron.child import rfc3339
from workflow_engine.expr import ExprError, substitute
from workflow_engine.spec.triggers import (
    DEFAULT_POLL,
    TRIGGER_KIND,
    TriggerSpecError,
    poll_interval,
    source_of,
)
from workflow_engine.vocabulary import WORKFLOW_KIND

Obj = dict[str, Any]
TRIGGER_LABEL = "wfengine.io/trigger"
EVENT_ANNOTATION = "wfengine.io/trigger-event"


@dataclass(frozen=True)
class TriggerEvent:
    """One new commit or object: `ident` names its child, `values` fill `{{trigger.*}}`."""

    ident: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class TriggerDecision:
    events: tuple[TriggerEvent, ...]
    status: Obj
    notes: tuple[str, ...] = field(default_factory=tuple)


def is_due(status: Obj, spec: Obj, now: datetime) -> bool:
    last = status.get("lastPollTime")
    if not last:
        return True
    polled = datetime.fromisoformat(last.replace("Z", "+00:00"))
    return now >= polled + poll_interval(spec)


def git_decision(status: Obj, spec: Obj, commits: Sequence[str], now: datetime) -> TriggerDecision:
    """`commits`: the branch's commits after `status.lastCommit`, oldest first, ending
    with the head (just the head when lastCommit is unknown or absent)."""
    status = {**status, "lastPollTime": rfc3339(now)}
    if not commits:
        return TriggerDecision((), status)
    head = commits[-1]
    if not status.get("lastCommit"):
        return TriggerDecision((), {**status, "lastCommit": head}, ("baseline recorded",))
    git = spec["git"]
    events = tuple(
        TriggerEvent(
            sha[:10],
            {"commit": sha, "branch": git["branch"], "repo": git["repo"], "source": "git"},
        )
        for sha in commits
        if sha != status["lastCommit"]
    )
    return TriggerDecision(events, {**status, "lastCommit": head})


def s3_decision(
    status: Obj, spec: Obj, objects: Mapping[str, str], now: datetime
) -> TriggerDecision:
    """`objects`: every key under the prefix -> its ETag."""
    seen: Mapping[str, str] | None = status.get("objects")
    status = {**status, "lastPollTime": rfc3339(now), "objects": dict(sorted(objects.items()))}
    if seen is None:
        return TriggerDecision((), status, ("baseline recorded",))
    bucket = spec["s3"]["bucket"]
    events = tuple(
        TriggerEvent(
            _digest(f"{key}\0{etag}"),
            {"key": key, "etag": etag, "bucket": bucket, "source": "s3"},
        )
        for key, etag in sorted(objects.items())
        if seen.get(key) != etag
    )
    return TriggerDecision(events, status)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _arguments(spec: Obj, event: TriggerEvent) -> list[Obj]:
    scope = {f"trigger.{k}": v for k, v in event.values.items()}
    out = []
    for param in (spec.get("arguments") or {}).get("parameters") or []:
        param = dict(param)
        if isinstance(param.get("value"), str):
            try:
                param["value"] = substitute(param["value"], scope)
            except ExprError as exc:
                raise TriggerSpecError(f"arguments: {exc}") from None
        out.append(param)
    return out


def trigger_child(trigger: Obj, event: TriggerEvent) -> Obj:
    """The Workflow one event submits: `workflowSpec` (or a `workflowTemplateRef`),
    the arguments with `{{trigger.*}}` filled in, labelled with the trigger."""
    meta, spec = trigger["metadata"], trigger.get("spec") or {}
    extra = spec.get("workflowMetadata") or {}
    body: Obj = copy.deepcopy(spec.get("workflowSpec") or {})
    if not body:
        body = {"workflowTemplateRef": copy.deepcopy(spec["workflowTemplateRef"])}
    params = _arguments(spec, event)
    if params:
        own = (body.get("arguments") or {}).get("parameters") or []
        names = {p["name"] for p in params}
        body["arguments"] = {
            **(body.get("arguments") or {}),
            "parameters": [p for p in own if p.get("name") not in names] + params,
        }
    return {
        "apiVersion": trigger.get("apiVersion"),
        "kind": WORKFLOW_KIND,
        "metadata": {
            "name": f"{meta['name']}-{event.ident}",
            "namespace": meta.get("namespace") or "default",
            "labels": {**(extra.get("labels") or {}), TRIGGER_LABEL: meta["name"]},
            "annotations": {
                **(extra.get("annotations") or {}),
                EVENT_ANNOTATION: ",".join(f"{k}={v}" for k, v in sorted(event.values.items())),
            },
        },
        "spec": body,
    }


__all__ = [
    "DEFAULT_POLL",
    "EVENT_ANNOTATION",
    "TRIGGER_KIND",
    "TRIGGER_LABEL",
    "TriggerDecision",
    "TriggerEvent",
    "TriggerSpecError",
    "git_decision",
    "is_due",
    "poll_interval",
    "s3_decision",
    "source_of",
    "trigger_child",
]
