"""The GitOps modules' one door to the Kubernetes API: the official client's dynamic
client, with plain dicts in and out, server-side apply under our field manager, and
ApiException translated into the project's errors at this edge.

Used by apply (sync and prune), status and drift; health decisions stay pure in
`health`.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from workflow_engine.errors import NotFound, PermanentError, SpecError, TransientError
from workflow_engine.gitops.render import object_key

FIELD_MANAGER = "wf-gitops"
# Kinds that copy the labels of the object they belong to (or are pure records):
# never considered ours, whatever their labels say.
NEVER_OURS = frozenset({"Event", "Endpoints", "EndpointSlice"})


class Cluster:
    """Dynamic access to one cluster; `namespace` is where namespaced objects
    without a namespace go."""

    def __init__(self, api_client: client.ApiClient, namespace: str) -> None:
        self.api_client = api_client
        self.namespace = namespace
        try:
            # untyped library: Any keeps mypy out of its calls
            self._dyn: Any = DynamicClient(api_client)  # type: ignore[no-untyped-call]
        except (ApiException, OSError) as exc:
            raise TransientError(f"Kubernetes API unreachable: {exc}") from None

    def resource(self, obj: dict[str, Any]) -> Any:
        try:
            return self._dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        except ResourceNotFoundError:
            raise SpecError(
                object_key(obj), f"the cluster serves no {obj['kind']} in {obj['apiVersion']}"
            ) from None

    def place(self, obj: dict[str, Any]) -> dict[str, Any]:
        """`obj` with its namespace set (namespaced kinds) or dropped (cluster kinds)."""
        meta = dict(obj["metadata"])
        if self.resource(obj).namespaced:
            meta["namespace"] = meta.get("namespace") or self.namespace
        else:
            meta.pop("namespace", None)
        return {**obj, "metadata": meta}

    def get(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        meta = obj["metadata"]
        try:
            found = self._dyn.get(
                self.resource(obj), name=meta["name"], namespace=meta.get("namespace")
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise _translate(exc, obj) from None
        return dict(found.to_dict())

    def apply(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Server-side apply as FIELD_MANAGER, taking over fields other managers changed
        (force: git is the source of truth)."""
        meta = obj["metadata"]
        try:
            result = self._dyn.server_side_apply(
                self.resource(obj),
                body=obj,
                name=meta["name"],
                namespace=meta.get("namespace"),
                field_manager=FIELD_MANAGER,
                force_conflicts=True,
                dry_run="All" if dry_run else None,
            )
        except ApiException as exc:
            raise _translate(exc, obj) from None
        return dict(result.to_dict())

    def delete(self, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        try:
            self._dyn.delete(
                self.resource(obj),
                name=meta["name"],
                namespace=meta.get("namespace"),
                propagation_policy="Background",
            )
        except ApiException as exc:
            if exc.status != 404:
                raise _translate(exc, obj) from None

    def list_labelled(self, selector: str, namespaces: set[str]) -> list[dict[str, Any]]:
        """Every object carrying `selector`: namespaced kinds in `namespaces`, and
        cluster-scoped kinds, across all listable kinds the server serves."""
        found: list[dict[str, Any]] = []
        for res in self._listable():
            where = sorted(namespaces) if res.namespaced else [None]
            for ns in where:
                try:
                    listed = self._dyn.get(res, namespace=ns, label_selector=selector)
                except ApiException as exc:
                    if exc.status in (403, 404, 405):
                        continue
                    raise _translate(exc, {"kind": res.kind, "metadata": {"name": "*"}}) from None
                for item in listed.to_dict().get("items") or []:
                    found.append({**item, "apiVersion": res.group_version, "kind": res.kind})
        return found

    def _listable(self) -> list[Any]:
        seen: dict[tuple[str, str], Any] = {}
        for res in self._dyn.resources.search():
            if (
                res.kind in NEVER_OURS
                or not res.name
                or "/" in res.name  # subresources
                or "list" not in (res.verbs or [])
                or res.kind.endswith("List")
            ):
                continue
            # one version per group and kind (the server lists the preferred first)
            seen.setdefault((res.group, res.kind), res)
        return list(seen.values())

    def list(
        self, api_version: str, kind: str, namespace: str | None, **kwargs: Any
    ) -> list[dict[str, Any]]:
        probe = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "*"}}
        try:
            listed = self._dyn.get(self.resource(probe), namespace=namespace, **kwargs)
        except ApiException as exc:
            raise _translate(exc, probe) from None
        return list(listed.to_dict().get("items") or [])

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        try:
            made = self._dyn.create(self.resource(obj), body=obj, namespace=meta.get("namespace"))
        except ApiException as exc:
            raise _translate(exc, obj) from None
        return dict(made.to_dict())

    def patch(self, obj: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        try:
            done = self._dyn.patch(
                self.resource(obj),
                body=patch,
                name=meta["name"],
                namespace=meta.get("namespace"),
                content_type="application/merge-patch+json",
            )
        except ApiException as exc:
            raise _translate(exc, obj) from None
        return dict(done.to_dict())


def _translate(exc: ApiException, obj: dict[str, Any]) -> Exception:
    message = str(exc.reason or "")
    with contextlib.suppress(TypeError, ValueError):
        message = str(json.loads(exc.body or "{}").get("message") or message)
    status = int(exc.status or 0)
    if status in (400, 422):
        return SpecError(object_key(obj), message)
    if status == 404:
        return NotFound(f"{object_key(obj)}: {message}")
    if status in (401, 403):
        return PermanentError(f"{object_key(obj)}: {message}")
    return TransientError(f"{object_key(obj)}: {message}")


def connect(kubeconfig: str | None, context: str | None, namespace: str) -> Cluster:
    """A Cluster from a kubeconfig (default: $KUBECONFIG, ~/.kube/config, or the pod's
    service account)."""
    from workflow_engine.runtime.kubernetes.client import load_api_client

    return Cluster(load_api_client(kubeconfig, context), namespace)
