"""Hera, unchanged, against `wf server` over real HTTP on 127.0.0.1: workflows built
with Hera (script and container tasks, a DAG with a fan-out, parameters, an artifact
passed between tasks) are created and waited for with Hera's own WorkflowsService,
and a WorkflowTemplate and a CronWorkflow are created and submitted."""

import pytest
from hera.exceptions import BadRequest, Forbidden, NotFound, Unauthorized
from hera.workflows import (
    DAG,
    Artifact,
    Container,
    CronWorkflow,
    Parameter,
    Steps,
    Workflow,
    WorkflowsService,
    WorkflowTemplate,
    script,
)
from hera.workflows.models import (
    CronWorkflowResumeRequest,
    CronWorkflowSuspendRequest,
    SubmitOpts,
    WorkflowSubmitRequest,
)

from tests.integration.server.conftest import SCOPED, TOKEN, Served
from tests.support.polling import poll

NS = "argo"


@script(image="python:3.11", outputs=Artifact(name="numbers", path="/tmp/numbers.txt"))
def produce(count: int) -> None:
    with open("/tmp/numbers.txt", "w") as out:
        out.write(",".join(str(i) for i in range(count)))


@script(image="python:3.11")
def square(n: int) -> None:
    print(n * n)


def service(served: Served, token: str | None = TOKEN) -> WorkflowsService:
    return WorkflowsService(host=served.url, token=token, namespace=NS)


def node_by_display(wf: object, display: str) -> object:
    nodes = wf.status.nodes.values()  # type: ignore[attr-defined]
    return next(n for n in nodes if n.display_name == display)


def test_dag_with_fan_out_parameters_and_an_artifact(served: Served) -> None:
    with Workflow(
        generate_name="hera-dag-",
        entrypoint="main",
        namespace=NS,
        workflows_service=service(served),
        arguments=Parameter(name="count", value="4"),
    ) as w:
        consume = Container(
            name="consume",
            image="alpine",
            command=["sh", "-c"],
            args=["echo sum-of:$(cat /tmp/in.txt)"],
            inputs=Artifact(name="numbers", path="/tmp/in.txt"),
        )
        with DAG(name="main"):
            made = produce(arguments={"count": "{{workflow.parameters.count}}"})
            fan = square(with_items=[1, 2, 3], arguments={"n": "{{item}}"})
            used = consume(arguments=made.get_artifact("numbers"))
            made >> [fan, used]

    done = w.create(wait=True, poll_interval=2)
    assert w.name and w.name.startswith("hera-dag-")
    assert done.status.phase == "Succeeded", done.status.message
    assert node_by_display(done, "consume").outputs.result == "sum-of:0,1,2,3"
    squares = sorted(
        n.outputs.result
        for n in done.status.nodes.values()
        if n.display_name.startswith("square(") and n.type == "Pod"
    )
    assert squares == ["1", "4", "9"]


def test_steps_lint_and_list_by_label(served: Served) -> None:
    with Workflow(
        generate_name="hera-steps-",
        entrypoint="main",
        namespace=NS,
        workflows_service=service(served),
        labels={"team": "blue"},
    ) as w:
        hello = Container(name="hello", image="alpine", command=["echo", "hello"])
        with Steps(name="main"):
            hello()
    assert w.lint().metadata.generate_name == "hera-steps-"
    done = w.create(wait=True, poll_interval=2)
    assert done.status.phase == "Succeeded"
    listed = service(served).list_workflows(namespace=NS, label_selector="team=blue")
    assert [i.metadata.name for i in listed.items] == [w.name]
    assert service(served).list_workflows(namespace=NS, label_selector="team=red").items in (
        None,
        [],
    )


def test_workflow_template_created_updated_and_submitted(served: Served) -> None:
    svc = service(served)
    with WorkflowTemplate(
        name="greet",
        entrypoint="main",
        namespace=NS,
        workflows_service=svc,
        arguments=Parameter(name="who", value="nobody"),
    ) as wt:
        Container(
            name="main",
            image="alpine",
            command=["sh", "-c", "echo hello {{workflow.parameters.who}}"],
        )
    wt.create()
    assert wt.lint().metadata.name == "greet"
    wt.arguments = Parameter(name="who", value="everyone")
    wt.update()  # a GET, then a PUT with the resourceVersion it read
    assert wt.get().spec.arguments.parameters[0].value == "everyone"
    created = svc.submit_workflow(
        WorkflowSubmitRequest(
            resource_kind="WorkflowTemplate",
            resource_name="greet",
            submit_options=SubmitOpts(parameters=["who=hera"]),
        ),
        namespace=NS,
    )
    done = _finished(svc, created.metadata.name)
    assert done.status.phase == "Succeeded"
    assert node_by_display(done, created.metadata.name).outputs.result == "hello hera"


def test_cron_workflow_created_suspended_and_submitted(served: Served) -> None:
    svc = service(served)
    with CronWorkflow(
        name="nightly",
        schedules=["0 3 * * *"],
        entrypoint="main",
        namespace=NS,
        workflows_service=svc,
    ) as cw:
        Container(name="main", image="alpine", command=["echo", "from-cron"])
    cw.create()
    assert svc.get_cron_workflow("nightly", namespace=NS).spec.schedules == ["0 3 * * *"]
    suspended = svc.suspend_cron_workflow("nightly", CronWorkflowSuspendRequest(), namespace=NS)
    assert suspended.spec.suspend is True
    resumed = svc.resume_cron_workflow("nightly", CronWorkflowResumeRequest(), namespace=NS)
    assert resumed.spec.suspend is False
    created = svc.submit_workflow(
        WorkflowSubmitRequest(resource_kind="CronWorkflow", resource_name="nightly"),
        namespace=NS,
    )
    assert created.metadata.labels["workflows.argoproj.io/cron-workflow"] == "nightly"
    done = _finished(svc, created.metadata.name)
    assert done.status.phase == "Succeeded"
    assert node_by_display(done, created.metadata.name).outputs.result == "from-cron"


def test_errors_reach_hera_as_its_exceptions(served: Served) -> None:
    with pytest.raises(NotFound):
        service(served).get_workflow("missing", namespace=NS)
    with pytest.raises(Unauthorized):
        service(served, token="wrong").get_workflow("missing", namespace=NS)
    with pytest.raises(Unauthorized):
        service(served, token=None).list_workflows(namespace=NS)
    with pytest.raises(Forbidden):
        service(served, token=SCOPED).list_workflows(namespace=NS)
    with (
        pytest.raises(BadRequest, match="unknown template"),
        Workflow(
            generate_name="bad-",
            entrypoint="nowhere",
            namespace=NS,
            workflows_service=service(served),
        ) as w,
    ):
        Container(name="main", image="alpine", command=["true"])
        w.create()


def _finished(svc: WorkflowsService, name: str) -> object:
    def completed() -> object:
        wf = svc.get_workflow(name, namespace=NS)
        return wf if wf.status.phase in ("Succeeded", "Failed", "Error") else None

    return poll(completed, timeout=120, what=f"workflow {name} to finish", interval=0.2)
