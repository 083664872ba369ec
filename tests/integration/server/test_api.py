"""The REST API over real HTTP on 127.0.0.1 (no controller: objects are stored, not
run): every kind of bad input gets a 400 naming its field and stores nothing; 401 and
403 on every service; Argo's CRUD statuses; 1,000 stored workflows paged through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.server.conftest import SCOPED, TOKEN, Served

NS = "argo"


def hello(name: str = "", generate: str = "hello-") -> dict[str, Any]:
    meta = {"name": name} if name else {"generateName": generate}
    return {
        "metadata": meta,
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "alpine", "command": ["true"]}}],
        },
    }


def template(name: str = "tmpl") -> dict[str, Any]:
    return {**hello(name), "kind": "WorkflowTemplate"}


def cron(name: str = "nightly", schedule: str = "0 3 * * *") -> dict[str, Any]:
    return {
        "kind": "CronWorkflow",
        "metadata": {"name": name},
        "spec": {"schedules": [schedule], "workflowSpec": hello()["spec"]},
    }


def call(
    served: Served, method: str, path: str, token: str | None = TOKEN, **kw: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kw.pop("headers", {}))
    return httpx.request(method, served.url + path, headers=headers, timeout=60, **kw)


def stored(served: Served) -> int:
    return sum(
        len(served.store.list(kind, None).items)
        for kind in ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
    )


BAD_INPUT = [
    pytest.param(
        "POST",
        "/api/v1/workflows/argo",
        {"content": b"{nope", "headers": {"Content-Type": "application/json"}},
        "not valid JSON",
        id="malformed-json",
    ),
    pytest.param(
        "POST", "/api/v1/workflows/argo", {"json": {}}, "workflow: Field required", id="no-workflow"
    ),
    pytest.param(
        "POST",
        "/api/v1/workflows/argo",
        {"json": {"workflow": []}},
        "workflow",
        id="workflow-not-object",
    ),
    pytest.param(
        "POST",
        "/api/v1/workflows/argo",
        {"json": {"workflow": {**hello(), "spec": {"entrypoint": "x", "templates": []}}}},
        "spec.entrypoint",
        id="lint-error",
    ),
    pytest.param(
        "POST",
        "/api/v1/workflows/argo",
        {"json": {"workflow": {**hello(), "kind": "Pod"}}},
        "workflow.kind",
        id="wrong-kind",
    ),
    pytest.param(
        "POST",
        "/api/v1/workflows/argo",
        {"json": {"workflow": {**hello(), "metadata": "x"}}},
        "workflow.metadata",
        id="metadata-not-object",
    ),
    pytest.param(
        "POST",
        "/api/v1/workflow-templates/argo",
        {"json": {"template": {**template(), "spec": {"templates": "x"}}}},
        "spec.templates",
        id="template-lint",
    ),
    pytest.param(
        "POST",
        "/api/v1/cron-workflows/argo",
        {"json": {"cronWorkflow": cron(schedule="every day")}},
        "spec.schedules",
        id="cron-schedule",
    ),
    pytest.param(
        "POST",
        "/api/v1/workflows/argo/submit",
        {"json": {"resourceKind": "Pod", "resourceName": "x"}},
        "resourceKind",
        id="submit-kind",
    ),
    pytest.param(
        "POST",
        "/api/v1/workflows/argo/submit",
        {
            "json": {
                "resourceKind": "WorkflowTemplate",
                "resourceName": "x",
                "submitOptions": {"parameters": ["novalue"]},
            }
        },
        r"submitOptions.parameters[0]",
        id="submit-parameter",
    ),
    pytest.param(
        "GET",
        "/api/v1/workflows/argo?listOptions.labelSelector=a%20in%20b",
        {},
        "labelSelector",
        id="selector",
    ),
    pytest.param(
        "GET",
        "/api/v1/workflows/argo?listOptions.limit=-1",
        {},
        "listOptions.limit",
        id="negative-limit",
    ),
    pytest.param(
        "GET",
        "/api/v1/workflows/argo?listOptions.limit=x",
        {},
        "listOptions.limit",
        id="limit-not-int",
    ),
    pytest.param(
        "GET",
        "/api/v1/workflows/argo?listOptions.continue=zz",
        {},
        "listOptions.continue",
        id="bad-continue",
    ),
    pytest.param("GET", "/api/v1/workflows/argo/w/log?grep=(", {}, "grep", id="bad-grep"),
]


@pytest.mark.parametrize(("method", "path", "kw", "message"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field(
    quiet: Served, method: str, path: str, kw: dict[str, Any], message: str
) -> None:
    if path.endswith("/log?grep=("):
        quiet.store.create(
            {
                **hello("w"),
                "apiVersion": "v1",
                "kind": "Workflow",
                "metadata": {"name": "w", "namespace": NS},
            }
        )
    before = stored(quiet)
    r = call(quiet, method, path, **kw)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == 3 and message in body["message"]
    assert stored(quiet) == before


ENDPOINTS = [
    ("GET", "/api/v1/workflows/{ns}"),
    ("GET", "/api/v1/workflows/{ns}/x"),
    ("POST", "/api/v1/workflows/{ns}"),
    ("GET", "/api/v1/workflow-templates/{ns}"),
    ("GET", "/api/v1/cron-workflows/{ns}"),
    ("GET", "/api/v1/workflow-event-bindings/{ns}"),
    ("PUT", "/api/v1/workflows/{ns}/x/stop"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="no-header"),
        pytest.param("", id="empty-header"),
        pytest.param("Bearer wrong", id="wrong-token"),
    ],
)
def test_unauthenticated_requests_get_401(
    quiet: Served, method: str, path: str, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    r = httpx.request(method, quiet.url + path.format(ns=NS), headers=headers, json={})
    assert r.status_code == 401
    assert r.json()["code"] == 16


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_scoped_token_cannot_reach_another_namespace(
    quiet: Served, method: str, path: str
) -> None:
    r = call(quiet, method, path.format(ns="team-b"), token=SCOPED, json={})
    assert r.status_code == 403
    assert r.json()["code"] == 7


def test_a_scoped_token_works_in_its_namespace_and_reads_cluster_templates(quiet: Served) -> None:
    r = call(quiet, "POST", "/api/v1/workflows/team-a", token=SCOPED, json={"workflow": hello()})
    assert r.status_code == 200, r.text
    assert r.json()["metadata"]["namespace"] == "team-a"
    assert call(quiet, "GET", "/api/v1/cluster-workflow-templates", token=SCOPED).status_code == 200
    body = {"template": {**template("shared"), "kind": "ClusterWorkflowTemplate"}}
    assert (
        call(
            quiet, "POST", "/api/v1/cluster-workflow-templates", token=SCOPED, json=body
        ).status_code
        == 403
    )
    r = call(quiet, "POST", "/api/v1/cluster-workflow-templates", json=body)
    assert r.status_code == 200 and "namespace" not in r.json()["metadata"]


def test_userinfo_names_the_token_and_its_namespaces(quiet: Served) -> None:
    r = call(quiet, "GET", "/api/v1/userinfo", token=SCOPED)
    assert r.json()["groups"] == ["team-a"]
    version = call(quiet, "GET", "/api/v1/version").json()
    assert set(version) == {
        "version",
        "buildDate",
        "gitCommit",
        "gitTag",
        "gitTreeState",
        "goVersion",
        "compiler",
        "platform",
    }


def test_template_crud_statuses(quiet: Served) -> None:
    base = "/api/v1/workflow-templates/argo"
    created = call(quiet, "POST", base, json={"template": template()})
    assert created.status_code == 200
    assert call(quiet, "POST", base, json={"template": template()}).status_code == 409
    assert call(quiet, "GET", f"{base}/missing").status_code == 404
    current = call(quiet, "GET", f"{base}/tmpl").json()
    stale = {**current, "metadata": {**current["metadata"], "resourceVersion": "1"}}
    call(quiet, "PUT", f"{base}/tmpl", json={"template": current})  # moves the version on
    assert call(quiet, "PUT", f"{base}/tmpl", json={"template": stale}).status_code == 409
    assert [i["metadata"]["name"] for i in call(quiet, "GET", base).json()["items"]] == ["tmpl"]
    assert call(quiet, "DELETE", f"{base}/tmpl").json() == {}
    assert call(quiet, "GET", f"{base}/tmpl").status_code == 404
    assert call(quiet, "DELETE", f"{base}/tmpl").status_code == 404


def test_created_workflows_carry_what_hera_reads(quiet: Served) -> None:
    obj = call(quiet, "POST", "/api/v1/workflows/argo", json={"workflow": hello()}).json()
    meta = obj["metadata"]
    assert meta["name"].startswith("hello-") and meta["namespace"] == NS
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"].endswith("Z")
    got = call(quiet, "GET", f"/api/v1/workflows/argo/{meta['name']}").json()
    # no controller has looked at it yet; Hera's wait() polls only while Running
    assert got["status"]["phase"] == "Running"
    dry = call(
        quiet,
        "POST",
        "/api/v1/workflows/argo",
        json={"workflow": hello("dry"), "serverDryRun": True},
    )
    assert dry.status_code == 200
    assert call(quiet, "GET", "/api/v1/workflows/argo/dry").status_code == 404


def test_a_thousand_workflows_are_paged_through(quiet: Served) -> None:
    for index in range(1000):
        doc = hello(f"wf-{index:04}")
        quiet.store.create(
            {
                **doc,
                "apiVersion": "v1",
                "kind": "Workflow",
                "metadata": {**doc["metadata"], "namespace": NS},
            }
        )
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        query = (
            "listOptions.limit=150&fields=metadata.continue,items.metadata.name"
            f"&listOptions.continue={token}"
        )
        body = call(quiet, "GET", f"/api/v1/workflows/argo?{query}").json()
        seen += [item["metadata"]["name"] for item in body["items"]]
        assert set(body["items"][0]) == {"metadata"}
        pages += 1
        token = body["metadata"].get("continue", "")
        if not token:
            break
    assert pages == 7
    assert len(seen) == len(set(seen)) == 1000


def test_an_over_size_body_is_413_anywhere(quiet: Served) -> None:
    big = {"workflow": {**hello(), "padding": "x" * (9 * 1024 * 1024)}}
    r = call(quiet, "POST", "/api/v1/workflows/argo", json=big)
    assert (r.status_code, r.json()["code"]) == (413, 8)

    def chunks() -> Iterator[bytes]:
        yield b'{"workflow": {"padding": "'
        for _ in range(2200):
            yield b"x" * 4096
        yield b'"}}'

    headers = {"Content-Type": "application/json"}
    r = call(quiet, "POST", "/api/v1/workflows/argo", content=chunks(), headers=headers)
    assert r.status_code == 413
    assert stored(quiet) == 0
