"""Regular expressions mean what Go's regexp (RE2) makes them mean on Argo: in expr-lang
`matches`, govaluate `=~`/`!~` and the sprig regex functions. Go's behaviour is the
reference (https://pkg.go.dev/regexp/syntax)."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.expr import evaluate, evaluate_when
from workflow_engine.expr.errors import ExprError
from workflow_engine.expr.regex import go_quote_meta, go_split
from workflow_engine.lint import lint_text


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # `$` is the end of the text in Go, not before a final newline as in Python
        ("'abc\\n' matches 'abc$'", False),
        ("'abc' matches 'abc$'", True),
        # \d is ASCII only (Python's re would take Arabic-Indic digits)
        ("'\u0663' matches '^\\\\d$'", False),
        ("'7' matches '^\\\\d$'", True),
        # leftmost-first alternation, as Go
        ("sprig.regexFind('a|ab', 'ab')", "a"),
        # groups are not part of the pieces of a split (Go's Regexp.Split)
        ("sprig.regexSplit('(-)', 'a-b-c', -1)", ["a", "b", "c"]),
        ("sprig.regexSplit('-', 'a-b-c', 2)", ["a", "b-c"]),
        ("sprig.regexSplit('-', 'a-b-c', 0)", []),
        ("sprig.regexReplaceAll('(\\\\w+)@(\\\\w+)', 'me@host', '${2}.$1')", "host.me"),
        ("sprig.regexQuoteMeta('a.b c-d')", "a\\.b c-d"),
        ("sprig.regexFindAll('[0-9]+', 'a1b22c333', 2)", ["1", "22"]),
    ],
    ids=[
        "dollar-end-of-text",
        "dollar",
        "ascii-digits",
        "digit",
        "leftmost-first",
        "split-without-groups",
        "split-n",
        "split-zero",
        "replace-go-syntax",
        "quote-meta",
        "find-all",
    ],
)
def test_go_semantics(expression: str, expected: Any) -> None:
    assert evaluate(expression, {}) == expected


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("'aa' matches '(a)\\\\1'", "invalid escape sequence"),
        ("'ab' matches 'a(?=b)'", "invalid perl operator"),
        ("sprig.regexMatch('(?<!x)a', 'a')", "invalid perl operator"),
    ],
    ids=["backreference", "lookahead", "lookbehind"],
)
def test_constructs_go_refuses_are_errors_naming_the_pattern(expression: str, reason: str) -> None:
    with pytest.raises(ExprError, match=reason):
        evaluate(expression, {})


def test_when_conditions_use_re2() -> None:
    assert evaluate_when("abc =~ '^a.c$'") is True
    assert evaluate_when("'abc\n' =~ 'abc$'") is False
    with pytest.raises(ExprError, match="invalid perl operator"):
        evaluate_when("abc =~ 'a(?=b)'")


def test_split_and_quote_helpers() -> None:
    assert go_split("x*", "abc", -1) == ["a", "b", "c"]
    # the example of Go's documentation of Regexp.Split
    assert go_split("a*", "abaabaccadaaae", 5) == ["", "b", "b", "c", "cadaaae"]
    assert go_split("", "abc", -1) == ["a", "b", "c"]
    assert go_quote_meta("1+1=2?") == "1\\+1=2\\?"


def test_lint_refuses_a_literal_pattern_re2_refuses() -> None:
    """As expr-lang compiles a constant `matches` pattern with the program, a literal
    pattern Go would refuse is a lint error at its field, before anything runs."""
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: r-}
spec:
  entrypoint: main
  templates:
    - name: main
      container:
        image: busybox
        command:
          - echo
          - "{{=sprig.regexFind('a(?=b)', 'ab')}}"
          - "{{='ab' matches '^a(?!c)'}}"
          - "{{=sprig.regexMatch('^a[0-9]+$', 'a1')}}"
"""
    errors = lint_text(text)
    assert [(e.path, "invalid perl operator" in e.reason) for e in errors] == [
        ("spec.templates[0].container.command[1]", True),
        ("spec.templates[0].container.command[2]", True),
    ]
