"""Kubernetes API errors by call (controller/api_metrics.py): which verb and resource a
request meant, and which answers are counted."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.controller.api_metrics import describe, instrument


@pytest.mark.parametrize(
    ("method", "url", "verb", "resource"),
    [
        ("GET", "https://h:6443/api/v1/namespaces/ns/pods", "list", "pods"),
        (
            "GET",
            "https://h/api/v1/namespaces/ns/pods?watch=true&resourceVersion=5",
            "watch",
            "pods",
        ),
        ("GET", "/api/v1/namespaces/ns/pods/p1/log?follow=true", "get", "pods/log"),
        ("POST", "/api/v1/namespaces/ns/pods", "create", "pods"),
        ("DELETE", "/api/v1/namespaces/ns/pods/p1", "delete", "pods"),
        (
            "PUT",
            "/apis/argoproj.io/v1alpha1/namespaces/ns/workflows/w/status",
            "update",
            "workflows/status",
        ),
        ("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/ns/workflows/w", "patch", "workflows"),
        (
            "DELETE",
            "/apis/wfengine.io/v1alpha1/namespaces/ns/workflownodechunks?labelSelector=a",
            "deletecollection",
            "workflownodechunks",
        ),
        ("GET", "/apis/argoproj.io/v1alpha1/workflows", "list", "workflows"),
        (
            "GET",
            "/apis/argoproj.io/v1alpha1/clusterworkflowtemplates/t",
            "get",
            "clusterworkflowtemplates",
        ),
        ("POST", "/api/v1/namespaces", "create", "namespaces"),
        ("GET", "/api/v1/namespaces/ns", "get", "namespaces"),
        ("GET", "/apis/wfengine.io/v1alpha1", "list", "(discovery)"),
    ],
    ids=[
        "list",
        "watch",
        "subresource",
        "create",
        "delete",
        "status",
        "patch",
        "deletecollection",
        "all-namespaces",
        "cluster-scoped",
        "create-namespace",
        "get-namespace",
        "discovery",
    ],
)
def test_a_request_is_named_as_rbac_names_it(
    method: str, url: str, verb: str, resource: str
) -> None:
    assert describe(method, url) == (verb, resource)


class Answer:
    def __init__(self, status: int) -> None:
        self.status = status


class Refused(Exception):
    status = 0


class Client:
    """A stand-in for kubernetes.client.ApiClient's one request method."""

    def __init__(self, statuses: list[int | None]) -> None:
        self.statuses = statuses

    def call_api(self, method: str, url: str, *args: Any, **kwargs: Any) -> Answer:
        status = self.statuses.pop(0)
        if status is None:
            raise Refused("connection refused")
        return Answer(status)


def test_only_error_answers_are_recorded_and_the_wrapper_goes_away() -> None:
    seen: list[tuple[str, str, str]] = []
    client = Client([200, 404, 409, None, 500])
    with instrument([client], lambda *call: seen.append(call)):
        assert client.call_api("GET", "/api/v1/namespaces/n/configmaps/c").status == 200
        client.call_api("GET", "/api/v1/namespaces/n/configmaps/c")
        client.call_api("PUT", "/apis/g/v1alpha1/namespaces/n/workflows/w/status")
        with pytest.raises(Refused):
            client.call_api("POST", "/api/v1/namespaces/n/pods")
    assert seen == [
        ("get", "configmaps", "404"),
        ("update", "workflows/status", "409"),
        ("create", "pods", "none"),
    ]
    client.call_api("GET", "/api/v1/namespaces/n/pods")  # 500, after the block: not seen
    assert len(seen) == 3
    assert "call_api" not in vars(client)
