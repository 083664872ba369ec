"""Pod records on disk: what a later ProcessRuntime on the same state dir needs to
rebuild a pod (manifest, phase, container states, shims, handler runs).

Part of the process runtime: the supervisor saves a pod's record (`pod.json` in the
pod's directory, written to a temporary name and renamed, never fsync'd: it guards
against the death of the runtime's process, not of the machine) at each change that
matters after a crash; `load_pods` reads them all back when a runtime starts.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow_engine.runtime.process.records import ContainerRecord, PodRecord

log = logging.getLogger(__name__)
RECORD = "pod.json"
_POD_FIELDS = (
    "phase",
    "stage",
    "init_index",
    "reason",
    "message",
    "deleting",
    "deadline_hit",
    "sidecars_killed",
    "plain_links",
    "created",
    "grace",
)
_CONTAINER_FIELDS = ("state", "exit_code", "reason", "message", "kill_requested")


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _container(c: ContainerRecord) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(c, name) for name in _CONTAINER_FIELDS}
    data.update(
        name=c.name,
        started_at=_time(c.started_at),
        finished_at=_time(c.finished_at),
        shim=list(c.shim) if c.shim else None,
        runs=[list(r) if r else None for r in c.runs],
    )
    return data


def snapshot(pod: PodRecord) -> bytes:
    data: dict[str, Any] = {name: getattr(pod, name) for name in _POD_FIELDS}
    data.update(
        name=pod.name,
        namespace=pod.namespace,
        spec=pod.spec,
        labels=pod.labels,
        annotations=pod.annotations,
        started_at=_time(pod.started_at),
        finished_at=_time(pod.finished_at),
        init=[_container(c) for c in pod.init],
        main=[_container(c) for c in pod.main],
    )
    return json.dumps(data, separators=(",", ":")).encode()


def save(pod: PodRecord) -> None:
    """Write the pod's record atomically (callers hold the runtime's lock, so records
    of one pod are written one at a time and in order)."""
    tmp = pod.directory / f".{RECORD}.{threading.get_ident()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    except FileNotFoundError:  # deleted meanwhile, or not made yet
        if pod.deleting:
            return
        pod.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, snapshot(pod))
    finally:
        os.close(fd)
    os.replace(tmp, pod.directory / RECORD)


def _shim(value: Any) -> tuple[int, int] | None:
    return (int(value[0]), int(value[1])) if value else None


def _restore_container(data: dict[str, Any], directory: Path) -> ContainerRecord:
    name = str(data["name"])
    c = ContainerRecord(name, directory / "logs" / f"{name}.log")
    for field in _CONTAINER_FIELDS:
        setattr(c, field, data[field])
    c.started_at = _parse_time(data.get("started_at"))
    c.finished_at = _parse_time(data.get("finished_at"))
    c.shim = _shim(data.get("shim"))
    c.runs = [_shim(r) for r in data.get("runs") or ()]
    return c


def restore(data: dict[str, Any], directory: Path) -> PodRecord:
    pod = PodRecord(
        name=str(data["name"]),
        namespace=str(data["namespace"]),
        spec=data["spec"],
        labels=data["labels"],
        annotations=data["annotations"],
        directory=directory,
        init=[_restore_container(c, directory) for c in data["init"]],
        main=[_restore_container(c, directory) for c in data["main"]],
        grace=float(data["grace"]),
    )
    for field in _POD_FIELDS:
        setattr(pod, field, data[field])
    pod.started_at = _parse_time(data.get("started_at"))
    pod.finished_at = _parse_time(data.get("finished_at"))
    return pod


def load_pods(pods_dir: Path) -> list[PodRecord]:
    """Every pod record under pods/<namespace>/<name>/, oldest first; a directory
    without a readable record (deleted half-way, or written by an older runtime) is
    skipped."""
    pods: list[PodRecord] = []
    for record in pods_dir.glob(f"*/*/{RECORD}"):
        try:
            pods.append(restore(json.loads(record.read_bytes()), record.parent))
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("process runtime: unreadable pod record %s: %r", record, e)
    pods.sort(key=lambda p: p.created)
    return pods
