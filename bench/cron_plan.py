"""CPU cost of the CronWorkflow scheduler: `plan()` for one CronWorkflow when nothing
is due (what the cron loop pays per CronWorkflow per pass) and when a time is due, and
the missed-run search after a year of downtime. Pure: no store, no controller.

Command: .venv/bin/python bench/cron_plan.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from workflow_engine.cron import Schedules, plan

T0 = datetime(2025, 1, 1, tzinfo=UTC)
CRON = {
    "apiVersion": "argoproj.io/v1alpha1",
    "metadata": {"name": "c", "creationTimestamp": "2025-01-01T00:00:00Z"},
    "spec": {"schedule": "*/5 * * * *", "timezone": "Europe/Paris", "workflowSpec": {}},
    "status": {},
}


def median_ms(run: Callable[[], object], rounds: int = 7, number: int = 200) -> float:
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(number):
            run()
        samples.append((time.process_time() - started) / number * 1000)
    return statistics.median(samples)


def main() -> None:
    minute = Schedules.parse(["* * * * *"], "America/New_York")
    rows = {
        "plan(), nothing due": lambda: plan(
            CRON, [], T0 + timedelta(minutes=7), T0 + timedelta(minutes=6)
        ),
        "plan(), a time due": lambda: plan(
            CRON, [], T0 + timedelta(minutes=7), T0 + timedelta(minutes=4)
        ),
        "latest missed minute after a year down": lambda: minute.latest_in(
            T0, T0 + timedelta(days=365)
        ),
    }
    for name, run in rows.items():
        print(f"{name}: {median_ms(run):.3f} ms CPU")


if __name__ == "__main__":
    main()
