"""Set a value at a path such as `spec.template.spec.containers[0].image` in a YAML file
of an overlay (a Helm values file, a patch, the kustomization itself).

Only existing paths are set: a path that does not exist is refused, naming the file and
the first missing part, so a typo never adds a key nobody reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workflow_engine.gitops.errors import Refused

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class SetValue:
    """`[FILE:]PATH=VALUE`: FILE relative to the overlay (default kustomization.yaml)."""

    file: str
    path: str
    value: Any

    @classmethod
    def parse(cls, text: str) -> SetValue:
        target, sep, raw = text.partition("=")
        if not sep or not target:
            raise Refused("--set", f"{text!r}: write [FILE:]PATH=VALUE")
        file, colon, path = target.rpartition(":")
        if not colon:
            file = "kustomization.yaml"
        if not path or ".." in Path(file).parts or Path(file).is_absolute():
            raise Refused("--set", f"{text!r}: write [FILE:]PATH=VALUE, FILE inside the overlay")
        parse_path(path)
        try:
            value = yaml.safe_load(raw) if raw else ""
        except yaml.YAMLError:
            value = raw
        return cls(file, path, value)

    def __str__(self) -> str:
        return f"{self.file}:{self.path}={self.value}"


def parse_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    pos = 0
    for match in _PART.finditer(path):
        gap = path[pos : match.start()]
        if gap not in ("", ".") or (gap == "." and not parts):
            break
        parts.append(int(match.group(2)) if match.group(2) is not None else match.group(1))
        pos = match.end()
    if not parts or pos != len(path):
        raise Refused("--set", f"{path!r} is not a YAML path (e.g. spec.replicas, a.b[0].c)")
    return parts


def set_in(doc: Any, path: str, value: Any, where: str) -> bool:
    """Set `path` in `doc` (in place); True when the value changed."""
    parts = parse_path(path)
    node = doc
    for i, part in enumerate(parts):
        missing = (
            not isinstance(node, list) or part >= len(node)
            if isinstance(part, int)
            else not isinstance(node, dict) or part not in node
        )
        if missing:
            done = _render(parts[: i + 1])
            raise Refused(f"{where}: {path}", f"{done} does not exist")
        if i == len(parts) - 1:
            old = node[part]
            node[part] = value
            return bool(old != value)
        node = node[part]
    return False


def _render(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def set_in_file(file: Path, path: str, value: Any, where: str) -> bool:
    """Set `path` in a YAML file of one document; True when the file changed."""
    if not file.is_file():
        raise Refused(where, "no such file in the overlay")
    try:
        doc = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise Refused(where, f"not YAML: {exc}") from None
    if not set_in(doc, path, value, where):
        return False
    file.write_text(yaml.safe_dump(doc, sort_keys=False))
    return True
