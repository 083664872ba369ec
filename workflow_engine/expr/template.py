"""Argo's `{{...}}` template tags (`workflow_engine.expr`): `substitute` fills them in
from a flat scope such as {"inputs.parameters.msg": "hi", "item": {"a": 1}}, and
`references` lists them for lint. The engine calls `substitute` for every string field
of every node, so text without `{{` returns at once and parsed expressions are cached.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from workflow_engine.expr import values
from workflow_engine.expr.compiler import compile_source
from workflow_engine.expr.context import Ctx
from workflow_engine.expr.dates import NOW_KEY
from workflow_engine.expr.errors import (
    ExprEvalError,
    ExprSyntaxError,
    UnresolvedError,
    shown_tag,
)
from workflow_engine.expr.limits import forget_on_bound_change
from workflow_engine.expr.parser import Node, parse

_MISSING = object()
_CLOCK = frozenset({NOW_KEY})  # every expression env carries the caller's now() instant


@dataclass(frozen=True)
class Reference:
    """One `{{...}}` tag: where it is, what kind, and the dotted names it reads.

    `start`/`end` are offsets of `{{` and just past `}}`; `name` is the trimmed dotted
    name of a simple tag or the source of an expression tag; `reads` lists the dotted
    variable paths read (`steps.my-step.outputs.result` for `steps["my-step"]...`)."""

    start: int
    end: int
    kind: Literal["simple", "expression"]
    name: str
    reads: tuple[str, ...]


def _expression_end(text: str, pos: int) -> int:
    """Offset of the `}}` closing an expression tag, skipping braces and strings."""
    depth, quote, i, n = 0, "", pos, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\" and quote != "`":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0 and text.startswith("}}", i):
                return i
            depth -= 1
        i += 1
    return text.find("}}", pos)  # unbalanced: fall back to Argo's first `}}`


def _tags(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, inside) for every tag; raises on an unclosed `{{`."""
    i = 0
    while (start := text.find("{{", i)) >= 0:
        if text.startswith("{{=", start):
            close = _expression_end(text, start + 3)
        else:
            close = text.find("}}", start + 2)
        if close < 0:
            snippet = text[start : start + 40] + ("..." if len(text) > start + 40 else "")
            raise ExprSyntaxError(
                f"unclosed '{{{{' at {snippet!r}: add the closing '}}}}' for this tag", start
            )
        yield start, close + 2, text[start + 2 : close]
        i = close + 2


def _read_path(scope: Mapping[str, Any], name: str) -> Any:
    """A simple tag's value: the exact key, else a field of a dict/list value
    (`item.a.b` reads scope["item"]["a"]["b"])."""
    value = scope.get(name, _MISSING)
    if value is not _MISSING or "." not in name:
        return value
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        base = scope.get(".".join(parts[:cut]), _MISSING)
        if base is _MISSING:
            continue
        for part in parts[cut:]:
            if isinstance(base, Mapping):
                base = base.get(part, _MISSING)
            elif isinstance(base, list) and part.lstrip("-").isdigit():
                idx = int(part)
                base = base[idx] if -len(base) <= idx < len(base) else _MISSING
            else:
                return _MISSING
            if base is _MISSING:
                return _MISSING
        return base
    return _MISSING


@functools.lru_cache(maxsize=1024)
def _root_pattern(roots: frozenset[str]) -> re.Pattern[str]:
    """Matches keys under any of `roots`; a C-level filter is ~2x a Python loop."""
    alternatives = "|".join(re.escape(r) for r in sorted(roots)) or "(?!)"
    return re.compile(rf"(?:{alternatives})(?:\.|$)")


def build_env(scope: Mapping[str, Any], roots: frozenset[str] | None = None) -> dict[str, Any]:
    """Nest a flat scope by its dots for expressions: {"a.b": 1} -> {"a": {"b": 1}}.

    When both "a" and "a.b" exist the more specific key wins (as Argo's expand does);
    a dict value at "a" is copied and merged. Only keys under `roots` are taken."""
    keys = list(scope) if roots is None else list(filter(_root_pattern(roots).match, scope))
    keys.sort(key=lambda k: k.count("."))
    env: dict[str, Any] = {}
    own: set[int] = {id(env)}
    for key in keys:
        node = env
        *path, leaf = key.split(".")
        for part in path:
            nxt = node.get(part)
            if not isinstance(nxt, dict) or id(nxt) not in own:
                nxt = dict(nxt) if isinstance(nxt, Mapping) else {}
                own.add(id(nxt))
                node[part] = nxt
            node = nxt
        node[leaf] = scope[key]
    return env


def _walk_reads(node: Node, bound: frozenset[str], out: list[str]) -> None:
    kind = node[0]
    if kind in ("lit", "ptr"):
        return
    if kind == "name":
        if node[1] not in bound:
            out.append(node[1])
        return
    if kind in ("member", "index"):
        _walk_chain(node, bound, out)
        return
    if kind == "let":
        _walk_reads(node[2], bound, out)
        _walk_reads(node[3], bound | {node[1]}, out)
        return
    if kind == "call":
        callee = node[1]
        is_sprig = callee[0] == "member" and callee[1] == ("name", "sprig")
        if callee[0] != "name" and not is_sprig:
            _walk_reads(callee, bound, out)
        children: tuple[Any, ...] = node[2]
    elif kind == "array":
        children = node[1]
    elif kind == "map":
        children = tuple(part for pair in node[1] for part in pair)
    else:
        children = node[1:]
    for child in children:
        if isinstance(child, tuple):
            _walk_reads(child, bound, out)


def _walk_chain(node: Node, bound: frozenset[str], out: list[str]) -> None:
    """`a.b[x].c`: the readable path, plus whatever computed keys and bases read."""
    base, keys = node, []
    while base[0] in ("member", "index"):
        keys.append(base[2])
        base = base[1]
    path = _member_path(node, bound)
    if path is not None:
        out.append(path)
    elif base[0] != "name":
        _walk_reads(base, bound, out)
    for key in reversed(keys):
        if key[0] != "lit":
            _walk_reads(key, bound, out)


def _member_path(node: Node, bound: frozenset[str]) -> str | None:
    """`a.b["c"].d` -> "a.b.c.d"; the readable prefix when an index is computed."""
    parts: list[str] = []
    cur = node
    while cur[0] in ("member", "index"):
        key = cur[2]
        if key[0] == "lit" and isinstance(key[1], str | int):
            parts.append(str(key[1]))
        else:
            parts.clear()  # a computed key: only the prefix before it is known
        cur = cur[1]
    if cur[0] != "name" or cur[1] in bound:
        return None
    return ".".join([cur[1], *reversed(parts)])


@functools.lru_cache(maxsize=4096)
def expression_reads(source: str) -> tuple[str, ...]:
    """Dotted variable paths an expression reads (parsed and compiled, so errors raise)."""
    compile_source(source)
    out: list[str] = []
    try:
        _walk_reads(parse(source), frozenset(), out)
    except RecursionError:
        raise ExprSyntaxError("expression is nested too deeply", 0) from None
    return tuple(dict.fromkeys(out))


@functools.lru_cache(maxsize=4096)
def _roots(source: str) -> frozenset[str]:
    return frozenset(p.partition(".")[0] for p in expression_reads(source))


def references(text: str) -> list[Reference]:
    """Every tag in `text`, in order. Raises ExprSyntaxError for an unclosed `{{` or an
    expression that does not parse (position: offset in `text`)."""
    if "{{" not in text:
        return []
    out: list[Reference] = []
    for start, end, inner in _tags(text):
        if inner.startswith("="):
            source = inner[1:]
            try:
                reads = expression_reads(source)
            except ExprSyntaxError as e:
                raise ExprSyntaxError(
                    f"in tag {shown_tag(inner)}: {e.message}", start + 3 + e.position
                ) from None
            out.append(Reference(start, end, "expression", source, reads))
        else:
            name = inner.strip()
            out.append(Reference(start, end, "simple", name, (name,)))
    return out


def _has_path(env: Mapping[str, Any], path: str) -> bool:
    node: Any = env
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit():
            if not -len(node) <= int(part) < len(node):
                return False
            node = node[int(part)]
        else:
            return False
    return True


def _expression_value(
    source: str, scope: Mapping[str, Any], strict: bool, envs: dict[frozenset[str], Any]
) -> str | None:
    try:
        fn = compile_source(source)
        roots = _roots(source) | _CLOCK
        env = envs.get(roots)
        if env is None:
            env = envs[roots] = build_env(scope, roots)
        if not strict and not all(_has_path(env, p) for p in expression_reads(source)):
            # A later pass may know it (workflow.status, retries, ...): `a.x == 'y'` must
            # not become "false" just because `a.x` is not in the scope yet.
            return None
        result = fn(Ctx(env))
    except UnresolvedError as e:
        if strict:
            raise UnresolvedError(e.name, f"{shown_tag('=' + source)}: {e}") from None
        return None
    except ExprSyntaxError as e:
        if strict:
            raise ExprSyntaxError(
                f"in tag {shown_tag('=' + source)}: {e.message}", e.position
            ) from None
        return None
    except ExprEvalError as e:
        if strict:
            raise ExprEvalError(f"{shown_tag('=' + source)}: {e}") from None
        return None
    if result is None:
        if strict:
            raise UnresolvedError(source, f"{shown_tag('=' + source)} evaluated to nil")
        return None
    # Argo writes an expression's result with Go's `%v`: `[a b]`, `map[k:v]`, `1e+06`
    return values.go_str(result)


def substitute(text: str, scope: Mapping[str, Any], *, strict: bool = True) -> str:
    """Replace every `{{name}}` and `{{=expression}}` in `text` from `scope`.

    strict: an unresolved tag raises UnresolvedError (expression errors raise
    ExprEvalError); otherwise the tag is left as it was, as Argo does in early passes."""
    if "{{" not in text:
        return text
    parts: list[str] = []
    envs: dict[frozenset[str], Any] = {}  # nested envs built for this call, by roots
    last = 0
    for start, end, inner in _tags(text):
        parts.append(text[last:start])
        last = end
        if inner.startswith("="):
            value = _expression_value(inner[1:], scope, strict, envs)
        else:
            found = _read_path(scope, inner.strip())
            if found is _MISSING:
                if strict:
                    raise UnresolvedError(inner.strip(), f"unresolved tag {shown_tag(inner)}")
                value = None
            else:
                value = values.render(found)
        parts.append(text[start:end] if value is None else value)
    parts.append(text[last:])
    return "".join(parts)


forget_on_bound_change(expression_reads.cache_clear)
forget_on_bound_change(_roots.cache_clear)
