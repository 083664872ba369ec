"""KubernetesStore: the Store port over the Kubernetes API (custom resources).

Kubernetes mode's store, beside the SQLite one; both pass
`tests/contract/store_contract.py`. The API server itself keeps the rules of
`store/base.py` (names, uid, resourceVersion, generation, optimistic
concurrency), so this class mostly translates: kind -> REST path (`kinds.py`),
status writes -> the status subresource, answers -> our errors (`errors.py`),
and the port's idle-ended watch -> Kubernetes watches (`watch.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from workflow_engine.errors import Conflict, NotFound, PermanentError, SpecError, TransientError
from workflow_engine.store import _objects as o
from workflow_engine.store.base import Obj, ObjectList, WatchEvent
from workflow_engine.store.kubernetes.client import Http, api_client
from workflow_engine.store.kubernetes.errors import MissingNamespace
from workflow_engine.store.kubernetes.kinds import GROUPS, VERSION, Resource, lookup, resources
from workflow_engine.store.kubernetes.offload import (
    CHUNK_KIND,
    OFFLOAD_FIELD,
    OFFLOADED_LABEL,
    PIECES_FIELD,
    OffloadMissing,
    marked,
    reference_of,
)
from workflow_engine.store.kubernetes.offloader import Offloader
from workflow_engine.store.kubernetes.options import KubernetesOptions
from workflow_engine.store.kubernetes.watch import follow

_PAGE = 500
# Set by the server; a create or update that carries them is refused or misread.
_SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")


class KubernetesStore:
    """The Store port on a cluster; `group` is where our CRDs are installed."""

    def __init__(self, options: KubernetesOptions | None = None) -> None:
        self.options = options or KubernetesOptions()
        self._http = Http(api_client(self.options), self.options)
        try:
            self.group = self.options.group or discover_group(self._http)
        except BaseException:
            self._http.close()
            raise
        self._kinds = resources(self.group)
        self._offloader = Offloader(
            self._http,
            self._kinds[CHUNK_KIND],
            self.options.offload_over,
            self.options.offload_chunk_bytes,
        )

    # -- Store port ----------------------------------------------------------------

    def create(self, obj: Obj) -> Obj:
        kind, namespace = o.kind_and_namespace(obj)
        resource = self._resource_for_write(kind)
        o.labels_of(obj)
        body = self._body(obj, resource, strip=_SERVER_FIELDS)
        if resource.status:
            body.pop("status", None)  # the server ignores it; say so by not sending it
        what = f"create {kind} {namespace}/{body['metadata'].get('name') or '(generated)'}"
        path = resource.collection(namespace)
        try:
            return self._clean(self._http.call("POST", path, what, body=body), resource)
        except MissingNamespace as err:
            if not self.options.create_namespaces:
                raise
            self._create_namespace(err.namespace)
            return self._clean(self._http.call("POST", path, what, body=body), resource)

    def get(self, kind: str, name: str, namespace: str = "default") -> Obj:
        resource = lookup(self._kinds, kind)
        return self._expanded(self._fetch(resource, name, namespace), resource)

    def list(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: Mapping[str, str | None] | None = None,
    ) -> ObjectList:
        listed = self._list(kind, namespace, label_selector)
        if kind != "Workflow":
            return listed
        resource = lookup(self._kinds, kind)
        items = [self._expanded_or_none(item, resource) for item in listed.items]
        return ObjectList([it for it in items if it is not None], listed.resource_version)

    def _list(
        self,
        kind: str,
        namespace: str | None,
        label_selector: Mapping[str, str | None] | None,
    ) -> ObjectList:
        o.check_selector(label_selector)
        try:
            resource = lookup(self._kinds, kind)
        except NotFound:
            return ObjectList(items=[], resource_version=self._current_version())
        query: list[tuple[str, str]] = [("limit", str(_PAGE))]
        if label_selector:
            query.append(("labelSelector", selector_text(label_selector)))
        items: list[Obj] = []
        version, token = "", ""
        while True:
            page = self._http.call(
                "GET",
                resource.collection(namespace),
                f"list {kind}",
                query=[*query, ("continue", token)] if token else query,
            )
            meta = page.get("metadata") or {}
            version = version or str(meta.get("resourceVersion") or "")
            items.extend(self._clean(item, resource) for item in page.get("items") or [])
            token = str(meta.get("continue") or "")
            if not token:
                break
        items.sort(key=lambda it: (it["metadata"].get("namespace", ""), it["metadata"]["name"]))
        return ObjectList(items=items, resource_version=version)

    def list_summaries(
        self,
        kind: str,
        namespace: str | None = "default",
        label_selector: Mapping[str, str | None] | None = None,
    ) -> ObjectList:
        """`list` without specs and node maps (what `wf list` shows): offloaded node maps
        are not read back."""
        listed = self._list(kind, namespace, label_selector)
        return ObjectList([o.summary_of(item) for item in listed.items], listed.resource_version)

    def update(self, obj: Obj) -> Obj:
        kind, namespace, name = o.key_of(obj)
        resource = self._resource_for_write(kind)
        o.labels_of(obj)
        version = _required_version(obj)
        body = self._body(obj, resource, strip=_SERVER_FIELDS)
        body["metadata"]["resourceVersion"] = version
        if resource.status:
            body.pop("status", None)
        else:
            body = self._keep_stored_status(resource, name, namespace, body)
        what = f"update {kind} {namespace}/{name}"
        written = self._http.call("PUT", resource.item(name, namespace), what, body=body)
        return self._expanded(written, resource)

    def update_status(self, obj: Obj) -> Obj:
        kind, namespace, name = o.key_of(obj)
        resource = self._resource_for_write(kind)
        o.labels_of(obj)  # before the first of two writes
        version = _required_version(obj)
        what = f"update status of {kind} {namespace}/{name}"
        if not resource.status:
            stored = self.get(kind, name, namespace)
            if stored["metadata"]["resourceVersion"] != version:
                raise Conflict(f"{what}: resourceVersion {version!r} is stale; read it again")
            body = {k: v for k, v in stored.items() if k != "status"}
            if "status" in obj:
                body["status"] = obj["status"]
            path = resource.item(name, namespace)
        else:
            body = self._body(obj, resource, strip=_SERVER_FIELDS)
            body["metadata"]["resourceVersion"] = version
            planned = None
            if kind == "Workflow" and isinstance(body.get("status"), dict):
                # chunks first: a status never names chunks that are not there yet
                planned = self._offloader.prepare(self._owner(obj, resource), body["status"])
                status = planned.status if planned else body["status"]
                body["status"] = with_duration(status)
            path = resource.item(name, namespace, "status")
            written = self._clean(self._http.call("PUT", path, what, body=body), resource)
            labels = (obj.get("metadata") or {}).get("labels")
            if kind == "Workflow":
                base = labels if labels is not None else written["metadata"].get("labels") or {}
                had = OFFLOADED_LABEL in base
                self._offloader.committed(written, planned, marked=had)
                if planned is not None or had:  # the mark goes after the chunks
                    labels = marked(base, planned is not None)
            relabelled = self._relabel(resource, written, labels)
            return self._expanded(relabelled, resource)
        return self._clean(self._http.call("PUT", path, what, body=body), resource)

    def _relabel(self, resource: Resource, written: Obj, labels: dict[str, str] | None) -> Obj:
        """The port writes the labels given with a status; the status subresource ignores
        metadata, so a second write (against the version the first made) sets them. Not
        atomic: a failure between the two leaves the new status with the old labels, and
        the caller's retry (it gets the error) writes them."""
        if labels is None or labels == written["metadata"].get("labels"):
            return written
        meta = {**written["metadata"], "labels": labels}
        body = self._body({**written, "metadata": meta}, resource, strip=_SERVER_FIELDS[:1])
        body["metadata"].pop("generation", None)
        body["metadata"].pop("creationTimestamp", None)
        body.pop("status", None)
        name, namespace = meta["name"], meta.get("namespace", "default")
        what = f"update labels of {resource.kind} {namespace}/{name}"
        return self._clean(
            self._http.call("PUT", resource.item(name, namespace), what, body=body), resource
        )

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        resource = lookup(self._kinds, kind)
        self._http.call(
            "DELETE", resource.item(name, namespace), f"delete {kind} {namespace}/{name}"
        )

    def watch(
        self,
        kind: str,
        namespace: str | None = "default",
        resource_version: str | None = None,
        timeout: float = 30.0,
    ) -> Iterator[WatchEvent]:
        resource = lookup(self._kinds, kind)
        # "From now" is decided by this call, not by the first next().
        start = resource_version or self._current_version(resource, namespace)
        return follow(
            self._http,
            resource,
            namespace,
            start,
            timeout,
            lambda obj: self._watched(obj, resource),
        )

    @property
    def api_client(self) -> Any:
        """The `kubernetes` ApiClient every request goes through (for instrumentation)."""
        return self._http.api_client

    def close(self) -> None:
        self._http.close()

    # -- internals -----------------------------------------------------------------

    def _resource_for_write(self, kind: str) -> Resource:
        try:
            return lookup(self._kinds, kind)
        except NotFound as err:
            raise SpecError("kind", str(err)) from None

    def _body(self, obj: Obj, resource: Resource, strip: tuple[str, ...]) -> Obj:
        body: Obj = json.loads(json.dumps(obj))
        body["apiVersion"] = resource.api_version
        meta = body["metadata"]
        for field in strip:
            meta.pop(field, None)
        if resource.namespaced:
            meta["namespace"] = o.namespace_of(meta)
        else:
            meta.pop("namespace", None)
        return body

    def _keep_stored_status(self, resource: Resource, name: str, namespace: str, body: Obj) -> Obj:
        """Kinds without a status subresource: `update` must still leave status alone."""
        stored = self.get(resource.kind, name, namespace)
        body.pop("status", None)
        if "status" in stored:
            body["status"] = stored["status"]
        return body

    def _fetch(self, resource: Resource, name: str, namespace: str) -> Obj:
        what = f"{resource.kind} {namespace}/{name}"
        return self._clean(self._http.call("GET", resource.item(name, namespace), what), resource)

    def _owner(self, obj: Obj, resource: Resource) -> Obj:
        """The workflow as the owner of its chunks (its uid read when `obj` lacks it)."""
        meta = obj["metadata"]
        if not meta.get("uid"):
            stored = self._fetch(resource, meta["name"], o.namespace_of(meta))
            meta = {**meta, "uid": stored["metadata"]["uid"]}
        return {"apiVersion": resource.api_version, "kind": resource.kind, "metadata": meta}

    def _expanded(self, obj: dict[str, Any], resource: Resource) -> Obj:
        """A read workflow with its offloaded node map back in place; when a newer
        write replaced the chunks meanwhile, the newer workflow."""
        obj = self._clean(obj, resource)
        if resource.kind != "Workflow" or reference_of(obj.get("status")) is None:
            return obj
        try:
            return self._offloader.expand(obj)
        except OffloadMissing:
            meta = obj["metadata"]
            fresh = self._fetch(resource, meta["name"], meta.get("namespace", "default"))
        try:
            return self._offloader.expand(fresh)
        except OffloadMissing as err:
            raise TransientError(f"workflow {meta['name']}: {err}") from None

    def _expanded_or_none(self, obj: Obj, resource: Resource) -> Obj | None:
        try:
            return self._expanded(obj, resource)
        except NotFound:
            return None  # deleted since it was listed

    def _watched(self, obj: dict[str, Any], resource: Resource) -> Obj:
        obj = self._clean(obj, resource)
        try:
            return self._expanded(obj, resource)
        except NotFound:
            # deleted (a DELETED event, or soon one): its chunks may be gone with it
            gone = (OFFLOAD_FIELD, PIECES_FIELD)
            status = {k: v for k, v in (obj.get("status") or {}).items() if k not in gone}
            return {**obj, "status": status}

    def _clean(self, obj: dict[str, Any], resource: Resource) -> Obj:
        obj.setdefault("apiVersion", resource.api_version)
        obj.setdefault("kind", resource.kind)
        meta = obj.setdefault("metadata", {})
        meta.pop("managedFields", None)
        # The server drops empty maps; callers may rely on labels being a dict.
        meta.setdefault("labels", {})
        return obj

    def _current_version(self, resource: Resource | None = None, ns: str | None = None) -> str:
        resource = resource or self._kinds["ConfigMap"]
        page = self._http.call(
            "GET", resource.collection(ns), f"list {resource.kind}", query=[("limit", "1")]
        )
        return str((page.get("metadata") or {}).get("resourceVersion") or "")

    def _create_namespace(self, name: str) -> None:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        try:
            self._http.call("POST", "/api/v1/namespaces", f"create namespace {name}", body=body)
        except Exception as err:  # someone else made it meanwhile: fine
            if "already exists" not in str(err):
                raise


def discover_group(http: Http) -> str:
    """The API group that serves our Workflow kind: ours first, then Argo's."""
    for group in GROUPS:
        try:
            found = http.call("GET", f"/apis/{group}/{VERSION}", f"discover {group}")
        except NotFound:
            continue
        if any(r.get("name") == "workflows" for r in found.get("resources") or []):
            return group
    raise PermanentError(
        "no Workflow custom resource on this cluster (looked in "
        f"{' and '.join(GROUPS)}): install the CRDs with `wf install` or `kubectl apply -k crds/`"
    )


def with_duration(status: dict[str, Any]) -> dict[str, Any]:
    """`status.duration` ("1m5s") for `kubectl get wf`'s Duration column, whose
    jsonPath cannot subtract startedAt from finishedAt itself."""
    started, finished = status.get("startedAt"), status.get("finishedAt")
    if not (isinstance(started, str) and isinstance(finished, str)):
        return status
    try:
        seconds = int((_parse(finished) - _parse(started)).total_seconds())
    except ValueError:
        return status
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if hours or minutes else "")
    return {**status, "duration": f"{text}{secs}s"}


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def selector_text(selector: Mapping[str, str | None]) -> str:
    """Kubernetes' label selector syntax: `a=b,c` (c: the key is present)."""
    return ",".join(key if value is None else f"{key}={value}" for key, value in selector.items())


def _required_version(obj: Obj) -> str:
    version = (obj.get("metadata") or {}).get("resourceVersion")
    if not isinstance(version, str) or not version:
        # The API server would take an update without one as unconditional.
        kind, namespace, name = o.key_of(obj)
        raise Conflict(f"{kind} {namespace}/{name}: no resourceVersion given; read it first")
    return version
