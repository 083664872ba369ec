"""Kubernetes API errors by call, for the controller's /metrics (`metrics.py`).

Every request of the controller's clients (the store's, the runtime's, the events' and
the Lease's) goes through one `kubernetes.client.ApiClient.call_api`. `instrument`
wraps that method on the clients a controller process owns, and reports each answer
that is an error (HTTP 4xx/5xx, or no answer at all: code "none") with the Kubernetes
verb and resource the request meant (`describe`, pure: method + path -> names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

Record = Callable[[str, str, str], None]  # verb, resource, code

# Path segments after which the next one is a namespace or a name, not a resource.
_SCOPES = ("namespaces",)


def describe(method: str, url: str) -> tuple[str, str]:
    """(verb, resource) of a request, as RBAC names them: `list pods`, `update
    workflows/status`, `watch workflowtaskresults`, `create namespaces`..."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    # /api/v1/... or /apis/GROUP/VERSION/...
    rest = segments[2:] if segments[:1] == ["api"] else segments[3:]
    if len(rest) >= 3 and rest[0] in _SCOPES:
        rest = rest[2:]  # namespaces/NS/<resource>...
    resource = rest[0] if rest else "(discovery)"
    named = len(rest) >= 2
    if len(rest) >= 3:
        resource = f"{resource}/{rest[2]}"
    method = method.upper()
    if method == "GET":
        watch = parse_qs(parts.query).get("watch", [""])[0] in ("true", "1")
        verb = "watch" if watch else ("get" if named else "list")
    else:
        verb = {
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete" if named else "deletecollection",
        }.get(method, method.lower())
    return verb, resource


@contextmanager
def instrument(clients: list[Any], record: Record) -> Iterator[None]:
    """While inside: every error answer of `clients` (kubernetes ApiClients) is
    `record`ed. The wrapper sits on each instance and is removed on exit."""
    for api_client in clients:
        api_client.call_api = _metered(api_client.call_api, record)
    try:
        yield
    finally:
        for api_client in clients:
            vars(api_client).pop("call_api", None)


def _metered(call_api: Callable[..., Any], record: Record) -> Callable[..., Any]:
    def call(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        try:
            response = call_api(method, url, *args, **kwargs)
        except Exception as exc:
            status = getattr(exc, "status", None)
            record(*describe(method, url), str(status) if status else "none")
            raise
        status = int(getattr(response, "status", 0) or 0)
        if status >= 400:
            record(*describe(method, url), str(status))
        return response

    return call
