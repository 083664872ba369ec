"""Execution control: deadlines and timeouts, parallelism, exit handlers, stop and
terminate, suspend and resume, spec.suspend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.engine.conftest import DATA
from tests.unit.engine.simulator import Script, Simulator, load
from workflow_engine.engine import (
    CreatePod,
    DeletePod,
    Observed,
    PodState,
    operate,
    resume_workflow,
)
from workflow_engine.engine.reconcile import DEADLINE_ENFORCEMENT_MARGIN
from workflow_engine.spec.models import Workflow


def wf_of(spec: dict, name: str = "wf") -> Workflow:
    return Workflow.model_validate(
        {"metadata": {"name": name, "namespace": "default"}, "spec": spec}
    )


def deletes(sim: Simulator) -> list[DeletePod]:
    return [a for d in sim.decisions for a in d.actions if isinstance(a, DeletePod)]


def test_template_deadline_kills_the_pod_with_the_kubernetes_message() -> None:
    sim = Simulator(load(str(DATA / "deadlines.yaml")), scripts={"slow": Script(seconds=100)}).run()
    slow = sim.node("deadlines[0].slow")
    assert (slow.phase, slow.message) == (
        "Failed",
        "Pod was active on the node longer than the specified deadline",
    )
    # The simulated pod ignores its own activeDeadlineSeconds: the engine's fallback ends it.
    margin = DEADLINE_ENFORCEMENT_MARGIN.total_seconds()
    assert sim.span("deadlines[0].slow") == (0.0, 5.0 + margin)
    assert [d.pod_name for d in deletes(sim)] == [f"deadlines-slow-{slow.id.split('-')[-1]}"]
    assert sim.status.phase == "Failed"
    create = next(a for a in sim.decisions[0].actions if isinstance(a, CreatePod))
    assert create.deadline == sim.node("deadlines[0].slow").started_at + timedelta(seconds=5)


def test_pod_reported_deadline_exceeded_fails_with_its_message() -> None:
    wf = wf_of({"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "x"}}]})
    sim = Simulator(wf, scripts={"main": Script(exit_code=137, reason="DeadlineExceeded")}).run()
    assert sim.node("wf").message == "Pod was active on the node longer than the specified deadline"


@pytest.mark.parametrize(
    ("timeout_key", "value"),
    [pytest.param("activeDeadlineSeconds", 10, id="workflow-active-deadline")],
)
def test_workflow_deadline_fails_running_and_new_nodes(timeout_key: str, value: int) -> None:
    wf = wf_of(
        {
            timeout_key: value,
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [[{"name": "a", "template": "c"}], [{"name": "b", "template": "c"}]],
                },
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf, scripts={"a": Script(seconds=100)}).run()
    assert sim.status.phase == "Failed"
    assert sim.node("wf[0].a").message == "Step exceeded its deadline"
    assert sim.span("wf[0].a") == (0.0, 10.0)
    assert "wf[1].b" not in sim.started_order()


def test_steps_template_timeout_fails_its_subtree() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "inner", "template": "inner"}]]},
                {"name": "inner", "timeout": "30s", "steps": [[{"name": "long", "template": "c"}]]},
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf, scripts={"long": Script(seconds=100)}).run()
    assert sim.node("wf[0].inner").phase == "Failed"
    assert sim.node("wf[0].inner[0].long").message == "Step exceeded its deadline"
    assert sim.span("wf[0].inner[0].long") == (0.0, 30.0)


@pytest.mark.parametrize(
    ("file", "limit", "total"),
    [
        pytest.param("parallelism-nested.yaml", 4, 15, id="workflow-template-and-nested"),
    ],
)
def test_parallelism_is_never_exceeded(file: str, limit: int, total: int) -> None:
    sim = Simulator(load(str(DATA / file))).run()
    assert sim.status.phase == "Succeeded"
    assert len(sim.started_order()) == total
    assert sim.max_running == limit


def test_template_parallelism_limits_a_loop() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "parallelism": 2,
                    "steps": [[{"name": "s", "template": "c", "withSequence": {"count": "6"}}]],
                },
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf).run()
    assert sim.max_running == 2
    assert [t for t, k, _ in sim.events if k == "started"] == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize(
    ("exit_code", "status", "branch"),
    [
        pytest.param(1, "Failed", "cry", id="failed"),
        pytest.param(0, "Succeeded", "celebrate", id="succeeded"),
    ],
)
def test_exit_handler_runs_after_main_and_sees_workflow_status(
    exit_code: int, status: str, branch: str
) -> None:
    sim = Simulator(
        load(str(DATA / "exit-handler.yaml")),
        scripts={"intentional-fail": Script(exit_code=exit_code)},
    ).run()
    assert sim.status.phase == status
    assert sim.span("exit-handlers")[1] <= sim.span("exit-handlers.onExit[0].notify")[0]
    assert sim.node(f"exit-handlers.onExit[0].{branch}").phase == "Succeeded"
    exit_node = sim.node("exit-handlers.onExit")
    assert exit_node.node_flag.hooked is True and exit_node.boundary_id is None
    notify = next(
        a
        for d in sim.decisions
        for a in d.actions
        if getattr(a, "node_name", "") == "exit-handlers.onExit[0].notify"
    )
    text = notify.template.container.args[0]
    assert text.startswith(f"echo send e-mail: exit-handlers {status} 1.000000 [")
    if exit_code:
        assert '"displayName":"exit-handlers","message":"Error (exit code 1)"' in text
        assert (
            '"templateName":"intentional-fail","phase":"Failed","podName":"exit-handlers"' in text
        )
    else:
        assert text.endswith("[]")


def test_failing_exit_handler_fails_a_succeeded_workflow() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "onExit": "bye",
            "templates": [
                {"name": "main", "container": {"image": "x"}},
                {"name": "bye", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf, scripts={"bye": Script(exit_code=2)}).run()
    assert (sim.status.phase, sim.status.message) == ("Failed", "Error (exit code 2)")


@pytest.mark.parametrize("form", ["onExit", "hooks"])
def test_step_exit_hook_runs_after_the_step_and_before_the_next_group(form: str) -> None:
    step: dict = {"name": "a", "template": "c"}
    if form == "onExit":
        step["onExit"] = "cleanup"
    else:
        step["hooks"] = {"exit": {"template": "cleanup"}}
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[step], [{"name": "b", "template": "c"}]]},
                {"name": "c", "container": {"image": "x"}},
                {"name": "cleanup", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf, scripts={"a": Script(exit_code=1)}).run()
    assert sim.started_order() == ["wf[0].a", "wf[0].a.onExit"]
    a = sim.node("wf[0].a")
    assert sim.node("wf[0].a.onExit").id in a.children
    assert sim.status.phase == "Failed"


def _stoppable(shutdown: str) -> Simulator:
    wf = wf_of(
        {
            "entrypoint": "main",
            "onExit": "bye",
            "templates": [
                {
                    "name": "main",
                    "steps": [[{"name": "a", "template": "c"}], [{"name": "b", "template": "c"}]],
                },
                {"name": "c", "container": {"image": "x"}},
                {"name": "bye", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf, scripts={"a": Script(seconds=100)})
    sim.step()
    sim.now += timedelta(seconds=5)
    sim.wf = sim.wf.model_copy(
        update={"spec": sim.wf.spec.model_copy(update={"shutdown": shutdown})}
    )
    return sim.run()


@pytest.mark.parametrize(
    ("shutdown", "exit_ran"),
    [pytest.param("Stop", True, id="stop"), pytest.param("Terminate", False, id="terminate")],
)
def test_stop_runs_exit_handlers_terminate_does_not(shutdown: str, exit_ran: bool) -> None:
    sim = _stoppable(shutdown)
    message = f"Stopped with strategy '{shutdown}'"
    assert sim.status.phase == "Failed" and sim.status.message == message
    assert sim.node("wf[0].a").message == message
    assert [d.reason for d in deletes(sim)] == [message]
    assert "wf[1].b" not in sim.started_order()
    assert ("wf.onExit" in sim.started_order()) is exit_ran


def test_suspend_node_waits_for_resume_then_outputs_its_default() -> None:
    sim = Simulator(load(str(DATA / "suspend.yaml"))).run()
    assert sim.status.phase == "Running"
    assert sim.node("suspend[0].approve").phase == "Running"
    sim.now += timedelta(seconds=100)
    sim.wf = sim.wf.model_copy(
        update={"status": resume_workflow(sim.wf, sim.now, "displayName=approve")}
    )
    sim.run()
    assert sim.status.phase == "Succeeded"
    assert sim.node("suspend[0].approve").outputs.parameters[0].value == "yes"
    wait = sim.node("suspend[1].wait")
    assert (wait.finished_at - wait.started_at).total_seconds() == 20
    assert sim.decisions[-3].requeue_after == 20.0 or 20.0 in sim.requeues
    assert sim.started_order() == ["suspend[2].after"]


def test_resume_selector_leaves_other_nodes_alone() -> None:
    sim = Simulator(load(str(DATA / "suspend.yaml"))).run()
    status = resume_workflow(sim.wf, sim.now, "displayName=other")
    assert [n.phase for n in status.nodes.values() if n.type == "Suspend"] == ["Running"]


def test_spec_suspend_starts_no_new_pods_until_cleared() -> None:
    wf = load(str(DATA / "steps-hello.yaml"))
    wf = wf.model_copy(update={"spec": wf.spec.model_copy(update={"suspend": True})})
    sim = Simulator(wf)
    sim.run()
    assert sim.creates == 0 and sim.status.phase == "Running"
    sim.wf = sim.wf.model_copy(update={"spec": sim.wf.spec.model_copy(update={"suspend": None})})
    sim.run()
    assert sim.status.phase == "Succeeded" and sim.creates == 3


def test_a_delete_lost_in_a_crash_is_decided_again() -> None:
    sim = _stoppable("Stop")
    killed = deletes(sim)[0].pod_name
    # operate on the finished workflow as if that delete had never been applied
    observed = Observed(pods={killed: PodState(killed, "Running")})
    again = operate(sim.wf, observed, sim.now)
    assert [a.pod_name for a in again.actions if isinstance(a, DeletePod)] == [killed]


def test_daemon_step_serves_later_steps_and_is_stopped_at_the_end() -> None:
    sim = Simulator(
        load(str(DATA / "daemon-step.yaml")), scripts={"influx": Script(seconds=1000)}
    ).run()
    assert sim.status.phase == "Succeeded"
    assert sim.span("daemon-step[1].init-database")[0] == 0.0  # ran while the daemon was up
    assert sim.span("daemon-step[0].influx") == (0.0, 3.0)  # deleted when the steps ended
    influx = sim.node("daemon-step[0].influx")
    assert influx.phase == "Succeeded" and influx.pod_ip == "10.0.0.1"
    init = sim.node("daemon-step[1].init-database")
    assert init.inputs.parameters[0].value == "create db 10.0.0.1"
    assert [d.reason for d in deletes(sim)] == ["daemon no longer needed"]


def test_lifecycle_hooks_run_when_their_expression_holds() -> None:
    sim = Simulator(
        load(str(DATA / "lifecycle-hooks.yaml")), scripts={"step-1": Script(seconds=5)}
    ).run()
    assert sim.status.phase == "Succeeded"
    started = dict((n, t) for t, k, n in sim.events if k == "started")
    assert started["hooks.hooks.running"] == 0.0
    assert started["hooks[0].step-1.hooks.running"] == 0.0  # once step-1 was seen running
    assert started["hooks[0].step-1.hooks.success"] == 5.0
    assert started["hooks.onExit"] >= 6.0
    step = sim.node("hooks[0].step-1")
    assert sim.node("hooks[0].step-1.hooks.success").id in step.children
    assert sim.node("hooks.hooks.running").node_flag.hooked is True
