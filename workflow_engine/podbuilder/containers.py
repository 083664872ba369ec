"""The pod's containers: the wrapped main container, init containers and sidecars.

Part of the pod builder. The main container runs the user's command under the
executor (`wf-exec run -- <command> <args>`) and carries the executor's configuration
in `WF_*` environment variables; a script template's source is staged by the executor
at `/wf/staging/script`, on a volume of its own. A container without `command` runs
its image's entrypoint when the controller knows it (`PodConfig.entrypoint_for`), else
Docker's rule for an image without ENTRYPOINT: its `args` are the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    entrypoint_for: Callable[[str], tuple[str, ...] | None] | None = None,
) -> dict[str, Any]:
    """The main container from the template's `container` or `script` (wire dicts)."""
    name = template.get("name") or "<inline>"
    script = template.get("script")
    spec = dict(script if script is not None else template["container"])
    spec.pop("name", None)
    command = list(spec.pop("command", None) or ())
    args = [str(a) for a in spec.pop("args", None) or ()]
    if not command and entrypoint_for is not None:
        command = list(entrypoint_for(str(spec.get("image") or "")) or ())
    if not command and (script is not None or not args):
        kind = "script" if script is not None else "container"
        need = "command" if script is not None else "command or args"
        raise PermanentError(
            f"template {name!r}: {kind}.{need} is required (the entrypoint of image "
            f"{spec.get('image')!r} is not known)"
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
