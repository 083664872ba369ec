"""The Kubernetes store's pure parts: error mapping, REST paths, selectors, the rate
limiter (on a manual clock), store URLs, status.duration and `wf convert`.
Nothing here talks to a cluster (tests/cluster and tests/contract do)."""

from __future__ import annotations

import json

import pytest
import yaml

from workflow_engine.errors import (
    AlreadyExists,
    Conflict,
    Expired,
    NotFound,
    PermanentError,
    SpecError,
    SpecErrors,
    TransientError,
)
from workflow_engine.spec.convert import convert_documents
from workflow_engine.store import kubernetes_options, kubernetes_url
from workflow_engine.store.kubernetes import RateLimiter
from workflow_engine.store.kubernetes.errors import MissingNamespace, error_for, parse_status
from workflow_engine.store.kubernetes.kinds import resources
from workflow_engine.store.kubernetes.store import selector_text, with_duration


def _status(reason: str = "", causes: list[dict[str, str]] | None = None, **details: str) -> dict:
    body: dict = {"kind": "Status", "reason": reason, "message": "said the server"}
    if causes is not None or details:
        body["details"] = {**details, **({"causes": causes} if causes is not None else {})}
    return body


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        (404, _status("NotFound"), NotFound),
        (404, _status("NotFound", kind="namespaces", name="team-a"), MissingNamespace),
        (409, _status("AlreadyExists"), AlreadyExists),
        (409, _status("Conflict"), Conflict),
        (410, _status("Expired"), Expired),
        (422, _status("Invalid", [{"field": "spec.x", "message": "bad"}]), SpecError),
        (400, _status("BadRequest"), SpecError),
        (429, _status("TooManyRequests"), TransientError),
        (500, _status("InternalError"), TransientError),
        (503, _status("ServiceUnavailable"), TransientError),
        (403, _status("Forbidden"), PermanentError),
        (401, _status("Unauthorized"), PermanentError),
    ],
    ids=[
        "not-found",
        "missing-namespace",
        "already-exists",
        "conflict",
        "gone",
        "invalid",
        "bad-request",
        "throttled",
        "server-error",
        "unavailable",
        "forbidden",
        "unauthorized",
    ],
)
def test_api_answers_map_to_the_error_taxonomy(code: int, status: dict, expected: type) -> None:
    error = error_for(code, status, "Workflow ns/wf")
    assert type(error) is expected
    assert "said the server" in str(error) or isinstance(error, SpecError)


def test_invalid_causes_keep_their_field_paths() -> None:
    causes = [
        {"field": "spec.parallelism", "message": "must be of type integer"},
        {"field": "spec.templates[0].name", "message": "must be of type string"},
    ]
    error = error_for(422, _status("Invalid", causes), "create")
    assert isinstance(error, SpecErrors)
    assert [(e.path, e.reason) for e in error.errors] == [
        ("spec.parallelism", "must be of type integer"),
        ("spec.templates[0].name", "must be of type string"),
    ]
    one = error_for(422, _status("Invalid", causes[:1]), "create")
    assert isinstance(one, SpecError) and one.path == "spec.parallelism"


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"", {}), (b"<html>proxy</html>", {"message": "<html>proxy</html>"}), (b"[1]", {})],
    ids=["empty", "not-json", "not-an-object"],
)
def test_status_bodies_that_are_not_status_objects(body: bytes, expected: dict) -> None:
    assert parse_status(body) == expected


@pytest.mark.parametrize(
    ("kind", "namespace", "collection", "item"),
    [
        (
            "Workflow",
            "ns",
            "/apis/argoproj.io/v1alpha1/namespaces/ns/workflows",
            "/apis/argoproj.io/v1alpha1/namespaces/ns/workflows/x/status",
        ),
        (
            "ClusterWorkflowTemplate",
            "ns",
            "/apis/argoproj.io/v1alpha1/clusterworkflowtemplates",
            "/apis/argoproj.io/v1alpha1/clusterworkflowtemplates/x/status",
        ),
        ("Secret", "ns", "/api/v1/namespaces/ns/secrets", "/api/v1/namespaces/ns/secrets/x/status"),
        ("Workflow", None, "/apis/argoproj.io/v1alpha1/workflows", None),
    ],
    ids=["namespaced", "cluster-scoped", "core", "all-namespaces"],
)
def test_rest_paths(kind: str, namespace: str | None, collection: str, item: str | None) -> None:
    resource = resources("argoproj.io")[kind]
    assert resource.collection(namespace) == collection
    if item is not None and namespace is not None:
        assert resource.item("x", namespace, "status") == item


def test_label_selectors_in_kubernetes_syntax() -> None:
    assert selector_text({"team": "a", "tier": None}) == "team=a,tier"


def test_the_rate_limiter_allows_a_burst_then_paces() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(qps=10, burst=3, clock=lambda: now[0], sleep=sleep)
    waits = [limiter.acquire() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([0.1, 0.1])
    now[0] += 10  # idle: the bucket refills to the burst, no more
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() == pytest.approx(0.1)
    with pytest.raises(ValueError):
        RateLimiter(qps=0, burst=1)


def test_store_urls_round_trip() -> None:
    url = kubernetes_url("/k/config", "ctx", "argoproj.io")
    options = kubernetes_options(url + "&qps=5&burst=7")
    assert (options.kubeconfig, options.context, options.group) == (
        "/k/config",
        "ctx",
        "argoproj.io",
    )
    assert (options.qps, options.burst) == (5.0, 7)
    assert kubernetes_url() == "kubernetes://"


@pytest.mark.parametrize(
    "url",
    ["kubernetes://host", "kubernetes://?colour=blue", "kubernetes://?qps=fast"],
    ids=["host", "unknown-parameter", "bad-number"],
)
def test_bad_store_urls_are_spec_errors(url: str) -> None:
    with pytest.raises(SpecError):
        kubernetes_options(url)


@pytest.mark.parametrize(
    ("status", "duration"),
    [
        ({"startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:07Z"}, "7s"),
        ({"startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T01:01:05Z"}, "1h1m5s"),
        ({"startedAt": "2026-01-01T00:00:00Z"}, None),
        ({"startedAt": "soon", "finishedAt": "later"}, None),
    ],
    ids=["seconds", "hours", "running", "unreadable"],
)
def test_duration_for_the_printer_column(status: dict, duration: str | None) -> None:
    assert with_duration(status).get("duration") == duration


def test_convert_moves_only_our_kinds_and_only_the_top_level() -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: a}\n"
        "spec:\n  templates:\n  - name: r\n    resource:\n"
        "      manifest: 'apiVersion: argoproj.io/v1alpha1'\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
        '---\n{"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": {}}\n'
    )
    documents = list(yaml.safe_load_all(convert_documents(text, "wfengine.io")))
    assert [d["apiVersion"] for d in documents] == [
        "wfengine.io/v1alpha1",
        "v1",
        "wfengine.io/v1alpha1",
    ]
    manifest = documents[0]["spec"]["templates"][0]["resource"]["manifest"]
    assert manifest == "apiVersion: argoproj.io/v1alpha1"
    back = list(yaml.safe_load_all(convert_documents(json.dumps(documents[2]), "argoproj.io")))
    assert back[0]["apiVersion"] == "argoproj.io/v1alpha1"


def test_convert_of_bad_yaml_names_the_file() -> None:
    with pytest.raises(SpecError) as caught:
        convert_documents("a: [", "wfengine.io", "broken.yaml")
    assert caught.value.path == "broken.yaml"
