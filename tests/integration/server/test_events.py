"""The events webhook over real HTTP on 127.0.0.1: a push event runs the example
binding's template with the commit SHA; refused requests create nothing; a repeated
delivery id creates one workflow; 1,000 events from 10 concurrent clients create
exactly 1,000 workflows."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.controller.conftest import Embedded
from tests.integration.server.conftest import (
    GITLAB_TOKEN,
    HOOK_SECRET,
    SCOPED,
    TOKEN,
    Served,
    make_context,
)
from tests.support.polling import poll
from workflow_engine.controller import embedded as embedded_mode
from workflow_engine.server import BackgroundServer

EXAMPLES = Path(__file__).parents[3] / "examples" / "events"
NS = "ci"
SHA = "9f1c2b7e0d4a5c6b8e7f9a0b1c2d3e4f5a6b7c8d"


def push_payload(ref: str = "refs/heads/main") -> dict[str, Any]:
    return {
        "ref": ref,
        "after": SHA,
        "repository": {"name": "shop", "full_name": "acme/shop"},
    }


def signed(body: bytes, secret: bytes = HOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def github_headers(body: bytes, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-Hub-Signature-256": signed(body),
        **extra,
    }


def install_example(served: Served) -> None:
    auth = served.headers()
    template = yaml.safe_load((EXAMPLES / "build-and-test.yaml").read_text())
    binding = yaml.safe_load((EXAMPLES / "push-binding.yaml").read_text())
    url = served.url
    r = httpx.post(
        f"{url}/api/v1/workflow-templates/{NS}", json={"template": template}, headers=auth
    )
    assert r.status_code == 200, r.text
    r = httpx.post(
        f"{url}/api/v1/workflow-event-bindings/{NS}", json={"binding": binding}, headers=auth
    )
    assert r.status_code == 200, r.text


def workflows(served: Served) -> list[dict[str, Any]]:
    return served.store.list("Workflow", NS).items


def test_push_event_runs_build_and_test_with_the_commit_sha(served: Served) -> None:
    install_example(served)
    body = json.dumps(push_payload()).encode()
    r = httpx.post(
        f"{served.url}/api/v1/events/{NS}/github", content=body, headers=github_headers(body)
    )
    assert (r.status_code, r.json()) == (200, {})
    [wf] = workflows(served)
    assert wf["metadata"]["name"].startswith("build-shop-")
    assert wf["metadata"]["labels"]["workflows.argoproj.io/workflow-event-binding"] == "github-push"
    assert wf["metadata"]["labels"]["repository"] == "shop"
    params = {p["name"]: p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    assert params == {"revision": SHA, "repository": "acme/shop"}

    def finished() -> dict[str, Any] | None:
        r = httpx.get(
            f"{served.url}/api/v1/workflows/{NS}/{wf['metadata']['name']}", headers=served.headers()
        )
        obj = r.json()
        return obj if obj["status"]["phase"] in ("Succeeded", "Failed", "Error") else None

    done = poll(finished, timeout=120, what="the build-and-test workflow", interval=0.2)
    assert done["status"]["phase"] == "Succeeded"
    outputs = {
        n["displayName"]: n.get("outputs", {}).get("result")
        for n in done["status"]["nodes"].values()
    }
    assert outputs["build"] == f"building acme/shop at {SHA}"
    assert outputs["test"] == f"testing {SHA}: ok"


BIG = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
REFUSALS = [
    pytest.param({"Authorization": "Bearer wrong"}, b"{}", 401, id="wrong-token"),
    pytest.param({}, b"{}", 401, id="no-credentials"),
    pytest.param(
        {"Authorization": f"Bearer {SCOPED}"}, b"{}", 403, id="token-of-another-namespace"
    ),
    pytest.param({"X-Hub-Signature-256": signed(b"{}", b"other")}, b"{}", 403, id="bad-signature"),
    pytest.param(
        {"X-Hub-Signature-256": signed(b"{}")}, b"{ }", 403, id="signature-of-another-body"
    ),
    pytest.param({"X-Gitlab-Token": "nope"}, b"{}", 403, id="wrong-gitlab-token"),
    pytest.param({"Authorization": f"Bearer {TOKEN}"}, b"{not json", 400, id="malformed-json"),
    pytest.param({"Authorization": f"Bearer {TOKEN}"}, b"", 400, id="empty-body"),
    pytest.param({"Authorization": f"Bearer {TOKEN}"}, BIG, 413, id="over-size"),
]


@pytest.mark.parametrize(("headers", "body", "status"), REFUSALS)
def test_refused_events_create_nothing(
    quiet: Served, headers: dict[str, str], body: bytes, status: int
) -> None:
    install_example(quiet)
    headers = {"X-GitHub-Event": "push", "Content-Type": "application/json", **headers}
    r = httpx.post(f"{quiet.url}/api/v1/events/{NS}/github", content=body, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["message"]
    assert workflows(quiet) == []


def test_over_size_chunked_body_is_refused(quiet: Served) -> None:
    install_example(quiet)

    def chunks() -> Any:
        yield b'{"pad": "'
        for _ in range(300):
            yield b"x" * 4096
        yield b'"}'

    r = httpx.post(
        f"{quiet.url}/api/v1/events/{NS}/github", content=chunks(), headers=quiet.headers()
    )
    assert r.status_code == 413
    assert workflows(quiet) == []


@pytest.mark.parametrize(
    ("discriminator", "event", "ref"),
    [
        pytest.param("gitlab", "push", "refs/heads/main", id="other-discriminator"),
        pytest.param("github", "ping", "refs/heads/main", id="other-event"),
        pytest.param("github", "push", "refs/heads/dev", id="other-branch"),
    ],
)
def test_an_event_no_binding_selects_creates_nothing(
    quiet: Served, discriminator: str, event: str, ref: str
) -> None:
    install_example(quiet)
    body = json.dumps(push_payload(ref)).encode()
    headers = github_headers(body, **{"X-GitHub-Event": event})
    r = httpx.post(f"{quiet.url}/api/v1/events/{NS}/{discriminator}", content=body, headers=headers)
    assert (r.status_code, r.json()) == (200, {})
    assert workflows(quiet) == []


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({"Authorization": f"Bearer {TOKEN}"}, id="bearer-token"),
        pytest.param({"X-Gitlab-Token": GITLAB_TOKEN.decode()}, id="gitlab-token"),
    ],
)
def test_other_credentials_are_accepted(quiet: Served, credentials: dict[str, str]) -> None:
    install_example(quiet)
    body = json.dumps(push_payload()).encode()
    headers = {"X-GitHub-Event": "push", "Content-Type": "application/json", **credentials}
    r = httpx.post(f"{quiet.url}/api/v1/events/{NS}/github", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert len(workflows(quiet)) == 1


def test_a_repeated_delivery_id_creates_one_workflow(quiet: Served) -> None:
    install_example(quiet)
    body = json.dumps(push_payload()).encode()
    headers = github_headers(body, **{"X-GitHub-Delivery": str(uuid.uuid4())})
    for _ in range(3):
        r = httpx.post(f"{quiet.url}/api/v1/events/{NS}/github", content=body, headers=headers)
        assert r.status_code == 200
    assert len(workflows(quiet)) == 1
    other = {**headers, "X-GitHub-Delivery": str(uuid.uuid4())}
    httpx.post(f"{quiet.url}/api/v1/events/{NS}/github", content=body, headers=other)
    assert len(workflows(quiet)) == 2


def test_a_thousand_events_from_ten_clients_make_a_thousand_workflows(quiet: Served) -> None:
    install_example(quiet)
    body = json.dumps(push_payload()).encode()
    statuses: list[int] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        with httpx.Client(base_url=quiet.url, timeout=60) as http:
            for n in range(100):
                delivery = f"client-{index}-{n}"
                headers = github_headers(body, **{"X-GitHub-Delivery": delivery})
                r = http.post(f"/api/v1/events/{NS}/github", content=body, headers=headers)
                with lock:
                    statuses.append(r.status_code)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1000
    names = {w["metadata"]["name"] for w in workflows(quiet)}
    assert len(names) == 1000


def test_without_auth_any_request_is_accepted_but_a_wrong_signature_is_not(
    state: Embedded,
) -> None:
    store = embedded_mode.open_store(state.paths)
    server = BackgroundServer(make_context(state, store, auth=None)).start()
    try:
        served = Served(server.url, store, state)
        install_example(served)
        body = json.dumps(push_payload()).encode()
        url = f"{server.url}/api/v1/events/{NS}/github"
        plain = {"X-GitHub-Event": "push", "Content-Type": "application/json"}
        assert httpx.post(url, content=body, headers=plain).status_code == 200
        stray = {**plain, "Authorization": "Bearer whatever"}
        assert httpx.post(url, content=body, headers=stray).status_code == 200
        forged = {**plain, "X-Hub-Signature-256": signed(body, b"other")}
        assert httpx.post(url, content=body, headers=forged).status_code == 403
        assert len(workflows(served)) == 2
    finally:
        server.stop()
        store.close()
