"""The CronWorkflow scheduler's decision: `plan(cron, children, now, checked)` ->
`CronDecision` (what to submit, stop and delete, and the new status).

Pure and clock-injected, beside the engine: the controller's cron loop
(`workflow_engine.controller.cron`) lists a CronWorkflow and its children, calls
`plan` with its clock's `now`, and applies the decision once. Argo's semantics:

- it fires when `now` passes a time of `schedule`/`schedules` (in `timezone`); only
  the latest due time runs, so a stalled loop never starts a burst;
- `checked` is the time the loop last planned this CronWorkflow (None right after a
  controller start, or when it first sees the object): then the latest time missed
  since `status.lastScheduledTime` (or, never scheduled, since its creation) runs
  once, if `startingDeadlineSeconds` (when set above 0) has not passed since it;
- `suspend`, a false `when`, or `concurrencyPolicy: Forbid` with a child still
  running skip a time; `Replace` stops (terminates) the running children first;
- a child's name is `<cron name>-<unix seconds of its scheduled time>`, so planning a
  time twice (a crash between submit and status write) submits it once;
- finished children count into `status.succeeded`/`failed`, `stopStrategy.expression`
  is checked as they finish (true: `status.phase: Stopped`, no more runs), and only the
  newest `successfulJobsHistoryLimit` (3) / `failedJobsHistoryLimit` (1) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from workflow_engine.cron.child import (
    CRON_LABEL,
    active_refs,
    child_name,
    is_finished,
    parse_time,
    rfc3339,
)
from workflow_engine.cron.schedule import ScheduleError, Schedules
from workflow_engine.expr import ExprError, evaluate_bool, evaluate_when, substitute
from workflow_engine.vocabulary import WORKFLOW_KIND

Obj = dict[str, Any]
SPEC_ERROR = "SpecError"
SUBMISSION_ERROR = "SubmissionError"
STOPPED = "Stopped"
ACTIVE = "Active"
_DEFAULT_SUCCESS_LIMIT = 3
_DEFAULT_FAILED_LIMIT = 1


@dataclass(frozen=True)
class CronDecision:
    """`submit`: the scheduled time of a child to create (None: none); `stop`: names of
    running children to terminate first; `delete`: finished children past the history
    limits; `status`: the CronWorkflow's new status (`lastScheduledTime` and `active`
    already include the child to submit); `wake_at`: when to plan again at the latest;
    `skipped`: why a due time did not run."""

    status: Obj
    submit: datetime | None = None
    stop: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    wake_at: datetime | None = None
    skipped: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def schedules_of(spec: Obj) -> Schedules:
    texts = list(spec.get("schedules") or [])
    if spec.get("schedule"):
        texts.insert(0, spec["schedule"])
    return Schedules.parse(texts, spec.get("timezone") or None)


def plan(cron: Obj, children: list[Obj], now: datetime, checked: datetime | None) -> CronDecision:
    """Decide for one CronWorkflow (a dict) and the Workflows labelled with its name."""
    spec, status = cron.get("spec") or {}, dict(cron.get("status") or {})
    status = _count_finished(status, children)
    notes: list[str] = []
    if _stop_now(spec, status, cron):
        status["phase"] = STOPPED
        notes.append("stopStrategy expression is true: no more runs")
    status.setdefault("phase", ACTIVE)
    delete = over_history(spec, children)
    try:
        schedules = schedules_of(spec)
    except ScheduleError as exc:
        status = with_condition(status, SPEC_ERROR, str(exc))
        return CronDecision(status, delete=delete, notes=tuple(notes))
    status = without_condition(status, SPEC_ERROR)
    anchor = parse_time(cron["metadata"].get("creationTimestamp")) or now
    due = _due(spec, status, schedules, now, checked, anchor)
    wake = schedules.next_after(now, anchor)
    if due is None:
        return CronDecision(status, delete=delete, wake_at=wake, notes=tuple(notes))
    skipped = _skip_reason(spec, status, cron)
    if skipped is not None:
        return CronDecision(status, delete=delete, wake_at=wake, skipped=skipped)
    stop: tuple[str, ...] = ()
    if spec.get("concurrencyPolicy") == "Replace":
        stop = tuple(ref["name"] for ref in status.get("active") or [])
    status["lastScheduledTime"] = rfc3339(due)
    name = child_name(cron["metadata"]["name"], due)
    if not any(ref.get("name") == name for ref in status.get("active") or []):
        status["active"] = [*(status.get("active") or []), _ref(cron, name)]
    return CronDecision(status, submit=due, stop=stop, delete=delete, wake_at=wake)


def _due(
    spec: Obj,
    status: Obj,
    schedules: Schedules,
    now: datetime,
    checked: datetime | None,
    anchor: datetime,
) -> datetime | None:
    """The scheduled time to run now, if any (the latest one due, within the deadline)."""
    if checked is None:
        # Never scheduled: from its creation, so a time between a create and the loop's
        # first sight of it is not lost. (Argo starts such a one at the next time.)
        last = parse_time(status.get("lastScheduledTime")) or anchor
        due = schedules.latest_in(last, now, anchor)
    else:
        due = schedules.latest_in(checked, now, anchor)
    deadline = spec.get("startingDeadlineSeconds")
    if due is not None and deadline and now >= due + timedelta(seconds=deadline):
        return None
    return due


def _skip_reason(spec: Obj, status: Obj, cron: Obj) -> str | None:
    if spec.get("suspend"):
        return "suspended"
    if status.get("phase") == STOPPED:
        return "stopped by its stopStrategy"
    if spec.get("concurrencyPolicy") == "Forbid" and status.get("active"):
        return "concurrencyPolicy Forbid and a child is still running"
    when = spec.get("when")
    if when:
        try:
            if not _when_true(when, cron, status):
                return f"when condition {when!r} is false"
        except ExprError as exc:
            return f"when condition {when!r} failed: {exc}"
    return None


def _variables(cron: Obj, status: Obj) -> Obj:
    meta = cron.get("metadata") or {}
    return {
        "name": meta.get("name"),
        "namespace": meta.get("namespace") or "default",
        "labels": dict(meta.get("labels") or {}),
        "annotations": dict(meta.get("annotations") or {}),
        "lastScheduledTime": status.get("lastScheduledTime"),
        "failed": int(status.get("failed") or 0),
        "succeeded": int(status.get("succeeded") or 0),
    }


def _when_true(when: str, cron: Obj, status: Obj) -> bool:
    variables = _variables(cron, status)
    if "{{" in when:
        scope = {f"cronworkflow.{k}": v for k, v in variables.items()}
        scope["cronworkflow"] = variables
        return evaluate_when(substitute(when, scope))
    return evaluate_bool(when, {"cronworkflow": variables})


def _stop_now(spec: Obj, status: Obj, cron: Obj) -> bool:
    expression = ((spec.get("stopStrategy") or {}).get("expression") or "").strip()
    if not expression or status.get("phase") == STOPPED:
        return False
    try:
        return evaluate_bool(expression, {"cronworkflow": _variables(cron, status)})
    except ExprError:
        return False


def _count_finished(status: Obj, children: list[Obj]) -> Obj:
    """Drop finished or vanished children from `active`, counting the finished ones;
    add running children `active` does not list (a status write lost in a crash)."""
    status = dict(status)
    by_uid = {c["metadata"].get("uid"): c for c in children}
    by_name = {c["metadata"]["name"]: c for c in children}
    active: list[Obj] = []
    succeeded, failed = int(status.get("succeeded") or 0), int(status.get("failed") or 0)
    for ref in status.get("active") or []:
        child = by_uid.get(ref.get("uid")) or by_name.get(ref.get("name"))
        if child is None:
            continue  # deleted while running: neither outcome
        if not is_finished(child):
            active.append(ref if ref.get("uid") else active_refs([child])[0])
        elif (child.get("status") or {}).get("phase") == "Succeeded":
            succeeded += 1
        else:
            failed += 1
    listed = {ref["name"] for ref in active}
    active += [r for r in active_refs(children) if r["name"] not in listed]
    status["active"] = active
    status["succeeded"], status["failed"] = succeeded, failed
    return status


def over_history(spec: Obj, children: list[Obj]) -> tuple[str, ...]:
    """Finished children beyond the history limits, oldest first to go."""
    finished = [c for c in children if is_finished(c)]
    good = [c for c in finished if c["status"].get("phase") == "Succeeded"]
    bad = [c for c in finished if c["status"].get("phase") != "Succeeded"]
    names: list[str] = []
    for group, key, default in (
        (good, "successfulJobsHistoryLimit", _DEFAULT_SUCCESS_LIMIT),
        (bad, "failedJobsHistoryLimit", _DEFAULT_FAILED_LIMIT),
    ):
        limit = spec.get(key)
        keep = default if limit is None or limit < 0 else int(limit)
        group.sort(key=_finished_at, reverse=True)
        names += [c["metadata"]["name"] for c in group[keep:]]
    return tuple(names)


def _finished_at(child: Obj) -> datetime:
    status = child.get("status") or {}
    return parse_time(status.get("finishedAt")) or datetime.min.replace(tzinfo=UTC)


def _ref(cron: Obj, name: str) -> Obj:
    meta = cron["metadata"]
    return {
        "kind": WORKFLOW_KIND,
        "apiVersion": cron.get("apiVersion"),
        "name": name,
        "namespace": meta.get("namespace") or "default",
    }


def with_condition(status: Obj, kind: str, message: str) -> Obj:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != kind]
    conditions.append({"type": kind, "status": "True", "message": message})
    return {**status, "conditions": conditions}


def without_condition(status: Obj, kind: str) -> Obj:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != kind]
    status = {**status, "conditions": conditions}
    if not conditions:
        status.pop("conditions")
    return status


__all__ = [
    "ACTIVE",
    "CRON_LABEL",
    "SPEC_ERROR",
    "STOPPED",
    "SUBMISSION_ERROR",
    "CronDecision",
    "over_history",
    "plan",
    "schedules_of",
    "with_condition",
    "without_condition",
]
