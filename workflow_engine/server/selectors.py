"""Kubernetes label selectors (`listOptions.labelSelector`), as Argo's UI and clients
send them: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`.

Pure: parse once, then test each object's labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from workflow_engine.errors import SpecError

Op = Literal["in", "notin", "exists", "absent"]
_FIELD = "listOptions.labelSelector"
_SET = re.compile(r"^([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^()]*)\)$")
_EQ = re.compile(r"^([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$")
_KEY = re.compile(r"^(!?)\s*([A-Za-z0-9./_-]+)$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: Op
    values: frozenset[str] = frozenset()

    def matches(self, labels: dict[str, Any]) -> bool:
        if self.op == "exists":
            return self.key in labels
        if self.op == "absent":
            return self.key not in labels
        present = self.key in labels and str(labels[self.key]) in self.values
        return present if self.op == "in" else not present


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(text: str) -> list[Requirement]:
    requirements = []
    for part in _split(text):
        if match := _SET.match(part):
            values = frozenset(v.strip() for v in match.group(3).split(",") if v.strip())
            requirements.append(Requirement(match.group(1), match.group(2), values))  # type: ignore[arg-type]
        elif match := _EQ.match(part):
            op: Op = "notin" if match.group(2) == "!=" else "in"
            requirements.append(Requirement(match.group(1), op, frozenset([match.group(3)])))
        elif match := _KEY.match(part):
            requirements.append(
                Requirement(match.group(2), "absent" if match.group(1) else "exists")
            )
        else:
            raise SpecError(_FIELD, f"cannot parse {part!r}")
    return requirements


def matches_selector(obj: dict[str, Any], requirements: list[Requirement]) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(r.matches(labels) for r in requirements)
