"""Pod records on disk: what a later ProcessRuntime on the same state dir needs to
rebuild a pod (manifest, phase, container states, shims, handler runs).

Part of the process runtime. A pod's record is one file, `pod.json` in the pod's
directory, made once at create_pod and then only appended to, one JSON line at a
time: line 1 holds the manifest, each later `{"state": ...}` line the pod's whole
mutable state after a change (the last complete one wins), and each shim appends
`{"exit": KEY, "code": N}` when its process ends. Appending is cheap where creating
and renaming files is not (on this machine's ext4, about 10 us against 350 us), and
a torn last line (the writer killed mid-write) is simply ignored. No fsync: the
record guards against the death of the runtime's process, not of the machine.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
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


def _manifest(pod: PodRecord) -> dict[str, Any]:
    return {
        "name": pod.name,
        "namespace": pod.namespace,
        "spec": pod.spec,
        "labels": pod.labels,
        "annotations": pod.annotations,
        "grace": pod.grace,
        "created": pod.created,
    }


def _state(pod: PodRecord) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(pod, name) for name in _POD_FIELDS}
    data.update(
        started_at=_time(pod.started_at),
        finished_at=_time(pod.finished_at),
        init=[_container(c) for c in pod.init],
        main=[_container(c) for c in pod.main],
    )
    return data


def _line(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode() + b"\n"


def create(pod: PodRecord) -> None:
    """Make the pod's directory and its record (before the pod can start)."""
    path = pod.directory / RECORD
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:
        pod.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o644)
    try:
        os.write(fd, _line({"manifest": _manifest(pod)}) + _line({"state": _state(pod)}))
    finally:
        os.close(fd)
    pod.recorded = True


def save(pod: PodRecord) -> None:
    """Append the pod's state (callers hold the runtime's lock, so the lines of one pod
    are written in order). A deleted pod's record is gone and stays gone. The file
    stays open while the pod runs (an open costs more than the write here); a queued
    or finished pod holds no descriptor."""
    fd = pod.record_fd
    if fd is None:
        try:
            fd = os.open(pod.directory / RECORD, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except FileNotFoundError:
            return
    try:
        os.write(fd, _line({"state": _state(pod)}))
    finally:
        if pod.stage in ("init", "main") and not pod.deleting:
            pod.record_fd = fd
        else:
            os.close(fd)
            pod.record_fd = None


def release(pod: PodRecord) -> None:
    """Close the record's descriptor (the pod is removed, or the runtime closes)."""
    if pod.record_fd is not None:
        os.close(pod.record_fd)
        pod.record_fd = None


def _lines(path: Path) -> list[dict[str, Any]]:
    entries = []
    for line in path.read_bytes().split(b"\n"):
        try:
            entry = json.loads(line)
        except ValueError:  # a torn last line, or the empty one after the last newline
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def exit_code(pod_dir: Path, key: str) -> int | None:
    """The code a shim recorded for `key` (a container, or a handler's run); only the
    shims' lines are parsed (the manifest's may be long)."""
    try:
        data = (pod_dir / RECORD).read_bytes()
    except OSError:
        return None
    head = b'\n{"exit":' + json.dumps(key).encode() + b","
    end = len(data)
    while (at := data.rfind(head, 0, end)) >= 0:
        stop = data.find(b"\n", at + 1)
        if stop >= 0:  # a complete line (a torn one has no newline yet)
            with contextlib.suppress(ValueError, AttributeError):
                code = json.loads(data[at + 1 : stop]).get("code")
                if isinstance(code, int):
                    return code
        end = at
    return None


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


def restore(path: Path) -> PodRecord:
    entries = _lines(path)
    manifest = entries[0]["manifest"]
    state = next(e["state"] for e in reversed(entries) if "state" in e)
    directory = path.parent
    pod = PodRecord(
        name=str(manifest["name"]),
        namespace=str(manifest["namespace"]),
        spec=manifest["spec"],
        labels=manifest["labels"],
        annotations=manifest["annotations"],
        directory=directory,
        init=[_restore_container(c, directory) for c in state["init"]],
        main=[_restore_container(c, directory) for c in state["main"]],
        grace=float(manifest["grace"]),
        created=int(manifest["created"]),
    )
    for field in _POD_FIELDS:
        setattr(pod, field, state[field])
    pod.started_at = _parse_time(state.get("started_at"))
    pod.finished_at = _parse_time(state.get("finished_at"))
    return pod


def load_pods(pods_dir: Path) -> list[PodRecord]:
    """Every pod record under pods/<namespace>/<name>/, oldest first; a directory
    without a readable record (deleted half-way, or left by an older runtime) is
    skipped."""
    pods: list[PodRecord] = []
    for record in pods_dir.glob(f"*/*/{RECORD}"):
        try:
            pods.append(restore(record))
        except (OSError, ValueError, KeyError, TypeError, IndexError, StopIteration) as e:
            log.warning("process runtime: unreadable pod record %s: %r", record, e)
    pods.sort(key=lambda p: p.created)
    return pods
