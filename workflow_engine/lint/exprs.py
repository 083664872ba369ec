"""Lint's one door to the expression layer (`workflow_engine.expr`): `{{...}}` tags and
the variables they name, expression syntax, `when` and `depends`.

Every function turns the layer's ExprSyntaxError into a SpecError at a field path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from workflow_engine.errors import SpecError
from workflow_engine.expr.errors import ExprSyntaxError
from workflow_engine.expr.parser import parse
from workflow_engine.lint.names import q

_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)


@dataclass(frozen=True)
class Ref:
    """A variable a field uses: `steps.flip.outputs.result`, from `{{...}}` or `{{=...}}`."""

    name: str
    expression: bool


def _dotted(node: Any) -> str | None:
    kind = node[0]
    if kind == "name":
        return str(node[1])
    if kind == "member":
        base = _dotted(node[1])
        return f"{base}.{node[2]}" if base else None
    if kind == "index" and node[2][0] == "lit" and isinstance(node[2][1], str):
        base = _dotted(node[1])
        return f"{base}.{node[2][1]}" if base else None
    return None


def _walk_names(node: Any, out: list[str]) -> None:
    if not isinstance(node, tuple) or not node:
        return
    name = _dotted(node) if node[0] in ("name", "member", "index") else None
    if name is not None:
        out.append(name)
        return
    for child in node[1:]:
        if isinstance(child, tuple):
            _walk_names(child, out)
        elif isinstance(child, list):
            for item in child:
                _walk_names(item, out)


def tag_refs(text: str, path: str) -> tuple[list[Ref], list[SpecError]]:
    """The variables of every tag in `text`; malformed tags and expressions as errors."""
    refs: list[Ref] = []
    errors: list[SpecError] = []
    for match in _TAG.finditer(text):
        body = match.group(1).strip()
        if body.startswith("="):
            try:
                names: list[str] = []
                _walk_names(parse(body[1:]), names)
            except ExprSyntaxError as exc:
                errors.append(
                    SpecError(path, f"bad expression in {q(match.group(0))}: {exc.message}")
                )
                continue
            refs.extend(Ref(n, True) for n in names)
        elif body:
            refs.append(Ref(body, False))
        else:
            errors.append(SpecError(path, "empty {{}} tag"))
    return refs, errors


def expression_errors(text: str, path: str) -> Iterator[SpecError]:
    """Syntax of a whole-field expression (retryStrategy.expression, hooks, valueFrom)."""
    if "{{" in text:
        return
    try:
        parse(text)
    except ExprSyntaxError as exc:
        yield SpecError(path, f"bad expression: {exc.message}")


def when_errors(text: str, path: str) -> Iterator[SpecError]:
    """Syntax of a `when` condition, its `{{...}}` tags standing for plain values."""
    # govaluate's regex operators compare like == as far as syntax goes.
    replaced = _TAG.sub("x", text).replace("=~", "==").replace("!~", "!=")
    try:
        parse(replaced)
    except ExprSyntaxError as exc:
        yield SpecError(path, f"bad condition: {exc.message}")


_DEPENDS_TOKEN = re.compile(
    r"\s*(?:(&&|\|\||!|\(|\))|([A-Za-z0-9_][-A-Za-z0-9_]*)(?:\.([A-Za-z]+))?)"
)
DEPENDS_RESULTS = frozenset(
    {
        "Succeeded",
        "Failed",
        "Errored",
        "Skipped",
        "Omitted",
        "Daemoned",
        "AnySucceeded",
        "AllFailed",
    }
)


def depends_tasks(text: str, path: str) -> tuple[dict[str, set[str]], list[SpecError]]:
    """Task names of a `depends` expression with the results asked of each."""
    tokens: list[tuple[str, str, str]] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _DEPENDS_TOKEN.match(stripped, pos)
        if match is None or match.end() == pos:
            return {}, [SpecError(path, f"bad depends: unexpected {q(stripped[pos:].strip()[:1])}")]
        tokens.append((match.group(1) or "", match.group(2) or "", match.group(3) or ""))
        pos = match.end()
    names: dict[str, set[str]] = {}
    problems: list[str] = []
    index = _depends_expr(tokens, 0, names, problems)
    if not problems and index != len(tokens):
        problems.append("bad depends: unexpected text after the expression")
    return names, [SpecError(path, problem) for problem in problems[:1]]


def _depends_expr(
    tokens: list[tuple[str, str, str]], i: int, names: dict[str, set[str]], errors: list[str]
) -> int:
    i = _depends_unary(tokens, i, names, errors)
    while not errors and i < len(tokens) and tokens[i][0] in ("&&", "||"):
        i = _depends_unary(tokens, i + 1, names, errors)
    return i


def _depends_unary(
    tokens: list[tuple[str, str, str]], i: int, names: dict[str, set[str]], errors: list[str]
) -> int:
    if i >= len(tokens):
        errors.append("bad depends: unexpected end")
        return i
    op, name, result = tokens[i]
    if op == "!":
        return _depends_unary(tokens, i + 1, names, errors)
    if op == "(":
        i = _depends_expr(tokens, i + 1, names, errors)
        if not errors and (i >= len(tokens) or tokens[i][0] != ")"):
            errors.append("bad depends: missing ')'")
        return i + 1
    if not name:
        errors.append(f"bad depends: unexpected {q(op)}")
        return i
    if result and result not in DEPENDS_RESULTS:
        errors.append(
            f"bad depends: unknown result {name}.{result}; use one of "
            + ", ".join(sorted(DEPENDS_RESULTS))
        )
    names.setdefault(name, set()).add(result)
    return i + 1
