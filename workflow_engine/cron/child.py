"""A CronWorkflow's children: the Workflow a scheduled time submits, its name and
labels, and how a child is read back (running or finished).

Pure: the scheduler (`plan`) and the controller's cron loop use it, and so does
`wf submit --from cronwf/NAME`.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from workflow_engine.vocabulary import WORKFLOW_KIND

Obj = dict[str, Any]
CRON_LABEL = "workflows.argoproj.io/cron-workflow"
SCHEDULED_TIME = "workflows.argoproj.io/scheduled-time"
_FINISHED = frozenset({"Succeeded", "Failed", "Error"})


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def child_name(cron_name: str, scheduled: datetime) -> str:
    """Argo's child name: deterministic, so one scheduled time makes one workflow."""
    return f"{cron_name}-{int(scheduled.timestamp())}"


def is_finished(workflow: Obj) -> bool:
    return (workflow.get("status") or {}).get("phase") in _FINISHED


def active_refs(children: list[Obj]) -> list[Obj]:
    """Object references (as `status.active` lists them) of the unfinished children."""
    return [
        {
            "kind": WORKFLOW_KIND,
            "apiVersion": c.get("apiVersion"),
            "name": c["metadata"]["name"],
            "namespace": c["metadata"].get("namespace") or "default",
            "uid": c["metadata"].get("uid"),
        }
        for c in children
        if not is_finished(c)
    ]


def child_workflow(cron: Obj, scheduled: datetime | None, name: str | None = None) -> Obj:
    """The Workflow a CronWorkflow submits: its `workflowSpec`, `workflowMetadata`'s
    labels and annotations, the cron label, the scheduled time and an owner reference.
    `scheduled` None (a manual `wf submit --from cronwf/NAME`): `generateName`."""
    meta = cron["metadata"]
    extra = (cron.get("spec") or {}).get("workflowMetadata") or {}
    labels = {**(extra.get("labels") or {}), CRON_LABEL: meta["name"]}
    annotations = dict(extra.get("annotations") or {})
    child_meta: Obj = {
        "namespace": meta.get("namespace") or "default",
        "labels": labels,
        "annotations": annotations,
    }
    if scheduled is not None:
        child_meta["name"] = name or child_name(meta["name"], scheduled)
        annotations[SCHEDULED_TIME] = rfc3339(scheduled)
    else:
        child_meta["generateName"] = f"{meta['name']}-"
    if meta.get("uid"):
        child_meta["ownerReferences"] = [
            {
                "apiVersion": cron.get("apiVersion"),
                "kind": "CronWorkflow",
                "name": meta["name"],
                "uid": meta["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {
        "apiVersion": cron.get("apiVersion"),
        "kind": WORKFLOW_KIND,
        "metadata": child_meta,
        "spec": copy.deepcopy((cron.get("spec") or {}).get("workflowSpec") or {}),
    }


__all__ = [
    "CRON_LABEL",
    "SCHEDULED_TIME",
    "active_refs",
    "child_name",
    "child_workflow",
    "is_finished",
    "parse_time",
    "rfc3339",
]
