"""The pod's containers: the wrapped main container, init containers and sidecars.

Part of the pod builder. The main container runs the user's command under the
executor (`wf-exec run -- <command> <args>`) and carries the executor's configuration
in `WF_*` environment variables; a script template's source is staged by the executor
at `/wf/staging/script`, on a volume of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_engine.errors import PermanentError

MAIN = "main"
SCRIPT_PATH = "/wf/staging/script"
STAGING_VOLUME = "wf-staging"
STAGING_DIR = "/wf/staging"


def escape_env_value(value: str) -> str:
    """Kubernetes expands `$(VAR)` and turns `$$` into `$` in env values; doubling every
    `$` makes the container see `value` exactly."""
    return value.replace("$", "$$")


def main_container(
    template: Mapping[str, Any],
    executor_command: tuple[str, ...],
    wf_env: Mapping[str, str],
) -> dict[str, Any]:
    """The main container from the template's `container` or `script` (wire dicts)."""
    name = template.get("name") or "<inline>"
    script = template.get("script")
    spec = dict(script if script is not None else template["container"])
    spec.pop("name", None)
    command = list(spec.pop("command", None) or ())
    args = [str(a) for a in spec.pop("args", None) or ()]
    if not command:
        kind = "script" if script is not None else "container"
        raise PermanentError(
            f"template {name!r}: {kind}.command is required (the executor wraps the command "
            "and cannot read an image's entrypoint)"
        )
    if script is not None:
        spec.pop("source", None)
        user_argv = [*command, SCRIPT_PATH, *args]
        mounts = list(spec.get("volumeMounts") or ())
        spec["volumeMounts"] = [*mounts, {"name": STAGING_VOLUME, "mountPath": STAGING_DIR}]
    else:
        user_argv = [*command, *args]
    env = list(spec.pop("env", None) or ())
    reserved = sorted({str(e.get("name")) for e in env} & set(wf_env))
    if reserved:
        raise PermanentError(
            f"template {name!r}: env {', '.join(reserved)} is reserved for the executor"
        )
    env += [{"name": k, "value": escape_env_value(v)} for k, v in wf_env.items()]
    return {
        "name": MAIN,
        **spec,
        "command": [*executor_command, "run", "--", *user_argv],
        "env": env,
    }


def user_containers(
    items: list[dict[str, Any]] | None, main: Mapping[str, Any], field: str, template: str
) -> list[dict[str, Any]]:
    """Init containers or sidecars as given, `mirrorVolumeMounts` resolved against `main`."""
    out: list[dict[str, Any]] = []
    for index, item in enumerate(items or ()):
        spec = dict(item)
        if not spec.get("name"):
            raise PermanentError(f"template {template!r}: {field}[{index}].name is required")
        if spec.get("name") == MAIN:
            raise PermanentError(f"template {template!r}: {field}[{index}] may not be named 'main'")
        if spec.pop("mirrorVolumeMounts", None):
            mounts = list(spec.get("volumeMounts") or ())
            taken = {m.get("mountPath") for m in mounts}
            mounts += [m for m in main.get("volumeMounts") or () if m.get("mountPath") not in taken]
            spec["volumeMounts"] = mounts
        out.append(spec)
    return out
