"""Pod manifest -> what to start for each container (a `ContainerPlan`).

Part of the process runtime: reads the Kubernetes-shaped container spec (command, args,
env with `$(VAR)` expansion, fieldRef values, workingDir, volumeMounts) and decides the
argv, environment, working directory and mounts. No processes are started here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow_engine.runtime.process.security import ContainerSecurity
from workflow_engine.vocabulary import SIDECARS_ANNOTATION

_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)")
_FIELD = re.compile(r"metadata\.(labels|annotations)\['([^']+)'\]")


@dataclass(frozen=True)
class Mount:
    host: str  # the directory on the host
    path: str  # where the container sees it
    read_only: bool = False


@dataclass(frozen=True)
class ContainerPlan:
    name: str
    image: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: str | None
    mounts: tuple[Mount, ...]
    spec: Mapping[str, Any]
    error: str = ""  # set when the container cannot be started at all
    notes: tuple[str, ...] = ()  # lines for the container's log (ignored settings)
    sidecar: bool = False
    security: ContainerSecurity = field(default_factory=ContainerSecurity)
    error_reason: str = "ContainerCannotRun"  # the container's reason when `error` is set


@dataclass
class PodContext:
    name: str
    namespace: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    volumes: Mapping[str, str]  # volume name -> host directory
    volume_errors: Mapping[str, str] = field(default_factory=dict)


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes `$(VAR)` expansion: unknown references stay as written, `$$` is `$`."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _REF.sub(sub, text)


def _field_value(path: str, pod: PodContext) -> str | None:
    simple = {"metadata.name": pod.name, "metadata.namespace": pod.namespace}
    if path in simple:
        return simple[path]
    if path in ("spec.nodeName", "spec.serviceAccountName"):
        return "localhost" if path == "spec.nodeName" else "default"
    if path in ("status.podIP", "status.hostIP"):
        return "127.0.0.1"
    m = _FIELD.fullmatch(path)
    if m:
        source = pod.labels if m.group(1) == "labels" else pod.annotations
        return source.get(m.group(2), "")
    return None


def build_env(
    spec: Mapping[str, Any], base: Mapping[str, str], pod: PodContext
) -> tuple[dict[str, str], list[str]]:
    env = dict(base)
    notes: list[str] = []
    for source in spec.get("envFrom") or ():
        notes.append(f"envFrom {dict(source)} ignored: the process runtime cannot resolve it")
    for item in spec.get("env") or ():
        name = str(item.get("name", ""))
        if "value" in item:
            env[name] = expand(str(item["value"] if item["value"] is not None else ""), env)
            continue
        ref = (item.get("valueFrom") or {}).get("fieldRef") or {}
        value = _field_value(str(ref.get("fieldPath", "")), pod) if ref else None
        if value is None:
            notes.append(f"env {name} ignored: no literal value and its source is not resolvable")
        else:
            env[name] = value
    return env, notes


def sidecar_names(annotations: Mapping[str, str], names: Sequence[str]) -> set[str]:
    """Containers killed once the others have ended: those the annotation lists, else
    every container but `main` when there is one (Argo's convention)."""
    listed = annotations.get(SIDECARS_ANNOTATION)
    if listed is not None:
        return {n.strip() for n in listed.split(",") if n.strip()}
    return {n for n in names if n != "main"} if "main" in names else set()


def plan_container(
    spec: Mapping[str, Any],
    pod: PodContext,
    base_env: Mapping[str, str],
    sidecar: bool = False,
    entrypoint: Sequence[str] = (),
) -> ContainerPlan:
    """How to run one container. Without `command` the image's `entrypoint` (when its
    profile knows one) runs with the args; without either, Docker's rule for an image
    without ENTRYPOINT: the args are the command line."""
    name = str(spec.get("name", ""))
    env, notes = build_env(spec, base_env, pod)
    command = [expand(str(a), env) for a in spec.get("command") or ()] or list(entrypoint)
    args = [expand(str(a), env) for a in spec.get("args") or ()]
    error = ""
    if not command and not args:
        error = (
            f"container {name!r} has neither command nor args, and the process runtime knows "
            f"no entrypoint for image {spec.get('image')!r}"
        )
    mounts: list[Mount] = []
    for vm in spec.get("volumeMounts") or ():
        vname = str(vm.get("name", ""))
        host = pod.volumes.get(vname)
        if host is None:
            error = error or pod.volume_errors.get(vname, f"volume {vname!r} is not defined")
            continue
        sub = str(vm.get("subPath") or "")
        mounts.append(
            Mount(
                str(Path(host, sub)) if sub else host,
                str(vm.get("mountPath", "")),
                bool(vm.get("readOnly")),
            )
        )
    return ContainerPlan(
        name=name,
        image=str(spec.get("image", "")),
        argv=tuple(command + args),
        env=env,
        cwd=spec.get("workingDir") or None,
        mounts=tuple(mounts),
        spec=spec,
        error=error,
        notes=tuple(notes),
        sidecar=sidecar,
    )


def pod_volumes(
    spec: Mapping[str, Any], volumes_dir: Path
) -> tuple[dict[str, str], dict[str, str]]:
    """Volume name -> host directory (emptyDir under the pod's directory, hostPath as
    given); volumes of other kinds go to the errors map and fail the containers using them."""
    dirs: dict[str, str] = {}
    errors: dict[str, str] = {}
    for vol in spec.get("volumes") or ():
        vname = str(vol.get("name", ""))
        if "emptyDir" in vol:
            dirs[vname] = str(volumes_dir / vname)
        elif "hostPath" in vol:
            dirs[vname] = str((vol.get("hostPath") or {}).get("path", ""))
        else:
            kinds = sorted(k for k in vol if k != "name")
            errors[vname] = (
                f"volume {vname!r}: kind {kinds} is not supported by the process runtime"
            )
    return dirs, errors
