"""A Hypothesis strategy of well-formed expr-lang expressions: calls of every builtin
and sprig function with arguments of every type, numeric extremes included, nested
with operators. Shared by the expression layer's and the engine's property tests."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from workflow_engine.expr import builtins, sprig

NUMBERS = [
    "0",
    "1",
    "-1",
    "9223372036854775807",
    "-9223372036854775807",
    "1e308",
    "1e308 * 10",
    "-1e308 * 10",
    "0.5",
    "2.5e-320",
    "(0.0 / 1)",
]
STRINGS = ['""', '"a"', '"1e400"', '"12"', '"-0x1f"', '"{\\"a\\": [1, 2]}"', '"$.a[*]"', '"(a"']
NAMES = ["inputs.parameters.x", "workflow.name", "items", "nothing"]
FUNCTIONS = sorted(builtins.table()) + [f"sprig.{name}" for name in sorted(sprig.table())]
OPERATORS = ["+", "-", "*", "/", "%", "**", "==", "<", "in", "..", "&&", "??", "contains"]
ATOMS = st.sampled_from([*NUMBERS, *STRINGS, *NAMES, "true", "nil", "[]", "{}"])


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    args = st.lists(inner, max_size=3).map(", ".join)
    return st.one_of(
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(FUNCTIONS), args),
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(OPERATORS), inner),
        st.builds(lambda a: f"[{a}]", args),
        st.builds(lambda k, x: f"{{{json.dumps(k)}: {x}}}", st.sampled_from("ab"), inner),
        st.builds(lambda a, b: f"{a}[{b}]", inner, inner),
        st.builds(lambda a: f"filter({a}, {{# > 1}})", inner),
        st.builds(lambda a: f"-{a}", inner),
    )


EXPRESSIONS = st.recursive(ATOMS, _extend, max_leaves=6)
ENV = {
    "inputs": {"parameters": {"x": "3"}},
    "workflow": {"name": "w"},
    "items": [1, "two", 3.5, None, {"k": [1]}],
}
