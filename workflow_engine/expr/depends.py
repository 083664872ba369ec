"""DAG `depends:` logic (`workflow_engine.expr`), Argo's "enhanced depends":
`A && (B.Failed || !C.Succeeded)`. The engine parses each task's condition once
(cached) and evaluates it against the outcomes of the tasks it names.

A bare `A` means `A.Succeeded || A.Skipped || A.Daemoned`, plus `A.Failed` /
`A.Errored` when task A has `continueOn.failed` / `continueOn.error` (as Argo expands
`dependencies`). `dependencies: [A, B]` is `depends: "A && B"`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workflow_engine.expr.errors import ExprEvalError, ExprSyntaxError, quoted
from workflow_engine.expr.limits import check_length, forget_on_bound_change

RESULTS = (
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
)
_TOKEN = re.compile(r"\s*(?:(\|\|)|(&&)|(!)|(\()|(\))|([\w-]+)(?:\.([A-Za-z]+))?)")

Node = tuple[Any, ...]


@dataclass(frozen=True)
class TaskOutcome:
    """What `depends` needs to know about one finished task.

    phase: Argo's node phase (Succeeded, Failed, Error, Skipped, Omitted, ...).
    daemoned: the task runs a daemon (counts as `.Daemoned` unless it is Pending).
    child_phases: phases of the children of a loop (withItems/withParam) task group,
    for `.AnySucceeded` / `.AllFailed`.
    continue_on_failed / continue_on_error: the task's `continueOn` settings, which
    widen what a bare reference to it accepts.
    any_succeeded / all_failed: set them to override what child_phases would give."""

    phase: str
    daemoned: bool = False
    child_phases: tuple[str, ...] = ()
    continue_on_failed: bool = False
    continue_on_error: bool = False
    any_succeeded: bool | None = None
    all_failed: bool | None = None

    def result(self, name: str | None) -> bool:
        """The truth of `task.<name>`; None is a bare `task`."""
        if name is None:
            ok = self.result("Succeeded") or self.result("Skipped") or self.result("Daemoned")
            return (
                ok
                or (self.continue_on_failed and self.phase == "Failed")
                or (self.continue_on_error and self.phase == "Error")
            )
        if name == "Daemoned":
            return self.daemoned and self.phase != "Pending"
        if name == "AnySucceeded":
            if self.any_succeeded is not None:
                return self.any_succeeded
            return any(p == "Succeeded" for p in self.child_phases)
        if name == "AllFailed":
            if self.all_failed is not None:
                return self.all_failed
            return bool(self.child_phases) and all(p == "Failed" for p in self.child_phases)
        return self.phase == ("Error" if name == "Errored" else name)


@dataclass(frozen=True)
class DependsExpr:
    """A parsed `depends` condition."""

    text: str
    tree: Node = field(repr=False)
    task_names: frozenset[str]

    def evaluate(self, results: Mapping[str, TaskOutcome]) -> bool:
        """The condition's value; every task in `task_names` must be in `results`."""
        missing = self.task_names - results.keys()
        if missing:
            raise ExprEvalError(
                f"depends {quoted(self.text)}: no outcome yet for "
                f"task(s) {', '.join(sorted(missing))}"
            )
        out = _decide(self.tree, results)
        assert out is not None
        return out

    def decide(self, results: Mapping[str, TaskOutcome]) -> bool | None:
        """The value if the tasks finished so far already settle it, else None
        (e.g. `A || B` is True once A succeeded, whatever B does)."""
        return _decide(self.tree, results)


def _decide(node: Node, results: Mapping[str, TaskOutcome]) -> bool | None:
    kind = node[0]
    if kind == "task":
        outcome = results.get(node[1])
        return None if outcome is None else outcome.result(node[2])
    if kind == "not":
        inner = _decide(node[1], results)
        return None if inner is None else not inner
    short: bool = kind == "or"  # the value that settles an `or` (True) or an `and` (False)
    unknown = False
    for child in node[1:]:
        value = _decide(child, results)
        if value is None:
            unknown = True
        elif value == short:
            return short
    return None if unknown else not short


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks: list[tuple[int, str, str | None, int]] = []  # (group, value, suffix, pos)
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            if not m:
                bad = stripped[pos:].lstrip()[:1]
                at = len(stripped) - len(stripped[pos:].lstrip())
                raise ExprSyntaxError(
                    f"depends {quoted(text)}: unexpected {bad!r}; use task names, "
                    "task.Result, &&, ||, ! and parentheses",
                    at,
                )
            group = m.lastindex if m.lastindex and m.lastindex < 6 else 6
            self.toks.append((group, m.group(group), m.group(7), m.start(group)))
            pos = m.end()
        self.i = 0

    def fail(self) -> ExprSyntaxError:
        if self.i >= len(self.toks):
            return ExprSyntaxError(f"depends {quoted(self.text)}: unexpected end", len(self.text))
        _, value, _, pos = self.toks[self.i]
        return ExprSyntaxError(f"depends {quoted(self.text)}: unexpected {value!r}", pos)

    def take(self, group: int) -> bool:
        if self.i < len(self.toks) and self.toks[self.i][0] == group:
            self.i += 1
            return True
        return False

    def parse(self) -> Node:
        node = self.or_()
        if self.i != len(self.toks):
            raise self.fail()
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.take(1):
            items.append(self.and_())
        return items[0] if len(items) == 1 else ("or", *items)

    def and_(self) -> Node:
        items = [self.unary()]
        while self.take(2):
            items.append(self.unary())
        return items[0] if len(items) == 1 else ("and", *items)

    def unary(self) -> Node:
        if self.take(3):
            return ("not", self.unary())
        if self.take(4):
            node = self.or_()
            if not self.take(5):
                raise self.fail()
            return node
        if self.i < len(self.toks) and self.toks[self.i][0] == 6:
            _, name, suffix, pos = self.toks[self.i]
            if suffix is not None and suffix not in RESULTS:
                raise ExprSyntaxError(
                    f"depends {quoted(self.text)}: task result {suffix!r} of task {name!r} is "
                    f"invalid; use one of {', '.join(RESULTS)}",
                    pos,
                )
            self.i += 1
            return ("task", name, suffix)
        raise self.fail()


def _names(node: Node) -> set[str]:
    if node[0] == "task":
        return {node[1]}
    return set().union(*(_names(child) for child in node[1:]))


@functools.lru_cache(maxsize=8192)
def parse_depends(text: str) -> DependsExpr:
    """Parse a `depends` condition (cached per text); raises ExprSyntaxError."""
    check_length(text, "depends")
    if not text.strip():
        raise ExprSyntaxError("depends is empty", 0)
    try:
        tree = _Parser(text).parse()
        return DependsExpr(text, tree, frozenset(_names(tree)))
    except RecursionError:
        raise ExprSyntaxError(f"depends is nested too deeply: {quoted(text)}", 0) from None


def depends_from_dependencies(names: Sequence[str]) -> str:
    """`dependencies: [A, B]` as the equivalent `depends` text, "A && B"."""
    return " && ".join(names)


forget_on_bound_change(parse_depends.cache_clear)
