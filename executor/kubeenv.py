"""Kubernetes' reading of a container spec's env and command, for the in-process handler.

A real kubelet (or the process runtime) has already expanded `$(VAR)` in the env and
the command when `wf-exec` runs as a program; the in-process handler is given the raw
container spec and does the same expansion here: literal env values in order, each
able to refer to earlier ones, `$$` standing for `$`, unknown references left as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from workflow_engine.errors import PermanentError

_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.\-]*)\)")


def expand(text: str, env: Mapping[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _REF.sub(sub, text) if "$" in text else text


def literal_env(spec: Mapping[str, Any]) -> dict[str, str]:
    """The container's env entries that have a literal value, expanded in order."""
    env: dict[str, str] = {}
    for item in spec.get("env") or ():
        value = item.get("value")
        if "valueFrom" not in item:
            env[str(item.get("name", ""))] = expand("" if value is None else str(value), env)
    return env


def user_argv(spec: Mapping[str, Any], env: Mapping[str, str]) -> list[str]:
    """`wf-exec run -- <user command...>` -> the user command, expanded."""
    argv = [str(a) for a in (*(spec.get("command") or ()), *(spec.get("args") or ()))]
    if len(argv) < 4 or argv[1:3] != ["run", "--"]:
        raise PermanentError(f"container command {argv[:3]!r} is not `wf-exec run -- <command>`")
    return [expand(a, env) for a in argv[3:]]


def command_line(argv: Sequence[str]) -> list[str]:
    """`run -- cmd...` (the program's arguments) -> cmd...; PermanentError otherwise."""
    if len(argv) < 3 or list(argv[:2]) != ["run", "--"]:
        raise PermanentError("usage: wf-exec run -- COMMAND [ARG...]")
    return list(argv[2:])
