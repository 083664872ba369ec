"""The CronWorkflow scheduler: pure and clock-injected, beside the engine.

    schedule   schedule strings -> the instants they fire at (time zones, DST)
    child      the Workflow a scheduled time submits; reading children back
    plan       plan(cron, children, now, checked) -> CronDecision

The controller's cron loop (`workflow_engine.controller.cron`) lists, calls `plan`
and applies its decision; nothing here reads a clock or a store.
"""

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
    plan,
    schedules_of,
    with_condition,
    without_condition,
)
from workflow_engine.cron.schedule import Schedule, ScheduleError, Schedules

__all__ = [
    "ACTIVE",
    "CRON_LABEL",
    "SCHEDULED_TIME",
    "SPEC_ERROR",
    "STOPPED",
    "SUBMISSION_ERROR",
    "CronDecision",
    "Schedule",
    "ScheduleError",
    "Schedules",
    "child_name",
    "child_workflow",
    "is_finished",
    "parse_time",
    "plan",
    "rfc3339",
    "schedules_of",
    "with_condition",
    "without_condition",
]
