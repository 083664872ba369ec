"""Lint's one door to the expression layer (`workflow_engine.expr`): the variables
`{{...}}` tags read, expression syntax, `when` and `depends`.

Every function turns the layer's ExprSyntaxError into a SpecError at a field path.
"""

from __future__ import annotations

import re
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

_TAG = re.compile(r"\{\{.*?\}\}", re.S)
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
    tags = [m.group(0) for m in _TAG.finditer(text)]
    if text.count("{{") > len(tags):
        tags.append(text[text.rfind("{{") :])
    for tag in tags:
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
        evaluate_when(_TAG.sub(_PLACEHOLDER, text))
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
    for match in re.finditer(r"([A-Za-z0-9_][-A-Za-z0-9_]*)\.(AnySucceeded|AllFailed)\b", text):
        if match.group(1) in found:
            found[match.group(1)].add(match.group(2))
    return found, []
