"""Container resource limits through cgroups (v2, else the v1 memory and cpu hierarchies).

Part of the process runtime: `probe_cgroups` finds, once per runtime, where this
process may make child cgroups with the memory and cpu controllers: below its own
cgroup (so pods stay charged to whatever limits the runtime itself is under), in the
unified (v2) hierarchy when it carries those controllers, else in the v1 `memory` and
`cpu` hierarchies. A container with `resources.limits` gets a cgroup per controller,
named after its exit key; wf-sandbox's shim joins it before starting anything, so every
process of the container is charged there. After the container ends, the runtime reads
whether the kernel's OOM killer fired in it (reason OOMKilled) and removes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

PERIOD_US = 100_000


@dataclass(frozen=True)
class Mount:
    root: str  # the cgroup path mounted there
    point: str
    fstype: str  # "cgroup2" or "cgroup"
    options: frozenset[str]  # super options: the v1 controllers


def parse_mountinfo(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            mounts.append(Mount(fields[3], fields[4], tail[0], frozenset(tail[2].split(","))))
    return mounts


def parse_self_cgroup(text: str) -> dict[str, str]:
    """controller ("" for the unified hierarchy) -> this process's cgroup path."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(",") if controllers else [""]:
            paths[c] = path
    return paths


def _below(mount: Mount, path: str) -> Path:
    inside = mount.root != "/" and (path + "/").startswith(mount.root + "/")
    return Path(mount.point, (path[len(mount.root) :] if inside else path).lstrip("/"))


@dataclass(frozen=True)
class Cgroups:
    version: int  # 1 or 2
    memory: Path | None  # the directory under which pod cgroups are made, per controller
    cpu: Path | None

    def describe(self) -> str:
        parts = [
            f"{k} below {p.parent}" for k, p in (("memory", self.memory), ("cpu", self.cpu)) if p
        ]
        return f"cgroup v{self.version} ({', '.join(parts)})"

    def create(self, key: str, memory: int | None, cpu_millis: int | None) -> tuple[str, ...]:
        """Make the container's cgroups with its limits; returns their cgroup.procs."""
        name = cgroup_name(key)
        procs: list[str] = []
        quota = max(1000, cpu_millis * PERIOD_US // 1000) if cpu_millis else 0
        if self.version == 2 and self.memory is not None:
            d = self.memory / name
            d.mkdir(exist_ok=True)
            if memory is not None:
                _write(d / "memory.max", str(memory))
                _write(d / "memory.swap.max", "0", optional=True)
            if quota:
                _write(d / "cpu.max", f"{quota} {PERIOD_US}")
            return (str(d / "cgroup.procs"),)
        if memory is not None and self.memory is not None:
            self.memory.mkdir(exist_ok=True)  # made on first use: a runtime killed leaves none
            d = self.memory / name
            d.mkdir(exist_ok=True)
            _write(d / "memory.limit_in_bytes", str(memory))
            _write(d / "memory.memsw.limit_in_bytes", str(memory), optional=True)
            procs.append(str(d / "cgroup.procs"))
        if quota and self.cpu is not None:
            self.cpu.mkdir(exist_ok=True)
            d = self.cpu / name
            d.mkdir(exist_ok=True)
            _write(d / "cpu.cfs_period_us", str(PERIOD_US))
            _write(d / "cpu.cfs_quota_us", str(quota))
            procs.append(str(d / "cgroup.procs"))
        return tuple(procs)

    def oom_killed(self, key: str) -> bool:
        if self.memory is None:
            return False
        events = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            text = (self.memory / cgroup_name(key) / events).read_text()
        except OSError:
            return False
        counts = dict(line.split(None, 1) for line in text.splitlines() if " " in line)
        return int(counts.get("oom_kill", "0")) > 0

    def remove(self, key: str) -> None:
        for parent in {self.memory, self.cpu} - {None}:
            with contextlib.suppress(OSError):  # gone already, or a process still in it
                os.rmdir(parent / cgroup_name(key))  # type: ignore[operator]

    def close(self) -> None:
        for parent in {self.memory, self.cpu} - {None}:
            with contextlib.suppress(OSError):
                os.rmdir(parent)  # type: ignore[arg-type]


def cgroup_name(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:24]


def _write(path: Path, value: str, optional: bool = False) -> None:
    try:
        with open(path, "w") as f:
            f.write(value)
    except FileNotFoundError:
        if not optional:
            raise


def _v2(mounts: list[Mount], own: dict[str, str], name: str) -> Cgroups | str:
    unified = next((m for m in mounts if m.fstype == "cgroup2"), None)
    if unified is None or "" not in own:
        return "no cgroup v2 hierarchy"
    base = _below(unified, own[""])
    try:
        available = set((base / "cgroup.controllers").read_text().split())
    except OSError as e:
        return f"cgroup v2 at {base} unreadable: {e}"
    if not {"memory", "cpu"} <= available:
        return f"cgroup v2 at {unified.point} has no memory and cpu controllers"
    try:
        _write(base / "cgroup.subtree_control", "+memory +cpu")
        parent = base / name
        parent.mkdir(exist_ok=True)
        _write(parent / "cgroup.subtree_control", "+memory +cpu")
    except OSError as e:
        return f"cgroup v2 at {base} is not writable for the memory and cpu controllers: {e}"
    return Cgroups(2, parent, parent)


def _v1(mounts: list[Mount], own: dict[str, str], name: str) -> Cgroups | str:
    dirs: dict[str, Path | None] = {}
    for controller in ("memory", "cpu"):
        mount = next((m for m in mounts if m.fstype == "cgroup" and controller in m.options), None)
        dirs[controller] = None
        if mount is not None and controller in own:
            base = _below(mount, own[controller])
            if os.access(base, os.W_OK):  # the pods' parent is made when first needed
                dirs[controller] = base / name
    if dirs["memory"] is None and dirs["cpu"] is None:
        return "no writable cgroup v1 memory or cpu hierarchy"
    return Cgroups(1, dirs["memory"], dirs["cpu"])


def probe_cgroups(name: str, proc: Path = Path("/proc")) -> Cgroups | str:
    """Where to make pod cgroups, below this process's own; or why not (a reason)."""
    try:
        mounts = parse_mountinfo((proc / "self/mountinfo").read_text())
        own = parse_self_cgroup((proc / "self/cgroup").read_text())
    except OSError as e:
        return f"cgroups unreadable: {e}"
    found = _v2(mounts, own, name)
    if isinstance(found, Cgroups):
        return found
    older = _v1(mounts, own, name)
    return older if isinstance(older, Cgroups) else f"{found}; {older}"
