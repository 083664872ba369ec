"""A container's securityContext and resources.limits, as the process runtime honours them.

Part of the process runtime: `container_security` merges the pod's and the container's
securityContext (the container's fields win, as in Kubernetes) with its resource limits
into a frozen `ContainerSecurity`, which isolation.py turns into wf-sandbox's boundary
argument. Malformed values raise SpecError at their field path (checked at create_pod,
so nothing is created); a policy refusal (runAsNonRoot with a root user) is returned as
the container's error instead, as the kubelet refuses to start such a container.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow_engine.errors import SpecError

# capability numbers (linux/capability.h), in order
CAPABILITIES = (
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
)
# what a container engine gives a root process by default (no SYS_ADMIN, no SYS_PTRACE)
DEFAULT_CAPABILITIES = frozenset(
    {
        "CHOWN",
        "DAC_OVERRIDE",
        "FSETID",
        "FOWNER",
        "MKNOD",
        "NET_RAW",
        "SETGID",
        "SETUID",
        "SETFCAP",
        "SETPCAP",
        "NET_BIND_SERVICE",
        "SYS_CHROOT",
        "KILL",
        "AUDIT_WRITE",
    }
)
RUN_AS_ROOT = "container has runAsNonRoot and image will run as root"
SECCOMP_TYPES = ("RuntimeDefault", "Unconfined", "Localhost")
USERNS_IDS = 65536  # ids a user namespace maps (0..65535), as the kubelet gives a pod
_QUANTITY = re.compile(
    r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m|[eE]-?[0-9]+)?"
)
_SUFFIX = {
    "": 1,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    **{s: 1024 ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
}


@dataclass(frozen=True)
class ContainerSecurity:
    run_as_user: int | None = None
    run_as_group: int | None = None
    groups: tuple[int, ...] = ()
    capabilities: int | None = None  # kept capability mask; None: all (privileged)
    no_new_privs: bool = False
    host_network: bool = False
    memory_bytes: int | None = None
    cpu_millis: int | None = None
    host_users: bool = True  # False: a user namespace (pod spec.hostUsers: false)
    seccomp: str = ""  # seccompProfile.type: "", RuntimeDefault or Unconfined
    error: str = ""  # the container is refused (reason CreateContainerConfigError)

    @property
    def runs_as_root(self) -> bool:
        return not self.run_as_user

    @property
    def filtered(self) -> bool:
        """Does the default seccomp filter apply (unset or RuntimeDefault, not privileged)?"""
        return self.seccomp != "Unconfined" and self.capabilities is not None

    @property
    def limited(self) -> bool:
        return self.memory_bytes is not None or self.cpu_millis is not None


def quantity(value: Any, path: str) -> float:
    """A Kubernetes quantity (`128Mi`, `1G`, `500m`, `0.5`, `2e3`) as a number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SpecError(path, f"{value!r} is not a quantity")
    m = _QUANTITY.fullmatch(str(value).strip())
    if m is None:
        raise SpecError(path, f"{value!r} is not a quantity (e.g. 128Mi, 1G, 500m, 2)")
    suffix = m.group(2) or ""
    scale = 10.0 ** int(suffix[1:]) if suffix[:1] in ("e", "E") else _SUFFIX[suffix]
    return float(m.group(1)) * scale


def _uid(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise SpecError(path, f"{value!r} is not a user or group id (0 to 2147483647)")
    return value


def _capabilities(ctx: Mapping[str, Any], path: str) -> int | None:
    if ctx.get("privileged"):
        return None
    kept = set(DEFAULT_CAPABILITIES)
    caps = ctx.get("capabilities") or {}
    for verb in ("drop", "add"):
        for i, raw in enumerate(caps.get(verb) or ()):
            name = str(raw).upper().removeprefix("CAP_")
            if name == "ALL":
                kept = set(CAPABILITIES) if verb == "add" else set()
            elif name in CAPABILITIES:
                (kept.add if verb == "add" else kept.discard)(name)
            else:
                raise SpecError(f"{path}.capabilities.{verb}[{i}]", f"unknown capability {raw!r}")
    return sum(1 << CAPABILITIES.index(n) for n in kept)


def _seccomp(profile: Any, path: str, container: str) -> tuple[str, str]:
    """The seccompProfile's type, and the refusal for a Localhost profile."""
    if profile is None:
        return "", ""
    if not isinstance(profile, Mapping):
        raise SpecError(path, f"{profile!r} is not a mapping")
    kind = profile.get("type")
    if kind not in SECCOMP_TYPES:
        raise SpecError(f"{path}.type", f"{kind!r} is not one of {', '.join(SECCOMP_TYPES)}")
    if kind == "Localhost":
        where = profile.get("localhostProfile", "")
        why = f"seccomp profile type Localhost ({where!r}) is not supported by the process runtime"
        return "", f"{why} ({container})"
    return str(kind), ""


def _host_users(pod_spec: Mapping[str, Any]) -> bool:
    value = pod_spec.get("hostUsers")
    if value is not None and not isinstance(value, bool):
        raise SpecError("spec.hostUsers", f"{value!r} is not true or false")
    return value is not False


def _limits(spec: Mapping[str, Any], path: str) -> tuple[int | None, int | None]:
    limits = (spec.get("resources") or {}).get("limits") or {}
    memory = cpu = None
    if "memory" in limits:
        memory = math.ceil(quantity(limits["memory"], f"{path}.resources.limits.memory"))
        if memory < 1:
            raise SpecError(f"{path}.resources.limits.memory", "must be at least 1 byte")
    if "cpu" in limits:
        cpu = math.ceil(quantity(limits["cpu"], f"{path}.resources.limits.cpu") * 1000)
        if cpu < 1:
            raise SpecError(f"{path}.resources.limits.cpu", "must be at least 1m")
    return memory, cpu


def container_security(
    pod_spec: Mapping[str, Any], spec: Mapping[str, Any], path: str
) -> ContainerSecurity:
    """`path`: the container's field path (`spec.containers[0]`), for errors."""
    pod_ctx = pod_spec.get("securityContext") or {}
    ctx = spec.get("securityContext") or {}
    here = f"{path}.securityContext"

    def pick(key: str) -> tuple[Any, str]:
        if key in ctx:
            return ctx[key], f"{here}.{key}"
        return pod_ctx.get(key), f"spec.securityContext.{key}"

    user = _uid(*pick("runAsUser"))
    group = _uid(*pick("runAsGroup"))
    groups = tuple(
        _uid(g, f"spec.securityContext.supplementalGroups[{i}]") or 0
        for i, g in enumerate(pod_ctx.get("supplementalGroups") or ())
    )
    memory, cpu = _limits(spec, path)
    non_root = bool(pick("runAsNonRoot")[0])
    pod = f"container {spec.get('name', '')!r}"
    host_users = _host_users(pod_spec)
    if not host_users:
        for value, (_, where) in ((user, pick("runAsUser")), (group, pick("runAsGroup"))):
            if value is not None and value >= USERNS_IDS:
                raise SpecError(where, f"{value} is not below {USERNS_IDS} (hostUsers: false)")
    seccomp, profile_error = _seccomp(*pick("seccompProfile"), pod)
    refusal = f"{RUN_AS_ROOT} ({pod})" if non_root and not user else ""
    return ContainerSecurity(
        run_as_user=user,
        run_as_group=group,
        groups=groups,
        capabilities=_capabilities(ctx, here),
        no_new_privs=ctx.get("allowPrivilegeEscalation") is False,
        host_network=bool(pod_spec.get("hostNetwork")),
        memory_bytes=memory,
        cpu_millis=cpu,
        host_users=host_users,
        seccomp=seccomp,
        error=profile_error or refusal,
    )


def check_pod(pod_spec: Mapping[str, Any]) -> None:
    """Raise SpecError for the first malformed securityContext or limit of the pod."""
    for key in ("initContainers", "containers"):
        for i, spec in enumerate(pod_spec.get(key) or ()):
            container_security(pod_spec, spec, f"spec.{key}[{i}]")
