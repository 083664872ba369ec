"""Sync one environment: plan (diff every rendered object against the cluster, find
owned objects gone from git), apply (server-side apply under our field manager), prune,
then wait until every object is healthy.

The cluster-facing middle of `wf gitops sync|diff`: `render` gives the desired
objects, `cluster.Cluster` is the door to the API server, `diff` and `health` decide.
Only objects that carry our ownership labels for this environment *and* whose tracking
annotation names them are ever pruned; anything else is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow_engine.errors import NotFound, WorkflowEngineError
from workflow_engine.gitops.cluster import Cluster, connect
from workflow_engine.gitops.diff import ObjectDiff, compare
from workflow_engine.gitops.health import Health, assess
from workflow_engine.gitops.render import (
    APP_LABEL,
    ENV_LABEL,
    MANAGED_BY,
    MANAGER,
    TRACKING,
    Rendered,
    git_revision,
    object_key,
    render,
)

# Applied first (and pruned last): what other objects live in or are defined by.
ORDER = ("Namespace", "CustomResourceDefinition", "ServiceAccount", "Secret", "ConfigMap")


@dataclass(frozen=True)
class Plan:
    """What a sync would do: `diffs` per object, `desired` placed in the cluster's
    namespaces with their tracking ids, `prune` the live objects gone from git."""

    rendered: Rendered
    desired: tuple[dict[str, Any], ...]
    diffs: tuple[ObjectDiff, ...]
    prune: tuple[dict[str, Any], ...]

    @property
    def in_sync(self) -> bool:
        return all(d.in_sync for d in self.diffs)

    def to_apply(self) -> list[dict[str, Any]]:
        changed = {d.key for d in self.diffs if d.action in ("added", "changed")}
        return [obj for obj in self.desired if object_key(obj) in changed]


@dataclass(frozen=True)
class HealthReport:
    entries: tuple[tuple[str, Health], ...]
    timed_out: bool = False

    @property
    def healthy(self) -> bool:
        return all(h.healthy for _, h in self.entries)

    def unhealthy(self) -> list[tuple[str, Health]]:
        return [(key, h) for key, h in self.entries if not h.healthy]

    def format(self) -> str:
        return "\n".join(f"{key}: {h.status}: {h.reason}" for key, h in self.unhealthy())


@dataclass(frozen=True)
class SyncResult:
    plan: Plan
    applied: tuple[str, ...] = ()
    pruned: tuple[str, ...] = ()
    health: HealthReport | None = None
    dry_run: bool = False


class SyncFailed(WorkflowEngineError):
    """Applied, but not every object became healthy in time (CLI exit 1)."""

    def __init__(self, result: SyncResult) -> None:
        self.result = result
        report = result.health.format() if result.health else ""
        why = "timed out waiting for health" if result.health and result.health.timed_out else ""
        super().__init__(f"{why or 'unhealthy objects'}:\n{report}")


def tracking_id(obj: dict[str, Any]) -> str:
    """`app:group/Kind:namespace/name`: names the object the annotation was written on,
    so a copy of our labels (Endpoints of a Service) never passes for ours."""
    meta = obj["metadata"]
    app = (meta.get("labels") or {}).get(APP_LABEL, "")
    group = obj["apiVersion"].rpartition("/")[0]
    return f"{app}:{group}/{obj['kind']}:{meta.get('namespace') or ''}/{meta['name']}"


def prepare(cluster: Cluster, rendered: Rendered) -> list[dict[str, Any]]:
    """The rendered objects placed in namespaces, with their tracking annotation, in
    apply order."""
    pending = crd_kinds(list(rendered.objects))
    placed: list[dict[str, Any]] = []
    for obj in rendered.objects:
        obj = cluster.place(obj, pending)
        meta = obj["metadata"]
        meta["annotations"] = {**meta.get("annotations", {}), TRACKING: tracking_id(obj)}
        placed.append(obj)
    return sorted(placed, key=_rank)


def crd_kinds(objects: list[dict[str, Any]]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced, for the CustomResourceDefinitions among `objects`."""
    kinds: dict[tuple[str, str], bool] = {}
    for obj in objects:
        if obj["kind"] != "CustomResourceDefinition":
            continue
        spec = obj.get("spec") or {}
        kind = (spec.get("names") or {}).get("kind")
        if spec.get("group") and kind:
            kinds[(str(spec["group"]), str(kind))] = spec.get("scope", "Namespaced") != "Cluster"
    return kinds


def _rank(obj: dict[str, Any]) -> int:
    return ORDER.index(obj["kind"]) if obj["kind"] in ORDER else len(ORDER)


def owned(cluster: Cluster, env: str, namespaces: set[str]) -> list[dict[str, Any]]:
    """Live objects this tool applied for `env` (labels and own tracking id)."""
    selector = f"{MANAGED_BY}={MANAGER},{ENV_LABEL}={env}"
    return [
        obj
        for obj in cluster.list_labelled(selector, namespaces)
        if (obj["metadata"].get("annotations") or {}).get(TRACKING) == tracking_id(obj)
    ]


def plan(cluster: Cluster, rendered: Rendered) -> Plan:
    desired = prepare(cluster, rendered)
    diffs: list[ObjectDiff] = []
    for obj in desired:
        if not cluster.serves(obj):  # its CRD comes with this sync
            diffs.append(compare(object_key(obj), obj, None))
            continue
        live = cluster.get(obj)
        # The dry run also has the server validate new objects before anything is
        # applied; one whose namespace this sync creates cannot be checked that way.
        try:
            dry = cluster.apply(obj, dry_run=True)
        except NotFound:
            if live is not None:
                raise
            dry = obj
        diffs.append(compare(object_key(obj), dry, live))
    namespaces = {cluster.namespace} | {
        o["metadata"]["namespace"] for o in desired if o["metadata"].get("namespace")
    }
    wanted = {tracking_id(o) for o in desired}
    prune = [
        o for o in owned(cluster, rendered.env.name, namespaces) if tracking_id(o) not in wanted
    ]
    prune.sort(key=_rank, reverse=True)
    diffs.extend(compare(object_key(o), None, o) for o in prune)
    return Plan(rendered, tuple(desired), tuple(diffs), tuple(prune))


Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Waiting:
    """How long and how often to wait for health (the clock is injectable)."""

    timeout: float = 120.0
    interval: float = 1.0
    clock: Clock = field(default=time.monotonic)
    sleep: Sleep = field(default=time.sleep)


def sync(
    cluster: Cluster,
    rendered: Rendered,
    *,
    dry_run: bool = False,
    waiting: Waiting | None = None,
    create_namespaces: bool = True,
) -> SyncResult:
    """Apply what differs, prune what git no longer has, wait for health (raise
    SyncFailed with the report of unhealthy objects when it does not come)."""
    the_plan = plan(cluster, rendered)
    if dry_run:
        return SyncResult(the_plan, dry_run=True)
    if create_namespaces:
        ensure_namespaces(cluster, list(the_plan.desired))
    applied = _apply_all(cluster, the_plan.to_apply(), waiting or Waiting())
    for obj in the_plan.prune:
        cluster.delete(obj)
    result = SyncResult(
        the_plan,
        applied=tuple(applied),
        pruned=tuple(object_key(o) for o in the_plan.prune),
    )
    report = wait_healthy(cluster, list(the_plan.desired), waiting or Waiting())
    result = SyncResult(the_plan, result.applied, result.pruned, report)
    if not report.healthy:
        raise SyncFailed(result)
    return result


def _apply_all(cluster: Cluster, objects: list[dict[str, Any]], waiting: Waiting) -> list[str]:
    """Apply `objects` in order; custom resources whose CRD this sync made wait until
    the CRD is Established and the server's kinds are discovered again."""
    crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
    applied = [object_key(cluster.apply(o)) for o in objects if _rank(o) < 2]
    rest = [o for o in objects if _rank(o) >= 2]
    if crds and any(not cluster.serves(o) for o in rest):
        wait_established(cluster, crds, waiting)
        cluster.refresh()
    applied += [object_key(cluster.apply(o)) for o in rest]
    return applied


def wait_established(cluster: Cluster, crds: list[dict[str, Any]], waiting: Waiting) -> bool:
    """Poll until every CRD has condition Established=True; False when time ran out."""
    deadline = waiting.clock() + waiting.timeout
    while True:
        live = [cluster.get(crd) for crd in crds]
        if all(_established(obj) for obj in live):
            return True
        left = deadline - waiting.clock()
        if left <= 0:
            return False
        waiting.sleep(min(waiting.interval / 4, left))


def _established(obj: dict[str, Any] | None) -> bool:
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Established":
            return bool(cond.get("status") == "True")
    return False


def ensure_namespaces(cluster: Cluster, desired: list[dict[str, Any]]) -> list[str]:
    """Create the namespaces objects name that neither exist nor are rendered
    themselves. They get no ownership labels, so no later sync ever prunes them (and
    everything in them)."""
    rendered = {o["metadata"]["name"] for o in desired if o["kind"] == "Namespace"}
    wanted = {o["metadata"].get("namespace") for o in desired} - rendered - {None}
    made: list[str] = []
    for name in sorted(n for n in wanted if n):
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        if cluster.get(namespace) is None:
            cluster.create(namespace)
            made.append(name)
    return made


def observe(cluster: Cluster, desired: list[dict[str, Any]]) -> HealthReport:
    """The health of every desired object now."""
    entries: list[tuple[str, Health]] = []
    for obj in desired:
        if not cluster.serves(obj):  # its CRD is not there (yet)
            entries.append((object_key(obj), assess(None)))
            continue
        live = cluster.get(obj)
        endpoints = None
        if live is not None and obj["kind"] == "Service" and obj["apiVersion"] == "v1":
            endpoints = cluster.list_objects(
                "discovery.k8s.io/v1",
                "EndpointSlice",
                obj["metadata"]["namespace"],
                label_selector=f"kubernetes.io/service-name={obj['metadata']['name']}",
            )
        entries.append((object_key(obj), assess(live, endpoints)))
    return HealthReport(tuple(entries))


def wait_healthy(cluster: Cluster, desired: list[dict[str, Any]], waiting: Waiting) -> HealthReport:
    """Poll until every object is Healthy on two polls in a row, one is Degraded, or
    the timeout passes."""
    deadline = waiting.clock() + waiting.timeout
    healthy_before = False
    while True:
        report = observe(cluster, desired)
        # Healthy must hold on two polls in a row: a container that crashes at once
        # can look Ready for a moment right after it starts.
        if report.healthy and healthy_before:
            return report
        healthy_before = report.healthy
        if any(h.status == "Degraded" for _, h in report.entries):
            return report
        left = deadline - waiting.clock()
        if left <= 0:
            return report if report.healthy else HealthReport(report.entries, timed_out=True)
        waiting.sleep(min(waiting.interval, left))


def sync_directory(
    root: Path,
    env: str,
    *,
    revision: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str | None = None,
    default_namespace: str = "default",
    dry_run: bool = False,
    timeout: float = 120.0,
    create_namespaces: bool = True,
) -> SyncResult:
    """Sync environment `env` of the config repository checked out at `root` (the
    entry point for callers that hold a work tree, such as the git side's
    `app create --wait-timeout`). Namespace for objects without one: `namespace`, else
    the environment's own in gitops.yaml, else `default_namespace`."""
    rendered = render(root, env, revision or git_revision(root))
    target = namespace or rendered.env.namespace or default_namespace
    return sync(
        connect(kubeconfig, context, target),
        rendered,
        dry_run=dry_run,
        waiting=Waiting(timeout=timeout),
        create_namespaces=create_namespaces,
    )
