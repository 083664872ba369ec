"""The containers of a containerSet pod: one per member of the set, each wrapped by
the executor as a main container is.

Part of the pod builder. Every member mounts the set's `volumeMounts` and a status
volume at `CONTAINER_SET_DIR`; its executor learns its own name from
`WF_CONTAINER_NAME`, waits there for the exit codes of the members it depends on,
runs its command (retried as the set's `retryStrategy` says) and leaves its own exit
code for the others (executor/container_set.py). All members start with the pod, as
Argo's do: ordering is the executors' business, so the pod runs unchanged on any runtime.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workflow_engine.podbuilder.containers import main_container
from workflow_engine.vocabulary import CONTAINER_SET_DIR

STATUS_VOLUME = "wf-container-set"
CONTAINER_NAME_ENV = "WF_CONTAINER_NAME"


def set_containers(
    template: Mapping[str, Any],
    executor_command: tuple[str, ...],
    wf_env: Mapping[str, str],
    entrypoint_for: Callable[[str], tuple[str, ...] | None] | None = None,
) -> list[dict[str, Any]]:
    """The pod's containers for the template's `containerSet` (wire dicts), in order."""
    cset = template["containerSet"]
    shared = list(cset.get("volumeMounts") or ())
    status = {"name": STATUS_VOLUME, "mountPath": CONTAINER_SET_DIR}
    out: list[dict[str, Any]] = []
    for member in cset.get("containers") or ():
        spec = {k: v for k, v in member.items() if k != "dependencies"}
        own = list(spec.get("volumeMounts") or ())
        taken = {m.get("mountPath") for m in own}
        spec["volumeMounts"] = [
            *own,
            *(m for m in shared if m.get("mountPath") not in taken),
            status,
        ]
        env = {**wf_env, CONTAINER_NAME_ENV: str(member.get("name") or "")}
        holder = {"name": template.get("name"), "container": spec}
        container = main_container(holder, executor_command, env, entrypoint_for)
        container["name"] = member.get("name")
        out.append(container)
    return out
