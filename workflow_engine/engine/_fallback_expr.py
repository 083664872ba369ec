"""A minimal stand-in for `workflow_engine.expr` used only until that package lands:
simple `{{name}}` tags, govaluate-like `when`, `depends` logic, small expressions."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow_engine.errors import WorkflowEngineError


class ExprError(WorkflowEngineError):
    pass


class UnresolvedError(ExprError):
    def __init__(self, name: str, message: str | None = None) -> None:
        self.name = name
        super().__init__(message or f"unresolved variable {name!r}")


@dataclass(frozen=True)
class TaskOutcome:
    phase: str
    daemoned: bool = False
    any_succeeded: bool = False
    all_failed: bool = False


_TAG = re.compile(r"{{\s*([^{}=][^{}]*?)\s*}}")


def _fmt(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v, separators=(",", ":"))


def substitute(text: str, scope: Mapping[str, Any], strict: bool = True) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in scope:
            return _fmt(scope[name])
        if strict:
            raise UnresolvedError(name, f"failed to resolve {{{{{name}}}}}")
        return m.group(0)

    if "{{=" in text:

        def expr_repl(m: re.Match[str]) -> str:
            return _fmt(evaluate(m.group(1), _nest(scope)))

        text = re.sub(r"{{=\s*(.*?)\s*}}", expr_repl, text)
    return _TAG.sub(repl, text)


def _nest(scope: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in scope.items():
        parts = key.split(".")
        cur = out
        for p in parts[:-1]:
            nxt = cur.get(p)
            if not isinstance(nxt, dict):
                nxt = {}
                cur[p] = nxt
            cur = nxt
        if not isinstance(cur.get(parts[-1]), dict):
            cur[parts[-1]] = value
    return out


_TOKEN = re.compile(
    r"\s*(?:(\d+\.\d+|\d+)|('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(&&|\|\||==|!=|<=|>=|[<>!()+\-*/,])"
    r"|([A-Za-z_][\w\-]*(?:\.[\w\-]+)*))"
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"cannot parse {text!r} at {pos}")
        pos = m.end()
        num, string, op, name = m.groups()
        if num is not None:
            out.append(("lit", float(num) if "." in num else int(num)))
        elif string is not None:
            out.append(("lit", string[1:-1]))
        elif op is not None:
            out.append(("op", op))
        elif name is not None:
            out.append(("name", name))
    return out


class _Parser:
    def __init__(self, text: str, lookup: Any) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.lookup = lookup

    def peek(self) -> tuple[str, Any] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, Any]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExprError(f"unexpected {self.peek()}")
        return value

    def or_(self) -> Any:
        left = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            left = bool(left) or bool(right)
        return left

    def and_(self) -> Any:
        left = self.cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.cmp()
            left = bool(left) and bool(right)
        return left

    def cmp(self) -> Any:
        left = self.add()
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in ("==", "!=", "<", ">", "<=", ">="):
            self.take()
            right = self.add()
            return _compare(tok[1], left, right)
        return left

    def add(self) -> Any:
        left = self.unary()
        while self.peek() in (("op", "+"), ("op", "-"), ("op", "*"), ("op", "/")):
            op = self.take()[1]
            right = self.unary()
            left = {
                "+": lambda a, b: a + b,
                "-": lambda a, b: a - b,
                "*": lambda a, b: a * b,
                "/": lambda a, b: a / b,
            }[op](left, right)
        return left

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not bool(self.unary())
        if self.peek() == ("op", "-"):
            self.take()
            return -self.unary()
        return self.atom()

    def atom(self) -> Any:
        kind, value = self.take()
        if kind == "lit":
            return value
        if kind == "op" and value == "(":
            inner = self.or_()
            self.take()
            return inner
        if kind == "name":
            if self.peek() == ("op", "("):
                self.take()
                args = []
                while self.peek() != ("op", ")"):
                    args.append(self.or_())
                    if self.peek() == ("op", ","):
                        self.take()
                self.take()
                return _call(value, args)
            return self.lookup(value)
        raise ExprError(f"unexpected {value!r}")


def _call(name: str, args: list[Any]) -> Any:
    if name == "asInt":
        return int(args[0])
    if name == "asFloat":
        return float(args[0])
    if name == "string":
        return _fmt(args[0])
    raise ExprError(f"unknown function {name}")


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, int | float) != isinstance(b, int | float):
        a, b = _fmt(a), _fmt(b)
    return {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def evaluate_when(text: str) -> bool:
    def lookup(name: str) -> Any:
        return {"true": True, "false": False}.get(name, name)

    return bool(_Parser(text, lookup).parse())


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    def lookup(name: str) -> Any:
        if name in ("true", "false"):
            return name == "true"
        cur: Any = env
        for part in name.split("."):
            if not isinstance(cur, Mapping) or part not in cur:
                if name in env:
                    return env[name]
                raise UnresolvedError(name)
            cur = cur[part]
        return cur

    return _Parser(source, lookup).parse()


_RESULTS = {
    "Succeeded": lambda o: o.phase == "Succeeded",
    "Failed": lambda o: o.phase == "Failed",
    "Errored": lambda o: o.phase == "Error",
    "Skipped": lambda o: o.phase == "Skipped",
    "Omitted": lambda o: o.phase == "Omitted",
    "Daemoned": lambda o: o.daemoned,
    "AnySucceeded": lambda o: o.any_succeeded,
    "AllFailed": lambda o: o.all_failed,
}


@dataclass(frozen=True)
class DependsExpr:
    text: str
    task_names: tuple[str, ...]

    def evaluate(self, results: Mapping[str, TaskOutcome]) -> bool:
        def lookup(name: str) -> bool:
            task, _, result = name.partition(".")
            outcome = results[task]
            if not result:
                return outcome.phase in ("Succeeded", "Skipped") or outcome.daemoned
            return bool(_RESULTS[result](outcome))

        return bool(_Parser(self.text, lookup).parse())


def parse_depends(text: str) -> DependsExpr:
    names: list[str] = []
    for kind, value in _tokens(text):
        if kind == "name":
            task = value.split(".")[0]
            if task not in names:
                names.append(task)
    return DependsExpr(text, tuple(names))


def depends_from_dependencies(names: list[str]) -> str:
    return " && ".join(names)
