"""Whatever fails while one workflow is reconciled ends that workflow Error with the
cause, once: never a retry loop that fills the log and keeps the controller busy.
Real: MemoryStore, the reconciler and the loop; fake: the engine's failing piece and
the runtime (tests/unit/controller/fakes.py)."""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

import pytest

from tests.unit.controller.fakes import FAKE_ENGINE, FakeRuntime, workflow
from tests.unit.controller.test_loop import phase, wait_for
from workflow_engine.controller.clock import ManualClock, SystemClock
from workflow_engine.controller.events import MemoryEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.loop import Controller, LoopOptions
from workflow_engine.controller.reconcile import Engine, Reconciler
from workflow_engine.expr import ExprEvalError
from workflow_engine.store import MemoryStore

KEY = ("default", "wf")


class Counted:
    """Raises `error` from whatever it replaces, counting the calls."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def __call__(self, *_: Any) -> Any:
        self.calls += 1
        raise self.error


def reconciler_with(store: MemoryStore, runtime: FakeRuntime, engine: Engine) -> Reconciler:
    return Reconciler(
        store, runtime, engine, ManualClock(), MemoryEventLog(), PodIndex(), ResultIndex()
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OverflowError("cannot convert float infinity to integer"), "OverflowError"),
        (KeyError("templates"), "KeyError"),
        (ExprEvalError("division by zero"), "division by zero"),
    ],
    ids=["overflow", "key-error", "expr-error"],
)
def test_any_exception_of_operate_ends_the_workflow_error_once(
    error: Exception, message: str
) -> None:
    store, runtime, operate = MemoryStore(), FakeRuntime(), Counted(error)
    reconciler = reconciler_with(store, runtime, dataclasses.replace(FAKE_ENGINE, operate=operate))
    store.create(workflow("wf", "a"))
    reconciler.reconcile(KEY)
    obj = store.get("Workflow", "wf")
    assert obj["status"]["phase"] == "Error"
    assert message in obj["status"]["message"]
    assert obj["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"
    version = obj["metadata"]["resourceVersion"]
    store.update({**obj, "metadata": {**obj["metadata"], "annotations": {"touched": "1"}}})
    reconciler.reconcile(KEY)  # something changed: operate runs again, and fails again
    again = store.get("Workflow", "wf")
    assert again["status"] == obj["status"]  # ended once: no new finish time or message
    assert int(again["metadata"]["resourceVersion"]) == int(version) + 1  # only our touch
    assert runtime.created == []


def test_a_pod_whose_manifest_cannot_be_built_fails_its_node() -> None:
    store, runtime = MemoryStore(), FakeRuntime()
    build = Counted(ZeroDivisionError("division by zero"))
    reconciler = reconciler_with(store, runtime, dataclasses.replace(FAKE_ENGINE, build_pod=build))
    store.create(workflow("wf", "a"))
    reconciler.reconcile(KEY)
    reconciler.reconcile(KEY)  # the Failed pod noted instead is what operate() sees next
    assert store.get("Workflow", "wf")["status"]["phase"] == "Failed"
    [pod] = reconciler.pods.pods(KEY).values()
    assert (pod.phase, pod.reason) == ("Failed", "CreateError")
    assert "ZeroDivisionError: division by zero" in pod.message
    assert build.calls == 1 and runtime.created == []


def test_a_status_that_cannot_be_written_ends_the_workflow_error_once() -> None:
    store, runtime = MemoryStore(), FakeRuntime()
    serialize = Counted(RecursionError("maximum recursion depth exceeded"))
    engine = dataclasses.replace(FAKE_ENGINE, status_to_dict=serialize)
    reconciler = reconciler_with(store, runtime, engine)
    store.create(workflow("wf", "a"))
    reconciler.reconcile(KEY)
    obj = store.get("Workflow", "wf")
    assert obj["status"]["phase"] == "Error"
    assert "RecursionError" in obj["status"]["message"]
    assert reconciler.reconcile(KEY).skipped  # nothing new: nothing is tried again
    assert serialize.calls == 1


def test_a_stored_workflow_the_models_refuse_ends_error_once() -> None:
    """Written past lint (by hand, or by another tool): reading it fails every time."""
    store, runtime = MemoryStore(), FakeRuntime()
    reconciler = reconciler_with(store, runtime, FAKE_ENGINE)
    bad = workflow("wf", "a")
    bad["spec"]["templates"] = "not a list"
    store.create(bad)
    reconciler.reconcile(KEY)
    obj = store.get("Workflow", "wf")
    assert obj["status"]["phase"] == "Error"
    assert "templates" in obj["status"]["message"]
    reconciler.reconcile(KEY)
    assert (
        store.get("Workflow", "wf")["metadata"]["resourceVersion"]
        == obj["metadata"]["resourceVersion"]
    )


def test_the_controller_goes_idle_after_a_failing_workflow(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The loop's part: one reconcile ends it, the log says so once, and the controller
    is idle (an on-demand one would exit) instead of retrying every second."""
    store, runtime = MemoryStore(), FakeRuntime(auto=True)
    operate = Counted(OverflowError("int too large to convert to float"))
    reconciler = Reconciler(
        store,
        runtime,
        dataclasses.replace(FAKE_ENGINE, operate=operate),
        SystemClock(),
        MemoryEventLog(),
        PodIndex(),
        ResultIndex(),
    )
    controller = Controller(
        reconciler, SystemClock(), LoopOptions(workers=2, watch_timeout=0.5, error_backoff=0.05)
    )
    caplog.set_level(logging.INFO)
    controller.start()
    try:
        store.create(workflow("wf", "a"))
        store.create(workflow("ok", "a"))
        # the same engine for both: each fails the same way, by itself
        wait_for(lambda: phase(store, "wf") == phase(store, "ok") == "Error")
        wait_for(controller.is_idle)
        _wait_quiet(controller)
        calls = operate.calls
        wait_for(lambda: _rests(controller, 0.3))  # idle stays idle: no retry loop
        assert operate.calls == calls
    finally:
        controller.stop()
    unexpected = [r for r in caplog.records if "unexpected error" in r.getMessage()]
    assert len(unexpected) == 2  # one per workflow, with its traceback
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]


def _wait_quiet(controller: Controller) -> None:
    wait_for(lambda: not controller.queue.busy())


def _rests(controller: Controller, seconds: float) -> bool:
    """True once the controller stayed idle for `seconds` (waited on an Event)."""
    done = threading.Event()
    done.wait(seconds)
    return controller.is_idle() and not controller.queue.busy()
