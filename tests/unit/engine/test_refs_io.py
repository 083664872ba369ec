"""Template references, inputs and outputs, globals, and how observed pods become
node phases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from tests.unit.engine.conftest import DATA
from tests.unit.engine.simulator import START, Script, Simulator, load
from workflow_engine.engine import CreatePod, Observed, PodState, TaskResult, operate
from workflow_engine.spec.models import Outputs, Parameter, Workflow, WorkflowTemplate
from workflow_engine.spec.resolver import MappingResolver


def wf_of(spec: dict, name: str = "wf", **meta: object) -> Workflow:
    return Workflow.model_validate(
        {"metadata": {"name": name, "namespace": "default", **meta}, "spec": spec}
    )


def library() -> WorkflowTemplate:
    return WorkflowTemplate.model_validate(yaml.safe_load((DATA / "wftmpl.yaml").read_text()))


def commands(sim: Simulator) -> list[list[str]]:
    return [
        a.template.container.command
        for d in sim.decisions
        for a in d.actions
        if isinstance(a, CreatePod) and a.template.container is not None
    ]


def test_workflow_template_ref_merges_arguments_and_stores_the_spec() -> None:
    wf = wf_of(
        {
            "workflowTemplateRef": {"name": "lib"},
            "arguments": {"parameters": [{"name": "who", "value": "argo"}]},
        }
    )
    sim = Simulator(wf, resolver=MappingResolver([library()]))
    sim.step()
    assert sim.status.stored_workflow_template_spec["entrypoint"] == "greet"
    sim.resolver = None  # later calls need no resolver
    sim.run()
    assert sim.status.phase == "Succeeded"
    assert commands(sim) == [["echo", "hello argo"]]


def test_template_ref_is_stored_and_a_changed_template_does_not_change_the_run() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "who", "value": "x"}]},
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "call", "templateRef": {"name": "lib", "template": "greet"}}]
                    ],
                },
            ],
        }
    )
    sim = Simulator(wf, resolver=MappingResolver([library()]), scripts={"say": Script(seconds=5)})
    sim.step()
    sim.advance()
    changed = library().model_dump(by_alias=True)
    changed["spec"]["templates"][1]["container"]["command"] = ["false"]
    sim.resolver = MappingResolver([WorkflowTemplate.model_validate(changed)])
    sim.run()
    assert sim.status.phase == "Succeeded"
    assert set(sim.status.stored_templates) == {"namespaced/lib/greet", "namespaced/lib/say"}
    assert sim.node("wf[0].call").template_scope == "namespaced/lib"
    assert sim.node("wf[0].call").template_ref.template == "greet"
    assert commands(sim) == [["echo", "hello x"]]


@pytest.mark.parametrize(
    ("spec", "where", "message"),
    [
        pytest.param(
            {"workflowTemplateRef": {"name": "nope"}},
            "workflow",
            'workflowtemplates.argoproj.io "nope" not found',
            id="missing-workflow-template",
        ),
        pytest.param(
            {"entrypoint": "nope", "templates": [{"name": "x", "container": {"image": "x"}}]},
            "wf",
            "template nope not found",
            id="missing-entrypoint",
        ),
        pytest.param(
            {
                "entrypoint": "m",
                "templates": [
                    {
                        "name": "m",
                        "inputs": {"parameters": [{"name": "p"}]},
                        "container": {"image": "x"},
                    }
                ],
            },
            "wf",
            "inputs.parameters.p was not supplied",
            id="missing-input",
        ),
        pytest.param(
            {
                "entrypoint": "m",
                "templates": [
                    {
                        "name": "m",
                        "container": {"image": "x", "args": ["{{workflow.parameters.nope}}"]},
                    }
                ],
            },
            "wf",
            "nope",
            id="unresolved-variable",
        ),
        pytest.param(
            {
                "entrypoint": "m",
                "templates": [
                    {
                        "name": "m",
                        "steps": [
                            [{"name": "s", "templateRef": {"name": "lib", "template": "nope"}}]
                        ],
                    }
                ],
            },
            "wf[0].s",
            "template nope not found in workflow template lib",
            id="missing-ref-template",
        ),
    ],
)
def test_runtime_errors_end_in_error_with_a_clear_message(
    spec: dict, where: str, message: str
) -> None:
    sim = Simulator(wf_of(spec), resolver=MappingResolver([library()])).run()
    assert sim.status.phase in ("Error", "Failed")
    if where == "workflow":
        assert sim.status.message == message
    else:
        node = sim.node(where)
        assert node.phase == "Error" and message in node.message


def test_global_outputs_and_artifact_passing() -> None:
    sim = Simulator(
        load(str(DATA / "global-outputs.yaml")), scripts={"produce": Script(params={"p": "42"})}
    ).run()
    assert sim.status.phase == "Succeeded"
    assert sim.status.outputs.parameters == [Parameter(name="shared", value="42")]
    assert sim.node("globals").outputs.parameters[0].value == "42"
    consume = next(
        a
        for d in sim.decisions
        for a in d.actions
        if isinstance(a, CreatePod) and a.node_name == "globals.consume"
    )
    art = consume.template.inputs.artifacts[0]
    produce = sim.node("globals.produce")
    assert art.s3.key == f"globals/globals-produce-{produce.id.split('-')[-1]}/out.tgz"
    assert art.path == "/in/data"
    assert consume.template.container.command == ["cat", "/in/data", "42"]


def test_workflow_variables_in_scope() -> None:
    created = datetime(2023, 4, 5, 6, 7, 8, tzinfo=UTC)
    wf = wf_of(
        {
            "entrypoint": "m",
            "arguments": {"parameters": [{"name": "a", "value": "1"}]},
            "templates": [
                {
                    "name": "m",
                    "container": {
                        "image": "x",
                        "args": [
                            "{{workflow.name}} {{workflow.namespace}} {{workflow.uid}} "
                            "{{workflow.parameters.a}}",
                            "{{workflow.creationTimestamp}} {{workflow.creationTimestamp.Y}}-"
                            "{{workflow.creationTimestamp.m}} {{workflow.creationTimestamp.H}}",
                            "{{pod.name}} {{node.name}}",
                        ],
                    },
                },
            ],
        },
        uid="u-1",
        creationTimestamp=created.isoformat(),
    )
    sim = Simulator(wf).run()
    args = sim.decisions[0].actions[1].template.container.args
    assert args == ["wf default u-1 1", "2023-04-05T06:07:08Z 2023-04 06", "wf wf"]


def test_template_defaults_apply_under_the_templates_own_fields() -> None:
    wf = wf_of(
        {
            "entrypoint": "m",
            "templateDefaults": {"activeDeadlineSeconds": 7, "container": {"image": "default"}},
            "templates": [{"name": "m", "container": {"image": "mine", "command": ["x"]}}],
        }
    )
    create = next(a for a in operate(wf, Observed(), START).actions if isinstance(a, CreatePod))
    assert create.template.container.image == "mine"
    assert create.template.active_deadline_seconds == 7


def _one_pod(
    state: PodState | None, result: TaskResult | None = None, phase: str = "Pending"
) -> object:
    wf = wf_of(
        {
            "entrypoint": "m",
            "templates": [
                {"name": "m", "script": {"image": "x", "command": ["sh"], "source": "echo"}}
            ],
        }
    )
    first = operate(wf, Observed(), START)
    node = first.status.nodes["wf"]
    if phase == "Running":
        node = node.with_phase("Running", START)
    status = first.status.model_copy(update={"nodes": {"wf": node}})
    pods = {"wf": state} if state is not None else {}
    results = {"wf": result} if result is not None else {}
    return operate(
        wf.model_copy(update={"status": status}),
        Observed(pods=pods, results=results),
        START + timedelta(seconds=3),
    )


@pytest.mark.parametrize(
    ("state", "result", "before", "phase", "message"),
    [
        pytest.param(PodState("wf", "Pending"), None, "Pending", "Pending", None, id="pending"),
        pytest.param(PodState("wf", "Running"), None, "Pending", "Running", None, id="running"),
        pytest.param(
            PodState("wf", "Succeeded", 0),
            TaskResult("wf", Outputs(result="hi")),
            "Running",
            "Succeeded",
            None,
            id="succeeded",
        ),
        pytest.param(
            PodState("wf", "Succeeded", 0),
            TaskResult("wf", Outputs(), "could not save outputs", "Error"),
            "Running",
            "Error",
            "could not save outputs",
            id="executor-error",
        ),
        pytest.param(
            PodState("wf", "Failed", 3),
            None,
            "Running",
            "Failed",
            "Error (exit code 3)",
            id="failed",
        ),
        pytest.param(
            PodState("wf", "Failed", 137, "OOMKilled"),
            None,
            "Running",
            "Failed",
            "OOMKilled (exit code 137)",
            id="oom",
        ),
        pytest.param(None, None, "Running", "Error", "pod deleted", id="vanished-while-running"),
        pytest.param(None, None, "Pending", "Pending", None, id="not-yet-observed"),
    ],
)
def test_observed_pods_become_node_phases(
    state: PodState | None, result: TaskResult | None, before: str, phase: str, message: str | None
) -> None:
    decision = _one_pod(state, result, before)
    node = decision.status.nodes["wf"]
    assert (node.phase, node.message) == (phase, message)
    if phase == "Succeeded":
        assert node.outputs.result == "hi" and node.outputs.exit_code == "0"


def test_a_pending_node_without_its_pod_is_created_again() -> None:
    decision = _one_pod(None)
    creates = [a for a in decision.actions if isinstance(a, CreatePod)]
    assert [c.pod_name for c in creates] == ["wf"]


def test_labels_carry_phase_and_completion() -> None:
    wf = wf_of({"entrypoint": "m", "templates": [{"name": "m", "container": {"image": "x"}}]})
    sim = Simulator(wf).run()
    assert dict(sim.decisions[0].labels) == {
        "workflows.argoproj.io/phase": "Running",
        "workflows.argoproj.io/completed": "false",
    }
    assert dict(sim.decisions[-1].labels) == {
        "workflows.argoproj.io/phase": "Succeeded",
        "workflows.argoproj.io/completed": "true",
    }
    reasons = [
        a.reason
        for d in sim.decisions
        for a in d.actions
        if hasattr(a, "reason") and not hasattr(a, "pod_name")
    ]
    assert reasons == ["WorkflowRunning", "WorkflowNodeSucceeded", "WorkflowSucceeded"]


@pytest.mark.parametrize("side", ["heads", "tails"])
def test_expression_outputs_and_inline_expressions(side: str) -> None:
    sim = Simulator(
        load(str(DATA / "conditional-parameters.yaml")),
        scripts={
            "flip-coin": Script(stdout=side),
            "heads": Script(stdout="H"),
            "tails": Script(stdout="T"),
        },
    ).run()
    assert sim.status.phase == "Succeeded"
    root = sim.node("conditional-parameter")
    assert root.outputs.parameters[0].value == ("H" if side == "heads" else "T")
    shout = [c for c in commands(sim) if c and c[0] == "echo"]
    assert shout == [["echo", side.upper()]]


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("now()", "2024-01-01 00:00:01 +0000 UTC"),  # a time as Go prints it (was a TypeError)
        ("duration('90s')", "1m30s"),
        ("{'b': 1, 'a': [1, 2.5]}", '{"a":[1,2.5],"b":1}'),  # a map, keys sorted as in Go
        ("'plain'", "plain"),
    ],
)
def test_an_expression_output_of_any_type_becomes_text(expression: str, value: str) -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [[{"name": "a", "template": "c"}]],
                    "outputs": {
                        "parameters": [{"name": "o", "valueFrom": {"expression": expression}}]
                    },
                },
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf).run()
    assert sim.status.phase == "Succeeded", sim.node("wf").message
    assert sim.node("wf").outputs.parameters[0].value == value


def test_workflow_retry_strategy_applies_to_leaves_only() -> None:
    wf = wf_of(
        {
            "entrypoint": "main",
            "retryStrategy": {"limit": 1},
            "templates": [
                {"name": "main", "steps": [[{"name": "a", "template": "c"}]]},
                {"name": "c", "container": {"image": "x"}},
            ],
        }
    )
    sim = Simulator(wf, scripts={"c": Script(exit_code=1)}).run()
    assert sim.node("wf").type == "Steps"
    assert sim.node("wf[0].a").type == "Retry"
    assert sim.creates == 2


def test_cluster_template_ref_resolves_through_the_cluster_scope() -> None:
    from workflow_engine.spec.models import ClusterWorkflowTemplate

    data = library().model_dump(by_alias=True, exclude_none=True)
    data["kind"] = "ClusterWorkflowTemplate"
    cluster = ClusterWorkflowTemplate.model_validate(data)
    wf = wf_of(
        {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [
                            {
                                "name": "call",
                                "arguments": {"parameters": [{"name": "msg", "value": "hi"}]},
                                "templateRef": {
                                    "name": "lib",
                                    "template": "say",
                                    "clusterScope": True,
                                },
                            }
                        ]
                    ],
                },
            ],
        }
    )
    sim = Simulator(wf, resolver=MappingResolver([cluster])).run()
    assert sim.status.phase == "Succeeded"
    assert list(sim.status.stored_templates) == ["cluster/lib/say"]
    assert sim.node("wf[0].call").template_scope == "cluster/lib"
