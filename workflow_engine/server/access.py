"""Who may call what: the FastAPI dependencies every router of the API runs first.

A request is authenticated by its bearer token (401 without a valid one) and its
namespace, taken from the path, must be one the token may use (403). Cluster-scoped
objects may be changed only with a token that is not scoped to namespaces.
"""

from __future__ import annotations

from fastapi import Request

from workflow_engine.server.auth import ANONYMOUS, Principal
from workflow_engine.server.context import ServerContext
from workflow_engine.server.errors import PERMISSION_DENIED, UNAUTHENTICATED, ApiError

_READS = {"GET", "HEAD"}


def context_of(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


def authenticate(request: Request) -> Principal:
    """The caller, or 401. Anonymous when the server runs without auth."""
    ctx = context_of(request)
    if ctx.auth is None:
        return ANONYMOUS
    principal = ctx.auth.authenticate(request.headers.get("authorization"))
    if principal is None:
        raise ApiError(UNAUTHENTICATED, "missing or invalid bearer token")
    return principal


def check_namespace(principal: Principal, namespace: str) -> None:
    if not principal.may_use(namespace):
        raise ApiError(PERMISSION_DENIED, f"the token may not use namespace {namespace!r}")


def authorize(request: Request) -> Principal:
    """Router dependency: authenticated, and allowed in the path's namespace."""
    principal = authenticate(request)
    namespace = request.path_params.get("namespace")
    if namespace is not None:
        check_namespace(principal, namespace)
    return principal


def authorize_cluster(request: Request) -> Principal:
    """Router dependency of cluster-scoped objects: reads (and lint) for every token,
    changes only for tokens not scoped to namespaces."""
    principal = authenticate(request)
    reads = request.method in _READS or request.url.path.endswith("/lint")
    if not reads and not principal.cluster_wide:
        raise ApiError(PERMISSION_DENIED, "a namespace-scoped token may not change cluster objects")
    return principal
