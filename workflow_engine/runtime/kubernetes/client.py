"""The Kubernetes runtime's door to the API server: an `ApiClient` from a kubeconfig or
the pod's in-cluster service account, raw JSON requests, and ApiException / urllib3
errors translated into the project's error taxonomy at this edge.

Part of the Kubernetes runtime (workflow_engine.runtime.kubernetes). Requests use
`_preload_content=False` and parse the JSON themselves: the runtime works with plain
dicts (the Runtime port's shape), never with the client's generated models.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from workflow_engine.errors import SpecError, TransientError, WorkflowEngineError
from workflow_engine.runtime.kubernetes.convert import api_error

T = TypeVar("T")

# Pooled connections to the API server. The controller creates up to (reconcile workers
# x pods created at once per decision) pods at the same time, 24 by default, beside its
# watches, events and Lease: with fewer, urllib3 opens extra connections and drops them
# ("Connection pool is full"). The library's default is 5 per CPU.
POOL_SIZE = 64


def load_api_client(
    kubeconfig: str | None = None, context: str | None = None, pool_size: int = POOL_SIZE
) -> client.ApiClient:
    """An ApiClient for the cluster of `kubeconfig` (its current context unless
    `context`); without them, the in-cluster service account when in a pod (the token and
    CA the kubelet mounts, KUBERNETES_SERVICE_HOST/PORT), else the default kubeconfig.
    A configuration that cannot be read is the user's error: SpecError naming the file.
    `pool_size`: the connections kept to the API server (`POOL_SIZE`)."""
    configuration = client.Configuration()
    try:
        if kubeconfig or context or not _in_cluster(configuration):
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig,
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (config.ConfigException, OSError, ValueError, TypeError) as exc:
        where = kubeconfig or "in-cluster service account"
        reason = " ".join(f"cannot load Kubernetes configuration: {exc}".split())
        raise SpecError(where, reason) from None
    configuration.connection_pool_maxsize = pool_size
    return client.ApiClient(configuration)


def _in_cluster(configuration: client.Configuration) -> bool:
    try:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except config.ConfigException:
        return False
    return True


def translate(exc: BaseException) -> WorkflowEngineError:
    """An ApiException or a connection error -> NotFound, AlreadyExists, Conflict,
    Expired, TransientError or PermanentError."""
    if isinstance(exc, ApiException):
        reason, message = str(exc.reason or ""), ""
        try:
            body = json.loads(exc.body or "{}")
            reason = str(body.get("reason") or reason)
            message = str(body.get("message") or "")
        except (TypeError, ValueError):
            message = str(exc.body or "")
        return api_error(int(exc.status or 0), reason, message)
    if isinstance(exc, WorkflowEngineError):
        return exc
    return TransientError(f"Kubernetes API unreachable: {exc}")


API_ERRORS = (ApiException, urllib3.exceptions.HTTPError, OSError)


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs, _preload_content=False)` -> the parsed JSON body."""
    try:
        response = fn(*args, _preload_content=False, **kwargs)
        return json.loads(response.data or b"{}")
    except API_ERRORS as exc:
        raise translate(exc) from None


def stream(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> urllib3.HTTPResponse:
    """`fn(...)` as a streaming response (a watch, a followed log); errors translated."""
    try:
        response: urllib3.HTTPResponse = fn(*args, _preload_content=False, **kwargs)
    except API_ERRORS as exc:
        raise translate(exc) from None
    return response


def lines(response: urllib3.HTTPResponse) -> Iterator[bytes]:
    """The response body split into lines (each without its newline; a last line without
    one is yielded too); connection errors become TransientError."""
    pending = b""
    try:
        for chunk in response.stream(None, decode_content=False):
            pending += chunk
            *complete, pending = pending.split(b"\n")
            yield from complete
    except API_ERRORS as exc:
        raise translate(exc) from None
    finally:
        response.release_conn()
    if pending:
        yield pending
