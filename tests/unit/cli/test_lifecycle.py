"""`wf delete`, `retry`, `resubmit`, `stop`, `terminate`, `suspend`, `resume`."""

from __future__ import annotations

import pytest

from tests.unit.cli.conftest import Wf
from tests.unit.cli.test_inspect import finished, submitted
from workflow_engine.vocabulary import PODS_TO_DELETE


def test_delete_by_name_removes_workflow_and_results(wf: Wf) -> None:
    name = submitted(wf)
    finished(wf, name)
    wf.store.create(
        {
            "apiVersion": "wfengine.io/v1alpha1",
            "kind": "WorkflowTaskResult",
            "metadata": {"name": f"{name}-1", "labels": {"workflows.argoproj.io/workflow": name}},
        }
    )
    result = wf("delete", name)
    assert result.exit_code == 0
    assert result.output == f"workflow {name} deleted\n"
    assert wf.workflows() == []
    assert wf.store.list("WorkflowTaskResult").items == []


@pytest.mark.parametrize(
    ("args", "left"),
    [
        pytest.param(["--all"], set(), id="all"),
        pytest.param(["--completed"], {"running"}, id="completed"),
        pytest.param(["--older", "1h"], {"ok", "running"}, id="older-keeps-recent"),
    ],
)
def test_delete_filters(wf: Wf, args: list[str], left: set[str]) -> None:
    ok = submitted(wf)
    finished(wf, ok)
    running = submitted(wf, "waits.yaml")  # unfinished for an hour, whatever the timing
    names = {"ok": ok, "running": running}
    result = wf("delete", *args)
    assert result.exit_code == 0, result.output
    assert {w["metadata"]["name"] for w in wf.workflows()} == {names[k] for k in left}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "name a workflow, or use --all", id="nothing"),
        pytest.param(["x", "--all"], "give names or a filter, not both", id="both"),
    ],
)
def test_delete_usage_errors(wf: Wf, args: list[str], message: str) -> None:
    result = wf("delete", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_delete_of_an_unknown_workflow_fails(wf: Wf) -> None:
    result = wf("delete", "nope")
    assert result.exit_code == 1
    assert result.output == "error: Workflow default/nope not found\n"


def test_suspend_and_resume_flip_spec_suspend(wf: Wf) -> None:
    wf.app.ensure_controller = lambda: None  # nothing runs: the workflow stays unfinished
    name = submitted(wf)
    assert wf("suspend", name).output == f"workflow {name} suspended\n"
    assert wf.store.get("Workflow", name)["spec"]["suspend"] is True
    assert wf("resume", name).output == f"workflow {name} resumed\n"
    assert "suspend" not in wf.store.get("Workflow", name)["spec"]


@pytest.mark.parametrize(("verb", "value"), [("stop", "Stop"), ("terminate", "Terminate")])
def test_stop_and_terminate_set_shutdown(wf: Wf, verb: str, value: str) -> None:
    wf.app.ensure_controller = lambda: None
    name = submitted(wf)
    result = wf(verb, name)
    assert result.exit_code == 0
    assert wf.store.get("Workflow", name)["spec"]["shutdown"] == value


@pytest.mark.parametrize("verb", ["stop", "terminate", "suspend", "resume"])
def test_changing_a_finished_workflow_is_refused(wf: Wf, verb: str) -> None:
    name = submitted(wf)
    finished(wf, name)
    result = wf(verb, name)
    assert result.exit_code == 1
    assert result.output == f"error: cannot {verb} workflow {name!r}: it is already Succeeded\n"


def test_retry_of_a_succeeded_workflow_is_refused(wf: Wf) -> None:
    name = submitted(wf)
    finished(wf, name)
    result = wf("retry", name)
    assert result.exit_code == 1
    assert "only failed workflows can be retried" in result.output


def test_retry_of_a_failed_workflow_runs_it_again(wf: Wf) -> None:
    name = submitted(wf, "failing.yaml")
    finished(wf, name)
    created = list(wf.runtime.created)
    result = wf("retry", name, "--wait")
    assert result.exit_code == 1  # the fake step fails again
    assert f"workflow {name} retried" in result.output
    obj = wf.store.get("Workflow", name)
    assert PODS_TO_DELETE not in (obj["metadata"].get("annotations") or {})
    assert len(wf.runtime.created) == len(created) + 1  # the pod was deleted and made again


def test_resubmit_makes_a_new_workflow_from_the_spec(wf: Wf) -> None:
    name = submitted(wf, "hello.yaml", "-p", "message=again")
    finished(wf, name)
    result = wf("resubmit", name, "-o", "name")
    assert result.exit_code == 0
    new = result.output.strip()
    assert new.startswith(f"{name}-")
    obj = wf.store.get("Workflow", new)
    assert obj["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "again"}]
    assert obj["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == name


def test_delete_forgets_the_workflows_events(wf: Wf) -> None:
    name = submitted(wf)
    finished(wf, name)
    assert wf.app.events.list("default", name)
    assert wf("delete", name).exit_code == 0
    assert wf.app.events.list("default", name) == []
