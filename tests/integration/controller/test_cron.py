"""CronWorkflows run by the real embedded controller (SqliteStore, ProcessRuntime, the
workflow loop and its cron loop) on a clock the test moves: a child runs to the end
and history is pruned, Forbid skips while a child runs, Replace terminates it, and a
controller down across scheduled times starts the missed run exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.controller.rig import Rig
from tests.support.polling import poll
from workflow_engine.controller import operations as ops
from workflow_engine.cron import CRON_LABEL, child_name

pytestmark = pytest.mark.integration


def minute(n: int) -> datetime:
    return datetime(2025, 1, 1, 0, n, tzinfo=UTC)


def test_child_runs_to_the_end_and_history_is_pruned(rig: Rig) -> None:
    rig.create("cron/every-minute.yaml")
    loop = rig.start()
    rig.clock.jump_to(minute(1) + timedelta(seconds=1))
    first = child_name("every-minute", minute(1))
    poll(lambda: rig.phase(first) == "Succeeded" if first in rig.children("every-minute") else None)
    child = rig.store.get("Workflow", first)
    labels = child["metadata"]["labels"]
    assert (labels["team"], labels[CRON_LABEL]) == ("blue", "every-minute")
    assert child["metadata"]["ownerReferences"][0]["kind"] == "CronWorkflow"
    status = poll(lambda: (s := rig.cron_status("every-minute")).get("succeeded") == 1 and s)
    assert status["lastScheduledTime"] == "2025-01-01T00:01:00Z"
    assert status["active"] == []
    rig.clock.jump_to(minute(2) + timedelta(seconds=1))
    second = child_name("every-minute", minute(2))
    poll(lambda: rig.cron_status("every-minute").get("succeeded") == 2, what="second child")
    rig.passes_after(loop, minute(2) + timedelta(seconds=5))
    # successfulJobsHistoryLimit: 1 keeps only the newest
    assert list(rig.children("every-minute")) == [second]


def test_forbid_skips_while_a_child_runs(rig: Rig) -> None:
    rig.create("cron/waits.yaml", concurrencyPolicy="Forbid")
    loop = rig.start()
    rig.clock.jump_to(minute(1) + timedelta(seconds=1))
    first = child_name("waits", minute(1))
    poll(lambda: rig.phase(first) == "Running" if first in rig.children("waits") else None)
    rig.passes_after(loop, minute(2) + timedelta(seconds=1))
    assert list(rig.children("waits")) == [first]
    ops.resume(rig.store, first, now=rig.clock.now())
    poll(lambda: rig.cron_status("waits").get("succeeded") == 1, what="the child's end")
    rig.clock.jump_to(minute(3) + timedelta(seconds=1))
    third = child_name("waits", minute(3))
    poll(lambda: third in rig.children("waits"), what="the next run after the child ended")


def test_replace_terminates_the_running_child(rig: Rig) -> None:
    rig.create("cron/waits.yaml", concurrencyPolicy="Replace")
    rig.start()
    rig.clock.jump_to(minute(1) + timedelta(seconds=1))
    first = child_name("waits", minute(1))
    poll(lambda: rig.phase(first) == "Running" if first in rig.children("waits") else None)
    rig.clock.jump_to(minute(2) + timedelta(seconds=1))
    second = child_name("waits", minute(2))
    poll(lambda: rig.phase(first) in ("Failed", "Error"), what="the first child terminated")
    assert rig.store.get("Workflow", first)["spec"]["shutdown"] == "Terminate"
    poll(lambda: rig.phase(second) == "Running" if second in rig.children("waits") else None)
    status = poll(lambda: (s := rig.cron_status("waits")).get("failed") == 1 and s)
    assert [r["name"] for r in status["active"]] == [second]


def test_a_controller_down_across_scheduled_times_runs_the_missed_one_once(rig: Rig) -> None:
    rig.create("cron/every-minute.yaml", startingDeadlineSeconds=120, successfulJobsHistoryLimit=5)
    rig.start()
    rig.clock.jump_to(minute(1) + timedelta(seconds=1))
    poll(lambda: rig.cron_status("every-minute").get("succeeded") == 1, what="the first run")
    rig.stop()  # down across 00:02 and 00:03
    rig.clock.jump_to(minute(3) + timedelta(seconds=30))
    loop = rig.start()
    missed = child_name("every-minute", minute(3))
    poll(lambda: rig.cron_status("every-minute").get("succeeded") == 2, what="the missed run")
    rig.passes_after(loop, minute(3) + timedelta(seconds=40))
    rig.stop()
    loop = rig.start()  # a second restart before the next time starts nothing more
    rig.passes_after(loop, minute(3) + timedelta(seconds=50))
    assert sorted(rig.children("every-minute")) == [child_name("every-minute", minute(1)), missed]
    assert rig.cron_status("every-minute")["lastScheduledTime"] == "2025-01-01T00:03:00Z"
