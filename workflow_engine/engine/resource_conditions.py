"""A resource template's `successCondition` / `failureCondition`, in Argo's syntax:
parsed once, then matched against the object the template acts on.

Pure (no I/O). Argo reads a condition as a Kubernetes label selector whose keys are
paths into the object (`status.succeeded > 0`, `status.phase in (Failed, Error)`,
`metadata.labels.app=web,status.ready!=false`): requirements separated by commas all
hold. Operators: `=`, `==`, `!=`, `in (...)`, `notin (...)`, `>`, `<` (whole numbers),
`key` (exists) and `!key` (does not exist). A path is dotted keys (`\\.` for a dot
inside a key, as in annotations), a whole number indexes a list, and `#` is a list's
length. A missing path matches only `!=`, `notin` and `!key`, as a missing label does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Operator = Literal["=", "!=", "in", "notin", ">", "<", "exists", "!"]
_MISSING = object()
_VALUE = re.compile(r"[A-Za-z0-9_.\-/:]*")


class BadCondition(ValueError):
    """A condition that does not parse; the message says where."""


@dataclass(frozen=True)
class Requirement:
    path: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        found = lookup(obj, self.path)
        if self.operator == "exists":
            return found is not _MISSING
        if self.operator == "!":
            return found is _MISSING
        if found is _MISSING:
            return self.operator in ("!=", "notin")
        text = as_text(found)
        if self.operator in ("=", "in"):
            return text in self.values
        if self.operator in ("!=", "notin"):
            return text not in self.values
        try:
            number = int(text)
        except ValueError:
            return False
        limit = int(self.values[0])
        return number > limit if self.operator == ">" else number < limit

    def __str__(self) -> str:
        if self.operator == "exists":
            return self.path
        if self.operator == "!":
            return f"!{self.path}"
        if self.operator in ("in", "notin"):
            return f"{self.path} {self.operator} ({','.join(self.values)})"
        return f"{self.path} {self.operator} {self.values[0]}"


@dataclass(frozen=True)
class Condition:
    requirements: tuple[Requirement, ...]
    text: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Every requirement holds (an empty condition never does: nothing to wait for
        is decided by the caller, not by matching)."""
        return bool(self.requirements) and all(r.matches(obj) for r in self.requirements)

    def failing(self, obj: Mapping[str, Any]) -> list[Requirement]:
        return [r for r in self.requirements if not r.matches(obj)]


def parse_condition(text: str) -> Condition:
    """The requirements of `text`; BadCondition naming the position of a fault."""
    parser = _Parser(text)
    return Condition(tuple(parser.requirements()), text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> BadCondition:
        return BadCondition(f"{what} at position {self.pos} of {self.text!r}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, word: str) -> bool:
        return self.text.startswith(word, self.pos)

    def requirements(self) -> list[Requirement]:
        found = [self.requirement()]
        self.skip()
        while self.peek(","):
            self.pos += 1
            found.append(self.requirement())
            self.skip()
        if self.pos != len(self.text):
            raise self.fail("unexpected text")
        return found

    def requirement(self) -> Requirement:
        self.skip()
        if self.peek("!") and not self.peek("!="):
            self.pos += 1
            return Requirement(self.path(), "!")
        path = self.path()
        self.skip()
        for symbol, operator in (("==", "="), ("!=", "!="), ("=", "="), (">", ">"), ("<", "<")):
            if self.peek(symbol):
                self.pos += len(symbol)
                value = self.value()
                if operator in (">", "<") and not re.fullmatch(r"-?\d+", value):
                    raise self.fail(f"{symbol} needs a whole number, not {value!r}")
                return Requirement(path, operator, (value,))  # type: ignore[arg-type]
        for word in ("notin", "in"):
            if self.peek(word) and self._word_ends(len(word)):
                self.pos += len(word)
                return Requirement(path, word, self.value_set())
        if self.pos == len(self.text) or self.peek(","):
            return Requirement(path, "exists")
        raise self.fail("expected an operator")

    def _word_ends(self, length: int) -> bool:
        after = self.pos + length
        return after >= len(self.text) or not self.text[after].isalnum()

    def path(self) -> str:
        self.skip()
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                self.pos += 2
                continue
            if char.isspace() or char in ",=!<>()":
                break
            self.pos += 1
        if self.pos == start:
            raise self.fail("expected a path")
        return self.text[start : self.pos]

    def value(self) -> str:
        self.skip()
        match = _VALUE.match(self.text, self.pos)
        assert match is not None  # the pattern matches the empty string
        self.pos = match.end()
        if not match.group():
            raise self.fail("expected a value")
        return match.group()

    def value_set(self) -> tuple[str, ...]:
        self.skip()
        if not self.peek("("):
            raise self.fail("expected '('")
        self.pos += 1
        values = [self.value()]
        self.skip()
        while self.peek(","):
            self.pos += 1
            values.append(self.value())
            self.skip()
        if not self.peek(")"):
            raise self.fail("expected ')'")
        self.pos += 1
        return tuple(values)


def _keys(path: str) -> list[str]:
    keys, current, i = [], "", 0
    while i < len(path):
        if path[i] == "\\" and i + 1 < len(path):
            current += path[i + 1]
            i += 2
            continue
        if path[i] == ".":
            keys.append(current)
            current = ""
        else:
            current += path[i]
        i += 1
    keys.append(current)
    return keys


def lookup(obj: Any, path: str) -> Any:
    """The value at `path` in `obj`, or the module's missing marker."""
    current = obj
    for key in _keys(path):
        if isinstance(current, Mapping):
            if key not in current:
                return _MISSING
            current = current[key]
        elif isinstance(current, Sequence) and not isinstance(current, str):
            if key == "#":
                current = len(current)
            elif key.isdigit() and int(key) < len(current):
                current = current[int(key)]
            else:
                return _MISSING
        else:
            return _MISSING
    return current


def is_missing(value: Any) -> bool:
    return value is _MISSING


def as_text(value: Any) -> str:
    """A found value as a label value: strings as they are, booleans as true/false,
    numbers as written, lists and maps as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"))
