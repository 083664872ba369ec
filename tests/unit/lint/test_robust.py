"""Lint never crashes on user input: damaged versions of the good files (a field
dropped, a value replaced by something of another type) give SpecErrors, not
exceptions."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflow_engine.errors import SpecError
from workflow_engine.lint import lint_text
from workflow_engine.spec.resolver import MappingResolver

GOOD = sorted((Path(__file__).resolve().parents[2] / "data" / "lint" / "good").glob("*.yaml"))
DOCS = [doc for path in GOOD for doc in yaml.safe_load_all(path.read_text()) if doc]

REPLACEMENTS = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.sampled_from(["", "{{", "{{=", "}}", "a && (", "x", "{{item}}", "-1", "1.5", "A"]),
    st.lists(st.sampled_from(["a", "b"]), max_size=2),
    st.just({"name": "x"}),
)


def _paths(tree: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here] if here else []
    if isinstance(tree, dict):
        for key, value in tree.items():
            out += _paths(value, (*here, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            out += _paths(value, (*here, index))
    return out


def _damage(doc: dict[str, Any], path: tuple[Any, ...], value: Any, drop: bool) -> dict[str, Any]:
    damaged = copy.deepcopy(doc)
    parent = damaged
    for part in path[:-1]:
        parent = parent[part]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return damaged


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_documents_give_errors_not_exceptions(data: st.DataObject) -> None:
    doc = data.draw(st.sampled_from(DOCS))
    path = data.draw(st.sampled_from(_paths(doc)))
    damaged = _damage(doc, path, data.draw(REPLACEMENTS), data.draw(st.booleans()))
    errors = lint_text(yaml.safe_dump(damaged), resolver=MappingResolver())
    assert all(isinstance(e, SpecError) and e.reason for e in errors)
