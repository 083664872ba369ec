"""Lint's one door to the expression layer (`workflow_engine.expr`): the variables
`{{...}}` tags read, expression syntax, `when` and `depends`.

Every function turns the layer's ExprSyntaxError into a SpecError at a field path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from workflow_engine.errors import SpecError
from workflow_engine.expr import (
    ExprError,
    ExprSyntaxError,
    evaluate_when,
    parse_depends,
    references,
)

# The stand-in for a tag's value when only the syntax of a `when` is checked.
_PLACEHOLDER = "placeholder"


@dataclass(frozen=True)
class Ref:
    """A variable a field reads: `steps.flip.outputs.result`, from `{{...}}` or `{{=...}}`."""

    name: str
    expression: bool


def tag_refs(text: str, path: str) -> tuple[list[Ref], list[SpecError]]:
    """The variables the tags of `text` read; a malformed tag or expression is an error."""
    try:
        found = references(text)
    except ExprSyntaxError:
        return _tag_by_tag(text, path)
    return [Ref(name, r.kind == "expression") for r in found for name in r.reads], []


def _tag_by_tag(text: str, path: str) -> tuple[list[Ref], list[SpecError]]:
    """After a syntax error, each tag on its own, so one bad tag hides no other error."""
    refs: list[Ref] = []
    errors: list[SpecError] = []
    for tag in split_tags(text):
        try:
            found = references(tag)
        except ExprSyntaxError as exc:
            errors.append(SpecError(path, exc.message))
            continue
        refs.extend(Ref(name, r.kind == "expression") for r in found for name in r.reads)
    return refs, errors


def expression_errors(text: str, path: str) -> Iterator[SpecError]:
    """Syntax of a whole-field expression (retryStrategy.expression, hooks, valueFrom)."""
    if "{{" in text or "}}" in text:
        return
    try:
        references("{{=" + text + "}}")
    except ExprSyntaxError as exc:
        message = exc.message.split("}}: ", 1)[-1]
        yield SpecError(path, f"bad expression: {message}")


def when_errors(text: str, path: str) -> Iterator[SpecError]:
    """Syntax of a `when` condition, each `{{...}}` tag standing for a plain word."""
    try:
        evaluate_when(replace_tags(text, _PLACEHOLDER))
    except ExprSyntaxError as exc:
        yield SpecError(path, f"bad condition: {exc.message}")
    except ExprError:
        pass  # it parsed; its value is only known at run time


def depends_tasks(text: str, path: str) -> tuple[dict[str, set[str]], list[SpecError]]:
    """Task names of a `depends` condition, each with the loop results (`.AnySucceeded`,
    `.AllFailed`) asked of it."""
    try:
        names = parse_depends(text).task_names
    except ExprSyntaxError as exc:
        return {}, [SpecError(path, exc.message)]
    found: dict[str, set[str]] = {name: set() for name in names}
    nodes = [parse_depends(text).tree]
    while nodes:  # the parsed tree, not a regex over the text: linear in its length
        node = nodes.pop()
        if node[0] == "task":
            if node[2] in ("AnySucceeded", "AllFailed"):
                found[node[1]].add(node[2])
        else:
            nodes.extend(node[1:])
    return found, []


def split_tags(text: str) -> list[str]:
    """The `{{...}}` tags of `text` in order, an unclosed one last (to the end of the
    text); one pass with str.find, where a lazy regex rescans the rest of the text from
    every `{{` that has no `}}` (quadratic)."""
    tags: list[str] = []
    pos = 0
    while (start := text.find("{{", pos)) != -1:
        end = text.find("}}", start + 2)
        if end == -1:
            tags.append(text[start:])
            break
        tags.append(text[start : end + 2])
        pos = end + 2
    return tags


def replace_tags(text: str, word: str) -> str:
    """`text` with each closed `{{...}}` tag replaced by `word`."""
    out: list[str] = []
    pos = 0
    while (start := text.find("{{", pos)) != -1:
        end = text.find("}}", start + 2)
        if end == -1:
            break
        out += (text[pos:start], word)
        pos = end + 2
    out.append(text[pos:])
    return "".join(out)
