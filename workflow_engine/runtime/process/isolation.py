"""The container boundary of the process runtime: what holds on this kernel, per pod.

Part of the process runtime: `probe_boundary` asks once per runtime what the kernel lets
it build around an overlay sandbox (wf-sandbox --probe tries each namespace in a child;
cgroups.py finds a writable cgroup hierarchy) and returns a `Boundary`, which says in
words what holds (`describe`, logged at start and shown by `wf version`) and turns a
container's `ContainerSecurity` into the ISO argument of wf-sandbox (wf_isolate.c).
Layers the kernel refuses are left out and named in `notes`; nothing is half-built.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from workflow_engine.runtime.process.cgroups import Cgroups, probe_cgroups
from workflow_engine.runtime.process.sandbox import find_helper
from workflow_engine.runtime.process.security import ContainerSecurity

log = logging.getLogger(__name__)

IsolationChoice = Literal["auto", "none"]
PodNetwork = Literal["host", "private"]
HOSTNAME_MAX = 63  # the kubelet truncates a pod's hostname the same way
# host ids of a hostUsers: false pod: container ids 0..65535 are host ids 100000..165535
# (one range for every pod: pods sharing a volume read each other's files, as one user)
USERNS_BASE = 100_000
LAYERS = ("pid", "uts", "ipc", "net", "user", "seccomp")  # what --probe may print


@dataclass(frozen=True)
class Boundary:
    namespaces: frozenset[str] = frozenset()  # of pid uts ipc net user, as probed
    users: bool = False  # runAsUser/runAsGroup and capabilities can be applied
    cgroups: Cgroups | None = None
    network: PodNetwork = "host"
    notes: tuple[str, ...] = field(default=())  # why a layer is missing
    seccomp: bool = False  # the default system-call filter can be installed

    @property
    def active(self) -> bool:
        return self.users

    def describe(self) -> str:
        if not self.active:
            return "none: " + "; ".join(self.notes) if self.notes else "none"
        held = [f"{ns} namespace" for ns in ("pid", "uts", "ipc") if ns in self.namespaces] + [
            "own /dev",
            "capabilities dropped",
            "runAsUser",
        ]
        if "pid" in self.namespaces:
            held.insert(1, "own /proc")
        if self.seccomp:
            held.append("seccomp RuntimeDefault")
        if self.user_namespaces:
            held.append("user namespace with hostUsers: false")
        if self.network == "private" and "net" in self.namespaces:
            held.append("private network (loopback only) unless hostNetwork")
        else:
            held.append("host network")
        held.append(f"limits by {self.cgroups.describe()}" if self.cgroups else "no limits")
        text = ", ".join(held)
        return f"{text} (missing: {'; '.join(self.notes)})" if self.notes else text

    @property
    def user_namespaces(self) -> bool:
        return self.active and "user" in self.namespaces

    def iso(self, sec: ContainerSecurity, hostname: str, cgroup_procs: tuple[str, ...]) -> str:
        """wf-sandbox's ISO argument for one container process."""
        if not self.active:
            return "-"
        items: list[str] = [ns for ns in ("pid", "ipc") if ns in self.namespaces]
        if "uts" in self.namespaces:
            items.append(f"uts={hostname[:HOSTNAME_MAX].rstrip('-.') or 'pod'}")
        if self.network == "private" and "net" in self.namespaces and not sec.host_network:
            items.append("net")
        items.append("dev")
        userns = not sec.host_users and self.user_namespaces
        if userns:
            items.append(f"userns={USERNS_BASE}")
        if sec.run_as_user is not None or userns:
            items.append(f"uid={sec.run_as_user or 0}")
        if sec.run_as_group is not None or sec.run_as_user is not None or userns:
            items.append(f"gid={sec.run_as_group or 0}")
            items += [f"group={g}" for g in sec.groups]
        if sec.capabilities is not None:
            items.append(f"caps={sec.capabilities:x}")
        if sec.no_new_privs:
            items.append("nnp")
        if self.seccomp and sec.filtered:
            items.append("seccomp")
        items += [f"cg={p}" for p in cgroup_procs]
        return ",".join(items)


def probe_namespaces(helper: str) -> frozenset[str]:
    try:
        done = subprocess.run(
            [helper, "--probe"], capture_output=True, timeout=30, check=False, text=True
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(done.stdout.split()) if done.returncode == 0 else frozenset()


def probe_boundary(
    choice: IsolationChoice,
    kind: str,
    shim: str | None,
    network: PodNetwork,
    cgroup_name: str,
    refuse: Collection[str] = (),
) -> Boundary:
    """What this runtime can build around each container (once, at start). `refuse`:
    layers of LAYERS to leave out as if the kernel refused them (each fallback's test)."""
    unknown = sorted(set(refuse) - set(LAYERS))
    if unknown:
        raise ValueError(f"unknown boundary layers {unknown}: known are {', '.join(LAYERS)}")
    if choice == "none":
        return Boundary(network=network, notes=("isolation='none' was asked for",))
    if kind != "overlay" or os.geteuid() != 0:
        return Boundary(network=network, notes=("needs root and the overlay sandbox",))
    if shim is None:
        return Boundary(network=network, notes=("needs wf-sandbox (scripts/setup.sh)",))
    namespaces = probe_namespaces(shim) - frozenset(refuse)
    notes = [
        f"the kernel refuses a {ns} namespace"
        for ns in ("pid", "uts", "ipc")
        if ns not in namespaces
    ]
    if network == "private" and "net" not in namespaces:
        notes.append("the kernel refuses a network namespace: pods use the host network")
    if "user" not in namespaces:
        notes.append("the kernel refuses a user namespace: hostUsers: false pods are refused")
    if "seccomp" not in namespaces:
        notes.append("no seccomp filter: system calls are not filtered")
    found = probe_cgroups(cgroup_name)
    cgroups = found if isinstance(found, Cgroups) else None
    if isinstance(found, str):
        notes.append(f"resources.limits not enforced: {found}")
    boundary = Boundary(
        namespaces - {"seccomp"}, True, cgroups, network, tuple(notes), "seccomp" in namespaces
    )
    log.info("pod boundary: %s", boundary.describe())
    return boundary


def describe_boundary(kind: str, helper: str | None = None) -> str:
    """What a runtime made now would build (for `wf version`); leaves nothing behind."""
    boundary = probe_boundary(
        "auto", kind, helper or find_helper(), "host", f"wf-probe-{os.getpid()}"
    )
    if boundary.cgroups is not None:
        boundary.cgroups.close()
    return boundary.describe()
