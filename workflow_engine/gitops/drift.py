"""The drift agent's check: compare an environment with git, and when they diverge,
alert (a JSON summary POSTed to a webhook, a Kubernetes Event on each drifted object)
and, when asked, heal by syncing again.

Run by `wf gitops drift` (by hand, from CI, or on a schedule by the CronWorkflow in
examples/gitops/drift-cron.yaml). The webhook is plain HTTP(S) through urllib.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workflow_engine.errors import SpecError, TransientError
from workflow_engine.gitops.apply import Plan, plan
from workflow_engine.gitops.cluster import Cluster
from workflow_engine.gitops.diff import ObjectDiff, summary
from workflow_engine.gitops.render import REVISION, Rendered, object_key

EVENT_REASON = "GitOpsDrift"


@dataclass(frozen=True)
class Drift:
    env: str
    namespace: str
    revision: str
    diffs: tuple[ObjectDiff, ...]  # only those out of sync
    plan: Plan

    @property
    def drifted(self) -> bool:
        return bool(self.diffs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "namespace": self.namespace,
            "revision": self.revision,
            "drifted": self.drifted,
            "summary": summary(list(self.diffs)),
            "objects": [d.to_dict() for d in self.diffs],
        }


def detect(cluster: Cluster, rendered: Rendered) -> Drift:
    the_plan = plan(cluster, rendered)
    return Drift(
        env=rendered.env.name,
        namespace=cluster.namespace,
        revision=rendered.revision,
        diffs=drifted(the_plan.diffs),
        plan=the_plan,
    )


def drifted(diffs: Iterable[ObjectDiff]) -> tuple[ObjectDiff, ...]:
    """The diffs that are drift. An object whose only difference is the commit it was
    synced from is not: every later commit (a verification record, another app's
    promotion) moves that annotation without changing what the object should be."""
    revision_only = f"metadata.annotations.{REVISION}:"
    return tuple(
        d
        for d in diffs
        if not d.in_sync
        and not (d.action == "changed" and all(c.startswith(revision_only) for c in d.changes))
    )


def check_webhook(url: str) -> None:
    """SpecError unless `url` is an http(s) URL (urllib would also open file: URLs)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SpecError("--webhook", f"{url!r}: an http or https URL is required")


def post_webhook(url: str, drift: Drift, timeout: float = 10.0) -> int:
    """POST the drift summary as JSON; the response status (TransientError when the
    endpoint cannot be reached or answers with an error)."""
    check_webhook(url)
    body = json.dumps({"kind": "GitOpsDrift", **drift.to_dict()}).encode()
    req = urllib.request.Request(url, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        raise TransientError(f"webhook {url} answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise TransientError(f"webhook {url} unreachable: {exc}") from None


def record_events(
    cluster: Cluster, drift: Drift, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> list[str]:
    """One Warning Event per drifted object that exists (an object gone from git and
    still live included); the names of the Events made."""
    made: list[str] = []
    live_by_key = {object_key(o): o for o in (*drift.plan.desired, *drift.plan.prune)}
    for d in drift.diffs:
        obj = live_by_key.get(d.key)
        if obj is None or d.action == "added":
            continue
        made.append(_event(cluster, obj, d, now()))
    return made


def _event(cluster: Cluster, obj: dict[str, Any], d: ObjectDiff, at: datetime) -> str:
    meta = obj["metadata"]
    namespace = meta.get("namespace") or cluster.namespace
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    changes = "; ".join(d.changes[:5]) or d.action
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:12]}", "namespace": namespace},
        "involvedObject": {
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "name": meta["name"],
            "namespace": namespace,
        },
        "reason": EVENT_REASON,
        "message": f"{d.key} differs from git ({d.action}): {changes}"[:1000],
        "type": "Warning",
        "source": {"component": "wf-gitops"},
        "reportingComponent": "wf-gitops",
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }
    made = cluster.create(event)
    return str(made["metadata"]["name"])
