"""The lifecycle verbs and logs over real HTTP, with a real embedded controller
running what the server stores: resume at a suspend step, terminate, stop, retry,
resubmit, delete; logs as Argo's newline-delimited `{"result": ...}` stream."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration.server.conftest import TOKEN, Served
from tests.support.polling import poll

NS = "argo"
DONE = ("Succeeded", "Failed", "Error")


def steps(*commands: list[str], suspend: bool = False) -> dict[str, Any]:
    templates: list[dict[str, Any]] = [
        {"name": f"t{i}", "container": {"image": "alpine", "command": c}}
        for i, c in enumerate(commands)
    ]
    groups = [[{"name": f"s{i}", "template": f"t{i}"}] for i in range(len(commands))]
    if suspend:
        templates.append({"name": "approve", "suspend": {}})
        groups.insert(1, [{"name": "approve", "template": "approve"}])
    templates.append({"name": "main", "steps": groups})
    return {
        "metadata": {"generateName": "life-"},
        "spec": {"entrypoint": "main", "templates": templates},
    }


class Api:
    def __init__(self, served: Served) -> None:
        self.collection = f"{served.url}/api/v1/workflows/{NS}"
        self.http = httpx.Client(
            base_url=f"{served.url}/api/v1/workflows/{NS}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=60,
        )

    def create(self, doc: dict[str, Any]) -> str:
        r = self.http.post(self.collection, json={"workflow": doc})
        assert r.status_code == 200, r.text
        return str(r.json()["metadata"]["name"])

    def get(self, name: str) -> dict[str, Any]:
        return dict(self.http.get(f"/{name}").json())

    def put(self, name: str, verb: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.put(f"/{name}/{verb}", json=body or {})

    def until(self, name: str, check: Any, what: str) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            obj = self.get(name)
            return obj if check(obj) else None

        return dict(poll(probe, timeout=120, what=what, interval=0.1))

    def finished(self, name: str) -> dict[str, Any]:
        return self.until(name, lambda o: o["status"]["phase"] in DONE, f"{name} to finish")


@pytest.fixture
def api(served: Served) -> Api:
    return Api(served)


def running_node(display: str, node_type: str = "Pod") -> Any:
    def check(obj: dict[str, Any]) -> bool:
        nodes = (obj.get("status") or {}).get("nodes") or {}
        return any(
            n["displayName"] == display and n["type"] == node_type and n["phase"] == "Running"
            for n in nodes.values()
        )

    return check


def test_resume_lets_a_suspended_workflow_finish(api: Api) -> None:
    name = api.create(steps(["echo", "a"], ["echo", "b"], suspend=True))
    api.until(name, running_node("approve", "Suspend"), "the approve step")
    r = api.put(name, "resume", {"nodeFieldSelector": "displayName=approve"})
    assert r.status_code == 200, r.text
    assert api.finished(name)["status"]["phase"] == "Succeeded"
    assert api.put(name, "resume").status_code == 400  # already Succeeded


@pytest.mark.parametrize("verb", ["terminate", "stop"])
def test_terminate_and_stop_end_a_running_workflow(api: Api, verb: str) -> None:
    name = api.create(steps(["sleep", "600"]))
    api.until(name, running_node("s0"), "the sleeping step")
    r = api.put(name, verb)
    assert r.status_code == 200, r.text
    assert r.json()["spec"]["shutdown"] == verb.capitalize()
    assert api.finished(name)["status"]["phase"] == "Failed"


def test_retry_and_resubmit_a_failed_workflow(api: Api) -> None:
    name = api.create(steps(["sh", "-c", "exit 3"]))
    assert api.finished(name)["status"]["phase"] == "Failed"
    r = api.put(name, "retry", {"restartSuccessful": False})
    assert r.status_code == 200, r.text
    assert api.finished(name)["status"]["phase"] == "Failed"  # fails again, but ran again
    r = api.put(name, "resubmit", {"memoized": False})
    assert r.status_code == 200, r.text
    new = r.json()["metadata"]["name"]
    assert new != name and new.startswith(f"{name}-")
    assert api.finished(new)["status"]["phase"] == "Failed"
    assert api.http.delete(f"/{name}").json() == {}
    assert api.http.get(f"/{name}").status_code == 404


def approval(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "approve", "template": "approve"}],
                        [
                            {
                                "name": "report",
                                "template": "report",
                                "arguments": {
                                    "parameters": [
                                        {
                                            "name": "answer",
                                            "value": "{{steps.approve.outputs.parameters.answer}}",
                                        }
                                    ]
                                },
                            }
                        ],
                    ],
                },
                {
                    "name": "approve",
                    "suspend": {},
                    "outputs": {"parameters": [{"name": "answer", "valueFrom": {"supplied": {}}}]},
                },
                {
                    "name": "report",
                    "inputs": {"parameters": [{"name": "answer"}]},
                    "container": {
                        "image": "alpine",
                        "command": ["echo", "answer={{inputs.parameters.answer}}"],
                    },
                },
            ],
        },
    }


def test_set_supplies_a_suspend_nodes_output_then_resume_uses_it(api: Api) -> None:
    name = api.create(approval("approval-yes"))
    api.until(name, running_node("approve", "Suspend"), "the approve step")
    r = api.put(
        name,
        "set",
        {"nodeFieldSelector": "displayName=approve", "outputParameters": '{"answer": "YES"}'},
    )
    assert r.status_code == 200, r.text
    assert running_node("approve", "Suspend")(r.json())  # supplied, not yet resumed
    api.put(name, "resume", {"nodeFieldSelector": "displayName=approve"})
    done = api.finished(name)
    assert done["status"]["phase"] == "Succeeded"
    results = {n["displayName"]: n.get("outputs", {}) for n in done["status"]["nodes"].values()}
    assert results["report"]["result"] == "answer=YES"


def test_set_can_fail_a_suspend_node(api: Api) -> None:
    name = api.create(approval("approval-no"))
    api.until(name, running_node("approve", "Suspend"), "the approve step")
    body = {"nodeFieldSelector": "displayName=approve", "phase": "Failed", "message": "rejected"}
    assert api.put(name, "set", body).status_code == 200
    done = api.finished(name)
    assert done["status"]["phase"] == "Failed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"nodeFieldSelector": "displayName=nope"}, "nodeFieldSelector", id="no-node"),
        pytest.param(
            {"nodeFieldSelector": "displayName=approve", "outputParameters": "[1]"},
            "outputParameters",
            id="not-an-object",
        ),
        pytest.param(
            {"nodeFieldSelector": "displayName=approve", "outputParameters": '{"x": "1"}'},
            "outputParameters",
            id="undeclared",
        ),
        pytest.param(
            {"nodeFieldSelector": "displayName=approve", "phase": "Running"}, "phase", id="phase"
        ),
        pytest.param({"nodeFieldSelector": "bogus"}, "selector", id="bad-selector"),
    ],
)
def test_bad_set_requests_are_400(api: Api, body: dict[str, Any], field: str) -> None:
    name = api.create(approval("approval-bad"))
    api.until(name, running_node("approve", "Suspend"), "the approve step")
    r = api.put(name, "set", body)
    assert r.status_code == 400, r.text
    assert field in r.json()["message"]


@pytest.mark.parametrize("follow", ["False", "True"])  # as Hera's sync client sends them
def test_logs_are_newline_delimited_json_results(api: Api, follow: str) -> None:
    name = api.create(steps(["sh", "-c", "echo one; echo two"], ["echo", "three"]))
    if follow == "False":
        api.finished(name)
    r = api.http.get(
        f"/{name}/log", params={"logOptions.container": "main", "logOptions.follow": follow}
    )
    assert r.status_code == 200
    entries = [json.loads(line)["result"] for line in r.text.splitlines()]
    by_pod: dict[str, list[str]] = {}
    for e in entries:
        by_pod.setdefault(e["podName"], []).append(e["content"])
    # followed, pods stream side by side as Argo's do: only each pod's own order is kept
    assert sorted(by_pod.values()) == [["one", "two"], ["three"]]
    if follow == "False":
        assert [e["content"] for e in entries] == ["one", "two", "three"]
    [pod] = [name for name, lines in by_pod.items() if lines == ["one", "two"]]
    only = api.http.get(f"/{name}/log", params={"podName": pod}).text.splitlines()
    assert [json.loads(line)["result"]["content"] for line in only] == ["one", "two"]
    grep = api.http.get(f"/{name}/{pod}/log", params={"grep": "tw"}).text.splitlines()
    assert [json.loads(line)["result"]["content"] for line in grep] == ["two"]


def checked(value: str) -> dict[str, Any]:
    doc = steps(
        ["sh", "-c", "echo v={{workflow.parameters.v}}; test {{workflow.parameters.v}} = ok"]
    )
    doc["spec"]["arguments"] = {"parameters": [{"name": "v", "value": value}]}
    return doc


@pytest.mark.parametrize("verb", ["retry", "resubmit"])
def test_retry_and_resubmit_take_new_parameters(api: Api, verb: str) -> None:
    name = api.create(checked("bad"))
    assert api.finished(name)["status"]["phase"] == "Failed"
    r = api.put(name, verb, {"parameters": ["v=ok"]})
    assert r.status_code == 200, r.text
    target = r.json()["metadata"]["name"]
    assert (target == name) == (verb == "retry")
    done = api.finished(target)
    assert done["status"]["phase"] == "Succeeded"
    assert done["spec"]["arguments"]["parameters"] == [{"name": "v", "value": "ok"}]


def test_retry_refuses_an_unknown_parameter(api: Api) -> None:
    name = api.create(checked("bad"))
    api.finished(name)
    r = api.put(name, "retry", {"parameters": ["nope=1"]})
    assert r.status_code == 400
    assert "nope" in r.json()["message"]


def test_a_refused_retry_leaves_the_parameters_as_they_were(api: Api) -> None:
    name = api.create(checked("ok"))
    assert api.finished(name)["status"]["phase"] == "Succeeded"
    r = api.put(name, "retry", {"parameters": ["v=changed"]})
    assert r.status_code == 400  # only failed workflows are retried
    assert api.get(name)["spec"]["arguments"]["parameters"] == [{"name": "v", "value": "ok"}]
