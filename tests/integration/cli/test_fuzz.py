"""3,000 mutants of the examples through lint and the submit path, in-process, with a
real SqliteStore in a temporary directory (the example WorkflowTemplates stored in it,
so templateRefs resolve): every case either passes or is refused with SpecErrors
(exit 2 at the CLI), or, named like an earlier mutant, AlreadyExists. Any other
exception is a crash; a case still running after the watchdog's generous alarm is a
hang. No wall-clock budget is asserted: the alarm only
turns an endless case into a failure instead of a stuck run.
"""

from __future__ import annotations

import signal
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import pytest
import yaml

from tests.integration.cli.fuzz import mutant, seeds
from workflow_engine.controller import SubmitOptions, submit_text
from workflow_engine.controller.templates import create_templates
from workflow_engine.errors import AlreadyExists, SpecError
from workflow_engine.lint import lint_text
from workflow_engine.store import SqliteStore

pytestmark = pytest.mark.integration
CASES = 3000
WATCHDOG_SECONDS = 20  # per case; a loaded machine runs a case in milliseconds
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Hang(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "store.db")
    for name, doc in seeds():
        if doc.get("kind") == "WorkflowTemplate":
            create_templates(store, yaml.safe_dump(doc), name)
    yield store
    store.close()


def _one(store: SqliteStore, seed: int) -> str | None:
    """None when the case passed or was refused cleanly, else what went wrong."""
    text = mutant(seed)
    try:
        errors = lint_text(text, f"mutant-{seed}.yaml")
        assert all(isinstance(e, SpecError) and str(e) for e in errors)
        options = SubmitOptions(parameters=(("message", "x"),) if seed % 3 == 0 else ())
        try:
            submit_text(store, text, f"mutant-{seed}.yaml", options, NOW)
        except SpecError as exc:
            assert str(exc).strip(), "an empty error message"
        except AlreadyExists:
            pass  # a mutant named like an earlier one: refused as `wf submit` refuses it
    except Hang:
        return f"seed {seed}: still running after {WATCHDOG_SECONDS} s"
    except Exception:
        return f"seed {seed}: {traceback.format_exc(limit=-3)}"
    return None


def test_mutated_examples_never_crash_lint_or_submit(store: SqliteStore) -> None:
    previous = signal.signal(signal.SIGALRM, _alarm)
    failures: list[str] = []
    ran = 0
    try:
        for seed in range(CASES):
            signal.alarm(WATCHDOG_SECONDS)
            try:
                failure = _one(store, seed)
            finally:
                signal.alarm(0)
            ran += 1
            if failure is not None:
                failures.append(failure)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert not failures, f"{len(failures)} of {CASES} cases failed:\n" + "\n".join(failures[:5])
    assert ran == CASES
