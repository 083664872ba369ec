"""`wf gitops status`: for one environment, which revision the cluster runs (from the
revision annotation each applied object carries), whether it matches git (Synced or
OutOfSync: what the objects should be, not which commit they were applied from) and
whether it is healthy (Healthy, Progressing, Degraded)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflow_engine.gitops.apply import observe, plan
from workflow_engine.gitops.cluster import Cluster
from workflow_engine.gitops.diff import ObjectDiff
from workflow_engine.gitops.drift import drifted
from workflow_engine.gitops.health import Status, overall
from workflow_engine.gitops.render import REVISION, Rendered


@dataclass(frozen=True)
class EnvStatus:
    env: str
    namespace: str
    desired_revision: str
    live_revisions: tuple[str, ...]  # every revision found on live objects, sorted
    sync: str  # Synced | OutOfSync
    health: Status
    out_of_sync: tuple[ObjectDiff, ...]
    unhealthy: tuple[tuple[str, str, str], ...]  # (object, status, reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "namespace": self.namespace,
            "revision": {"desired": self.desired_revision, "live": list(self.live_revisions)},
            "sync": self.sync,
            "health": self.health,
            "outOfSync": [d.to_dict() for d in self.out_of_sync],
            "unhealthy": [{"object": k, "status": s, "reason": r} for k, s, r in self.unhealthy],
        }


def env_status(cluster: Cluster, rendered: Rendered) -> EnvStatus:
    the_plan = plan(cluster, rendered)
    report = observe(cluster, list(the_plan.desired))
    revisions = set()
    for obj in the_plan.desired:
        live = cluster.get(obj)
        if live is not None:
            revisions.add((live["metadata"].get("annotations") or {}).get(REVISION, "unknown"))
    out_of_sync = drifted(the_plan.diffs)  # a later commit alone leaves it Synced
    return EnvStatus(
        env=rendered.env.name,
        namespace=cluster.namespace,
        desired_revision=rendered.revision,
        live_revisions=tuple(sorted(revisions)),
        sync="Synced" if not out_of_sync else "OutOfSync",
        health=overall([h for _, h in report.entries]),
        out_of_sync=out_of_sync,
        unhealthy=tuple((k, h.status, h.reason) for k, h in report.unhealthy()),
    )
