"""HTTP templates in the pure core: the node asks the controller for the substituted
request, then ends by the response: `outputs.result` is the body, success is 2xx or
the `successCondition` over `response.statusCode/body/headers`. Argo's behaviour:
docs/http-template.md of argoproj/argo-workflows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from workflow_engine.engine import Observed, operate
from workflow_engine.engine.http_io import HTTPHeaderValue, HTTPRequest, HTTPResponse
from workflow_engine.spec.models import Workflow

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def workflow(**http: Any) -> Workflow:
    block = {
        "url": "http://127.0.0.1:9/{{inputs.parameters.path}}",
        "method": "post",
        "body": "hello {{inputs.parameters.path}}",
        "headers": [
            {"name": "X-Plain", "value": "v-{{inputs.parameters.path}}"},
            {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        ],
        **http,
    }
    template = {
        "name": "call",
        "inputs": {"parameters": [{"name": "path", "value": "items"}]},
        "http": block,
    }
    spec = {"entrypoint": "call", "templates": [template]}
    return Workflow.model_validate({"metadata": {"name": "wf"}, "spec": spec})


def test_the_request_is_an_action_with_everything_substituted() -> None:
    decision = operate(workflow(timeoutSeconds=5), Observed(), NOW)
    [node] = decision.status.nodes.values()
    assert (node.type, node.phase) == ("HTTP", "Running")
    [request] = [a for a in decision.actions if isinstance(a, HTTPRequest)]
    assert request == HTTPRequest(
        node_id=node.id,
        method="POST",
        url="http://127.0.0.1:9/items",
        headers=(
            HTTPHeaderValue("X-Plain", "v-items"),
            HTTPHeaderValue("Authorization", None, ("s", "k")),
        ),
        body=b"hello items",
        timeout_seconds=5.0,
    )


@pytest.mark.parametrize(
    "condition,response,phase,message",
    [
        pytest.param(None, HTTPResponse(200, "ok"), "Succeeded", None, id="2xx"),
        pytest.param(
            None,
            HTTPResponse(404, "nope"),
            "Failed",
            "received non-2xx response code: 404",
            id="404",
        ),
        pytest.param(
            "response.statusCode == 404 && response.body contains 'nope'",
            HTTPResponse(404, "nope"),
            "Succeeded",
            None,
            id="condition-true",
        ),
        pytest.param(
            "response.headers['X-Ok'][0] == 'yes'",
            HTTPResponse(200, "ok", {"X-Ok": ["no"]}),
            "Failed",
            "successCondition 'response.headers['X-Ok'][0] == 'yes'' evaluated false",
            id="condition-on-headers-false",
        ),
        pytest.param(
            None,
            HTTPResponse(error="POST http://127.0.0.1:9/items: timed out"),
            "Failed",
            "POST http://127.0.0.1:9/items: timed out",
            id="no-response",
        ),
    ],
)
def test_the_response_ends_the_node(
    condition: str | None, response: HTTPResponse, phase: str, message: str | None
) -> None:
    extra = {"successCondition": condition} if condition else {}
    wf = workflow(**extra)
    first = operate(wf, Observed(), NOW)
    [node] = first.status.nodes.values()
    wf = wf.model_copy(update={"status": first.status})
    decision = operate(wf, Observed(http={node.id: response}), NOW)
    node = decision.status.nodes[node.id]
    assert (node.phase, node.message) == (phase, message)
    assert not [a for a in decision.actions if isinstance(a, HTTPRequest)]
    if response.error is None:
        assert node.outputs is not None and node.outputs.result == response.body


def test_a_secret_header_without_a_key_errors_the_node() -> None:
    bad = [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s"}}}]
    decision = operate(workflow(headers=bad), Observed(), NOW)
    assert decision.status.phase == "Error"
    [node] = decision.status.nodes.values()
    assert "secretKeyRef needs a name and a key" in (node.message or "")


def test_a_terminated_workflow_does_not_wait_for_the_answer() -> None:
    wf = workflow()
    first = operate(wf, Observed(), NOW)
    [node] = first.status.nodes.values()
    spec = wf.spec.model_copy(update={"shutdown": "Terminate"})
    wf = wf.model_copy(update={"spec": spec, "status": first.status})
    decision = operate(wf, Observed(), NOW)
    assert decision.status.nodes[node.id].phase == "Failed"
    assert decision.status.phase == "Failed"
    assert not [a for a in decision.actions if isinstance(a, HTTPRequest)]
