"""Bounds on what a user document may cost: bytes, nesting, YAML alias expansion,
expression length.

Used by `spec.loader`; the expression bound is enforced by `workflow_engine.expr.limits`.
Every bound is named after the environment variable that sets it at the CLI edge
(`cli.main`), and every refusal says which bound was hit, so a user who needs more
knows what to raise. Checked on the
YAML node graph before Python objects are built, in time linear in the text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflow_engine.errors import SpecError

if TYPE_CHECKING:  # yaml loads when a document is checked: `wf --help` reads the limits
    import yaml

# Kubernetes refuses objects over 1.5 MiB; a document may hold several objects.
DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_DEPTH = 100
DEFAULT_MAX_ALIAS_NODES = 100_000
DEFAULT_MAX_EXPRESSION_LENGTH = 64 * 1024  # characters of one expression, `when` or `depends`

ENV_NAMES = {
    "max_document_bytes": "WF_MAX_DOCUMENT_BYTES",
    "max_depth": "WF_MAX_NESTING_DEPTH",
    "max_alias_nodes": "WF_MAX_YAML_ALIAS_NODES",
    "max_expression_length": "WF_MAX_EXPRESSION_LENGTH",
}


@dataclass(frozen=True)
class DocumentLimits:
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH  # nested mappings and sequences
    max_alias_nodes: int = DEFAULT_MAX_ALIAS_NODES  # nodes added by expanding aliases
    max_expression_length: int = DEFAULT_MAX_EXPRESSION_LENGTH

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DocumentLimits:
        """The limits with the `WF_MAX_*` variables of `env` applied (see ENV_NAMES)."""
        values: dict[str, int] = {}
        for field_name, var in ENV_NAMES.items():
            text = env.get(var, "").strip()
            if not text:
                continue
            if not text.isdigit() or int(text) < 1:
                raise SpecError(var, f"{text!r} is not a positive whole number")
            values[field_name] = int(text)
        return cls(**values)

    def over(self, field_name: str) -> str:
        """How a refusal names a bound: `WF_MAX_NESTING_DEPTH=100`."""
        return f"{ENV_NAMES[field_name]}={getattr(self, field_name)}"


DEFAULT_LIMITS = DocumentLimits()


def check_size(size: int, source: str, limits: DocumentLimits) -> None:
    if size > limits.max_document_bytes:
        raise SpecError(
            source,
            f"document is over {limits.max_document_bytes} bytes "
            f"(limit {limits.over('max_document_bytes')})",
        )


def decode(data: bytes, source: str, limits: DocumentLimits = DEFAULT_LIMITS) -> str:
    """A document's bytes as text: within the size bound, and UTF-8."""
    check_size(len(data), source, limits)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(source, f"not UTF-8 text (byte {exc.start} is invalid)") from None


def check_node(root: yaml.Node, source: str, limits: DocumentLimits, aliases: bool = True) -> None:
    """Refuse a composed document that nests deeper than `max_depth`, whose aliases
    expand to more than `max_alias_nodes` extra nodes (a billion-laughs document is a
    few hundred nodes that expand to 10^9), or that contains itself. Iterative, each
    distinct node visited once. `aliases=False` (the text has no `*`, so the nodes
    form a tree): only the depth can be wrong, found by a lighter walk."""
    if not aliases and _shallow(root, limits.max_depth):
        return
    size: dict[int, int] = {}  # id -> nodes once aliases are expanded
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, kids = stack.pop()
        key = id(node)
        if kids is not None:  # every child is done
            on_path.discard(key)
            total, tallest = 1, 0
            for child in kids:
                total += size[id(child)]
                tallest = max(tallest, height[id(child)])
            if tallest >= limits.max_depth:
                raise SpecError(
                    _where(source, node),
                    f"nested deeper than {limits.max_depth} levels "
                    f"(limit {limits.over('max_depth')})",
                )
            size[key], height[key] = total, tallest + 1
        elif key not in size:
            if getattr(node, "id", None) == "scalar":  # yaml's kinds: scalar, sequence, mapping
                size[key] = height[key] = 1
                continue
            kids = _children(node)
            on_path.add(key)
            stack.append((node, kids))
            for child in kids:
                if id(child) in on_path:
                    raise SpecError(_where(source, child), "a YAML alias refers to itself")
                if id(child) not in size:
                    stack.append((child, None))
    extra = size[id(root)] - len(size)
    if extra > limits.max_alias_nodes:
        raise SpecError(
            source,
            f"YAML aliases expand to {extra} more nodes (limit {limits.over('max_alias_nodes')})",
        )


def _shallow(root: yaml.Node, max_depth: int) -> bool:
    """No node of the tree under `root` is deeper than `max_depth` (root: depth 1)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if getattr(node, "id", None) == "scalar" or not node.value:
            continue
        if depth >= max_depth:
            return False
        stack.extend((child, depth + 1) for child in _children(node))
    return True


def _children(node: yaml.Node) -> list[yaml.Node]:
    if getattr(node, "id", None) == "sequence":
        return list(node.value)
    return [n for pair in node.value for n in pair]


def _where(source: str, node: yaml.Node) -> str:
    mark = node.start_mark
    return f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source


# The expression bound is process-wide: every parser of `workflow_engine.expr` checks
# it (`expr.limits.check_length`), and the parsed-expression caches are emptied when it
# changes, so a text refused under one bound is parsed anew under another. It lives
# here, not in `expr`, so the CLI's edge can set it without importing the parsers.
_expression_bound = DEFAULT_MAX_EXPRESSION_LENGTH
_on_expression_bound_change: list[Callable[[], None]] = []


def max_expression_length() -> int:
    return _expression_bound


def set_max_expression_length(characters: int) -> None:
    global _expression_bound
    if characters < 1:
        raise ValueError(f"the expression length bound must be positive, not {characters}")
    if characters != _expression_bound:
        _expression_bound = characters
        for clear in _on_expression_bound_change:
            clear()


def forget_on_expression_bound_change(clear: Callable[[], None]) -> None:
    """Register a cache's `cache_clear`, called whenever the bound changes."""
    _on_expression_bound_change.append(clear)
