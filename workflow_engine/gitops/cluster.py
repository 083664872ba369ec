"""The GitOps modules' one door to the Kubernetes API: the official client's dynamic
client, with plain dicts in and out, server-side apply under our field manager, and
ApiException and connection errors translated into the project's errors at this edge.
This is the one layer that retries (TransientError: 409/429/5xx, connection errors).

Used by apply (sync and prune), status, drift and canary; health decisions stay pure
in `health`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from workflow_engine.errors import NotFound, PermanentError, SpecError, TransientError
from workflow_engine.gitops.render import object_key

FIELD_MANAGER = "wf-gitops"
# Kinds that copy the labels of the object they belong to, or are pure records:
# never listed when looking for objects to prune.
NEVER_OURS = frozenset({"Event", "Endpoints", "EndpointSlice"})
_ERRORS = (ApiException, urllib3.exceptions.HTTPError, OSError)

_retry = retry(
    retry=retry_if_exception_type(TransientError),
    stop=stop_after_attempt(5),
    wait=wait_exponential(multiplier=0.2, max=3),
    reraise=True,
)


class Cluster:
    """Dynamic access to one cluster; `namespace` is where namespaced objects
    without a namespace go."""

    def __init__(self, api_client: client.ApiClient, namespace: str) -> None:
        self.api_client = api_client
        self.namespace = namespace
        # untyped library: Any keeps mypy out of its calls
        self._dyn: Any = _discover(api_client)
        # kinds found missing since the last refresh (each miss rediscovers everything)
        self._unserved: set[tuple[str, str]] = set()

    def resource(self, obj: dict[str, Any]) -> Any:
        key = (obj["apiVersion"], obj["kind"])
        try:
            if key in self._unserved:
                raise ResourceNotFoundError(key)
            return self._dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        except ResourceNotFoundError:
            self._unserved.add(key)
            raise SpecError(
                object_key(obj), f"the cluster serves no {obj['kind']} in {obj['apiVersion']}"
            ) from None

    def serves(self, obj: dict[str, Any]) -> bool:
        try:
            self.resource(obj)
        except SpecError:
            return False
        return True

    def refresh(self) -> None:
        """Discover the server's kinds again (after CRDs were made)."""
        self._unserved.clear()
        _guarded(
            self._dyn.resources.invalidate_cache, {"kind": "API", "metadata": {"name": "discovery"}}
        )

    def place(
        self, obj: dict[str, Any], pending: Mapping[tuple[str, str], bool] | None = None
    ) -> dict[str, Any]:
        """`obj` with its namespace set (namespaced kinds) or dropped (cluster kinds).
        `pending`: (group, kind) -> namespaced, for kinds whose CRD is not applied yet."""
        meta = dict(obj["metadata"])
        group = obj["apiVersion"].rpartition("/")[0]
        if pending and (group, obj["kind"]) in pending and not self.serves(obj):
            namespaced = pending[(group, obj["kind"])]
        else:
            namespaced = self.resource(obj).namespaced
        if namespaced:
            meta["namespace"] = meta.get("namespace") or self.namespace
        else:
            meta.pop("namespace", None)
        return {**obj, "metadata": meta}

    def _call(self, method: Callable[..., Any], obj: dict[str, Any], **kwargs: Any) -> Any:
        meta = obj["metadata"]
        return _guarded(
            method,
            obj,
            self.resource(obj),
            name=meta["name"],
            namespace=meta.get("namespace"),
            **kwargs,
        )

    def get(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return dict(self._call(self._dyn.get, obj))
        except NotFound:
            return None

    def apply(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Server-side apply as FIELD_MANAGER, taking over fields other managers changed
        (force: git is the source of truth)."""
        return dict(
            self._call(
                self._dyn.server_side_apply,
                obj,
                body=obj,
                field_manager=FIELD_MANAGER,
                force_conflicts=True,
                dry_run="All" if dry_run else None,
            )
        )

    def delete(self, obj: dict[str, Any]) -> None:
        with contextlib.suppress(NotFound):
            self._call(self._dyn.delete, obj, propagation_policy="Background")

    def patch(self, obj: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        """A JSON merge patch."""
        return dict(
            self._call(
                self._dyn.patch, obj, body=patch, content_type="application/merge-patch+json"
            )
        )

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        res = self.resource(obj)
        return dict(
            _guarded(
                self._dyn.create, obj, res, body=obj, namespace=obj["metadata"].get("namespace")
            )
        )

    def list_objects(
        self, api_version: str, kind: str, namespace: str | None, **kwargs: Any
    ) -> list[dict[str, Any]]:
        probe = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "*"}}
        listed = _guarded(self._dyn.get, probe, self.resource(probe), namespace=namespace, **kwargs)
        return list(listed.get("items") or [])

    def list_labelled(self, selector: str, namespaces: set[str]) -> list[dict[str, Any]]:
        """Every object carrying `selector`: namespaced kinds in `namespaces`, and
        cluster-scoped kinds, across all listable kinds the server serves."""
        found: list[dict[str, Any]] = []
        for res in self._listable():
            probe = {"apiVersion": res.group_version, "kind": res.kind, "metadata": {"name": "*"}}
            for ns in sorted(namespaces) if res.namespaced else [None]:
                try:
                    listed = _guarded(
                        self._dyn.get, probe, res, namespace=ns, label_selector=selector
                    )
                except (NotFound, PermanentError):  # gone since discovery, or not ours to list
                    continue
                for item in listed.get("items") or []:
                    found.append({**item, "apiVersion": res.group_version, "kind": res.kind})
        return found

    def _listable(self) -> list[Any]:
        seen: dict[tuple[str, str], Any] = {}
        for res in self._dyn.resources.search():
            if (
                not res.name
                or "/" in res.name  # subresources
                or res.kind in NEVER_OURS
                or "list" not in (res.verbs or [])
                or res.kind.endswith("List")
            ):
                continue
            # one version per group and kind (the server lists the preferred first)
            seen.setdefault((res.group, res.kind), res)
        return list(seen.values())


@_retry
def _discover(api_client: client.ApiClient) -> Any:
    try:
        return DynamicClient(api_client)  # type: ignore[no-untyped-call]
    except _ERRORS as exc:
        raise _translate(exc, {"kind": "API", "metadata": {"name": "discovery"}}) from None


@_retry
def _guarded(method: Callable[..., Any], obj: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """`method(*args, **kwargs)` as a plain dict, errors translated (and retried when
    transient)."""
    try:
        result = method(*args, **kwargs)
        return result.to_dict() if result is not None else None
    except _ERRORS as exc:
        raise _translate(exc, obj) from None


def _translate(exc: BaseException, obj: dict[str, Any]) -> Exception:
    if not isinstance(exc, ApiException):
        return TransientError(f"Kubernetes API unreachable: {exc}")
    message = str(exc.reason or "")
    with contextlib.suppress(TypeError, ValueError):
        message = str(json.loads(exc.body or "{}").get("message") or message)
    status = int(exc.status or 0)
    if status in (400, 422):
        return SpecError(object_key(obj), message)
    if status in (404, 405):
        return NotFound(f"{object_key(obj)}: {message}")
    if status in (401, 403):
        return PermanentError(f"{object_key(obj)}: {message}")
    return TransientError(f"{object_key(obj)}: {message}")


def connect(kubeconfig: str | None, context: str | None, namespace: str) -> Cluster:
    """A Cluster from a kubeconfig (default: $KUBECONFIG, ~/.kube/config, or the pod's
    service account)."""
    from workflow_engine.runtime.kubernetes.client import load_api_client

    return Cluster(load_api_client(kubeconfig, context), namespace)
