"""The cron loop's passes over a MemoryStore on a ManualClock (no threads: `tick()` is
called directly): it keeps the controller busy while a CronWorkflow fires, a child
that already exists (a crash before the status write) is not an error, a child that
cannot be created is a SubmissionError condition, and a deleted CronWorkflow is
forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from workflow_engine.controller.clock import ManualClock
from workflow_engine.controller.cron import CronLoop
from workflow_engine.cron import child_name
from workflow_engine.errors import TransientError
from workflow_engine.store import MemoryStore
from workflow_engine.store.base import Obj

START = datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC)


def cron(**spec: Any) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "tick", "namespace": "default"},
        "spec": {
            "schedule": "* * * * *",
            "workflowSpec": {"entrypoint": "main", "templates": [{"name": "main"}]},
            **spec,
        },
    }


def setup(**spec: Any) -> tuple[MemoryStore, ManualClock, CronLoop]:
    store, clock = MemoryStore(), ManualClock(START)
    store.create(cron(**spec))
    loop = CronLoop(store, clock)
    loop.tick()
    return store, clock, loop


def test_busy_while_a_cron_workflow_fires() -> None:
    store, _, loop = setup()
    assert loop.busy()
    obj = store.get("CronWorkflow", "tick")
    store.update({**obj, "spec": {**obj["spec"], "suspend": True}})
    loop.tick()
    assert not loop.busy()


def test_a_child_that_already_exists_is_taken_as_submitted() -> None:
    store, clock, loop = setup()
    minute = START.replace(second=0) + timedelta(minutes=1)
    existing = store.create(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": child_name("tick", minute), "namespace": "default"},
            "spec": {},
        }
    )
    clock.advance(31)
    loop.tick()
    status = store.get("CronWorkflow", "tick")["status"]
    assert status["lastScheduledTime"] == "2025-01-01T00:01:00Z"
    assert "conditions" not in status
    assert [w["metadata"]["uid"] for w in store.list("Workflow").items] == [
        existing["metadata"]["uid"]
    ]


class RefusingStore(MemoryStore):
    def create(self, obj: Obj) -> Obj:
        if obj["kind"] == "Workflow":
            raise TransientError("the API server is overloaded")
        return super().create(obj)


def test_a_child_that_cannot_be_created_is_a_submission_error() -> None:
    store, clock = RefusingStore(), ManualClock(START)
    store.create(cron())
    loop = CronLoop(store, clock)
    loop.tick()
    clock.advance(31)
    loop.tick()
    status = store.get("CronWorkflow", "tick")["status"]
    assert status["conditions"] == [
        {
            "type": "SubmissionError",
            "status": "True",
            "message": "Failed to submit Workflow: the API server is overloaded",
        }
    ]
    assert "lastScheduledTime" not in status
    assert status["active"] == []


def test_wake_time_is_the_next_scheduled_time() -> None:
    _, _, loop = setup()
    assert loop.tick() == datetime(2025, 1, 1, 0, 1, tzinfo=UTC)
