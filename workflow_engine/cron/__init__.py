"""The CronWorkflow scheduler: pure and clock-injected, beside the engine.

    schedule   schedule strings -> the instants they fire at (time zones, DST)
    child      the Workflow a scheduled time submits; reading children back
    plan       plan(cron, children, now, checked) -> CronDecision
    triggers   WorkflowTriggers: which polled commits/objects are new, their children

The controller's cron loop (`workflow_engine.controller.cron`) lists, calls `plan`
and applies its decision; nothing here reads a clock or a store.

Names load on first use (`workflow_engine.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow_engine.lazy import lazy_names

if TYPE_CHECKING:
    from workflow_engine.cron.child import (
        CRON_LABEL,
        SCHEDULED_TIME,
        child_name,
        child_workflow,
        is_finished,
        parse_time,
        rfc3339,
    )
    from workflow_engine.cron.plan import (
        ACTIVE,
        SPEC_ERROR,
        STOPPED,
        SUBMISSION_ERROR,
        CronDecision,
        over_history,
        plan,
        schedules_of,
        with_condition,
        without_condition,
    )
    from workflow_engine.cron.schedule import Schedule, ScheduleError, Schedules
    from workflow_engine.cron.triggers import (
        TRIGGER_KIND,
        TRIGGER_LABEL,
        TriggerDecision,
        TriggerEvent,
        TriggerSpecError,
        git_decision,
        is_due,
        poll_interval,
        s3_decision,
        source_of,
        trigger_child,
    )

__all__ = [
    "ACTIVE",
    "CRON_LABEL",
    "SCHEDULED_TIME",
    "SPEC_ERROR",
    "STOPPED",
    "SUBMISSION_ERROR",
    "TRIGGER_KIND",
    "TRIGGER_LABEL",
    "CronDecision",
    "Schedule",
    "ScheduleError",
    "Schedules",
    "TriggerDecision",
    "TriggerEvent",
    "TriggerSpecError",
    "child_name",
    "child_workflow",
    "git_decision",
    "is_due",
    "is_finished",
    "over_history",
    "parse_time",
    "plan",
    "poll_interval",
    "rfc3339",
    "s3_decision",
    "schedules_of",
    "source_of",
    "trigger_child",
    "with_condition",
    "without_condition",
]

__getattr__ = lazy_names(
    __name__,
    {
        "CRON_LABEL": "child",
        "SCHEDULED_TIME": "child",
        "child_name": "child",
        "child_workflow": "child",
        "is_finished": "child",
        "parse_time": "child",
        "rfc3339": "child",
        "ACTIVE": "plan",
        "SPEC_ERROR": "plan",
        "STOPPED": "plan",
        "SUBMISSION_ERROR": "plan",
        "CronDecision": "plan",
        "over_history": "plan",
        "plan": "plan",
        "schedules_of": "plan",
        "with_condition": "plan",
        "without_condition": "plan",
        "Schedule": "schedule",
        "ScheduleError": "schedule",
        "Schedules": "schedule",
        "TRIGGER_KIND": "triggers",
        "TRIGGER_LABEL": "triggers",
        "TriggerDecision": "triggers",
        "TriggerEvent": "triggers",
        "TriggerSpecError": "triggers",
        "git_decision": "triggers",
        "is_due": "triggers",
        "poll_interval": "triggers",
        "s3_decision": "triggers",
        "source_of": "triggers",
        "trigger_child": "triggers",
    },
)
