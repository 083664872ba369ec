"""Pod records on disk: what a later ProcessRuntime on the same state dir needs to
rebuild a pod (manifest, phase, container states, shims, handler runs).

Part of the process runtime. Records live in a journal, `<state>/journal/<seq>.jsonl`,
appended to one JSON line at a time: `{"pod": "ns/name", "manifest": ...}` at create,
`{"pod": ..., "state": ...}` after each change (the last one wins), `{"pod": ...,
"deleted": true}`, and each shim's `{"exit": "ns/name/key", "code": N}` (the shim gets
the journal's descriptor and appends its exit code itself). One shared file because
creating a file costs about 400 us of CPU on this machine's ext4 and an append 10 us;
a torn last line (a writer killed mid-write) is ignored. No fsync: the journal guards
against the death of the runtime's process, not of the machine.

A runtime starts a new segment when it starts (and when the current one passes
`ROTATE_BYTES`), writing there the records of every pod it knows; an older segment
is deleted once no running shim can still append to it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow_engine.runtime.process.records import ContainerRecord, PodRecord, Shim

log = logging.getLogger(__name__)
ROTATE_BYTES = 64 << 20
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
        "spec": pod.spec,
        "labels": pod.labels,
        "annotations": pod.annotations,
        "grace": pod.grace,
        "created": pod.created,
    }


def state_of(pod: PodRecord) -> dict[str, Any]:
    """The mutable part of a pod's record, as a `state` line holds it."""
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


def pod_key(pod: PodRecord) -> str:
    return f"{pod.namespace}/{pod.name}"


def _shim(value: Any) -> Shim | None:
    return (int(value[0]), int(value[1]), int(value[2])) if value else None


def _restore_container(data: dict[str, Any], directory: Path) -> ContainerRecord:
    name = str(data["name"])
    c = ContainerRecord(name, directory / "logs" / f"{name}.log")
    for name_ in _CONTAINER_FIELDS:
        setattr(c, name_, data[name_])
    c.started_at = _parse_time(data.get("started_at"))
    c.finished_at = _parse_time(data.get("finished_at"))
    c.shim = _shim(data.get("shim"))
    c.runs = [_shim(r) for r in data.get("runs") or ()]
    return c


def restore(key: str, manifest: dict[str, Any], state: dict[str, Any], pods_dir: Path) -> PodRecord:
    namespace, name = key.split("/", 1)
    directory = pods_dir / namespace / name
    pod = PodRecord(
        name=name,
        namespace=namespace,
        spec=manifest["spec"],
        labels=manifest["labels"],
        annotations=manifest["annotations"],
        directory=directory,
        init=[_restore_container(c, directory) for c in state["init"]],
        main=[_restore_container(c, directory) for c in state["main"]],
        grace=float(manifest["grace"]),
        created=int(manifest["created"]),
    )
    for name_ in _POD_FIELDS:
        setattr(pod, name_, state[name_])
    pod.started_at = _parse_time(state.get("started_at"))
    pod.finished_at = _parse_time(state.get("finished_at"))
    return pod


@dataclass
class _Segment:
    """An older segment: read incrementally for the exit codes its shims append."""

    path: Path
    offset: int = 0
    exits: dict[str, int] = field(default_factory=dict)
    starts: set[str] = field(default_factory=set)  # keys whose shim spawned its program
    partial: bytes = b""

    def read(self, everything: bool = False) -> list[dict[str, Any]]:
        """New complete lines: all of them parsed (`everything`), or only the shims'."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()  # incomplete (or torn) until its newline comes
        entries = []
        for line in lines:
            if not everything and not line.startswith((b'{"exit":', b'{"start":')):
                continue
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    entries.append(entry)
                    if isinstance(entry.get("exit"), str) and isinstance(entry.get("code"), int):
                        self.exits[entry["exit"]] = entry["code"]
                    elif isinstance(entry.get("start"), str):
                        self.starts.add(entry["start"])
        return entries


class Journal:
    """The records of one state dir. Every method but `load` is called with the
    runtime's lock held, so lines of one pod are written in order."""

    def __init__(self, directory: Path, pods_dir: Path, rotate_bytes: int = ROTATE_BYTES) -> None:
        self._dir = directory
        self._rotate_bytes = rotate_bytes
        self._pods_dir = pods_dir
        self._dir.mkdir(parents=True, exist_ok=True)
        self._segments: dict[int, _Segment] = {}
        self.seq = 0
        self._fd = -1
        self._written = 0
        self._snapshot = 0  # bytes of the current segment's opening snapshot

    def load(self) -> list[PodRecord]:
        """Every pod the segments record (deleted ones excluded), oldest first."""
        manifests: dict[str, dict[str, Any]] = {}
        states: dict[str, dict[str, Any]] = {}
        paths = [p for p in self._dir.glob("*.jsonl") if p.stem.isdigit()]
        for path in sorted(paths, key=lambda p: int(p.stem)):
            segment = self._segments[int(path.stem)] = _Segment(path)
            for entry in segment.read(everything=True):
                key = entry.get("pod")
                if not isinstance(key, str):
                    continue
                if "manifest" in entry:
                    # its state follows; a snapshot torn in between keeps the older one
                    manifests[key] = entry["manifest"]
                elif "state" in entry:
                    states[key] = entry["state"]
                elif entry.get("deleted"):
                    manifests.pop(key, None)
                    states.pop(key, None)
        pods: list[PodRecord] = []
        for key, manifest in manifests.items():
            try:
                pods.append(restore(key, manifest, states[key], self._pods_dir))
            except (KeyError, ValueError, TypeError) as e:
                log.warning("process runtime: unreadable record of pod %s: %r", key, e)
        pods.sort(key=lambda p: p.created)
        self.seq = max(self._segments, default=0)
        return pods

    def start(self, pods: Iterable[PodRecord]) -> None:
        """A new segment holding `pods`; segments no running shim refers to go (but
        the one being left, when rotating: a shim may be starting with it now)."""
        rotating = self._fd >= 0
        self.seq += 1
        path = self._dir / f"{self.seq}.jsonl"
        old = self._fd
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        self._segments[self.seq] = _Segment(path)
        pods = list(pods)
        chunk = b"".join(
            _line({"pod": pod_key(p), "manifest": _manifest(p)})
            + _line({"pod": pod_key(p), "state": state_of(p)})
            for p in pods
        )
        self._write(chunk)
        self._written = self._snapshot = len(chunk)
        if old >= 0:
            os.close(old)
        live = {s[2] for p in pods for c in p.containers() for s in _live_shims(c)}
        if rotating:
            live.add(self.seq - 1)
        for seq in [s for s in self._segments if s != self.seq and s not in live]:
            with contextlib.suppress(FileNotFoundError):
                self._segments[seq].path.unlink()
            del self._segments[seq]

    def _write(self, data: bytes) -> None:
        if data:
            os.write(self._fd, data)
            self._written += len(data)

    def created(self, pod: PodRecord) -> None:
        key = pod_key(pod)
        self._write(
            _line({"pod": key, "manifest": _manifest(pod)})
            + _line({"pod": key, "state": state_of(pod)})
        )

    def save(self, pod: PodRecord) -> None:
        self._write(_line({"pod": pod_key(pod), "state": state_of(pod)}))

    def deleted(self, pod: PodRecord) -> None:
        self._write(_line({"pod": pod_key(pod), "deleted": True}))

    def rotate_if_due(self, pods: Callable[[], Iterable[PodRecord]]) -> None:
        """A new snapshot once the segment is past `rotate_bytes` and has grown by at
        least its snapshot's size: a table whose snapshot alone is past `rotate_bytes`
        (about 38,000 pods at 64 MiB) is not written again on every save."""
        if self._written > max(self._rotate_bytes, 2 * self._snapshot):
            self.start(pods())

    def lease(self) -> tuple[int, int]:
        """(a duplicate of the current segment's descriptor, its number), for a shim
        being started: the caller closes the descriptor once the shim has it."""
        return os.dup(self._fd), self.seq

    def exit_code(self, key: str) -> int | None:
        """The code a shim appended for `key` (see `exit_key`), in whichever segment it
        was given."""
        for seq in sorted(self._segments, reverse=True):
            segment = self._segments[seq]
            if key not in segment.exits:
                segment.read()
            if key in segment.exits:
                return segment.exits[key]
        return None

    def started(self, key: str) -> bool:
        """Did the shim of `key` get as far as spawning its program (a `start` line)?"""
        for segment in self._segments.values():
            segment.read()
            if key in segment.starts:
                return True
        return False

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _live_shims(c: ContainerRecord) -> list[Shim]:
    """Shims of a container that may still be running (so may still append), those
    recorded as being started (pid 0) included."""
    if c.state != "running":
        return []
    return [s for s in (c.shim, *c.runs) if s is not None]


def exit_key(pod: PodRecord, name: str) -> str:
    """How a shim names its exit code: `name` is a container or a handler's run; the
    creation time tells a pod from an earlier one of the same name."""
    return f"{pod.namespace}/{pod.name}/{pod.created}/{name}"
