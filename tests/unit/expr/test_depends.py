"""DAG `depends:` logic (`workflow_engine.expr.parse_depends`): every task result,
bare names, dashes, boolean operators, partial decisions and errors. Pure."""

from __future__ import annotations

import pytest

from workflow_engine.expr import (
    ExprEvalError,
    ExprSyntaxError,
    TaskOutcome,
    depends_from_dependencies,
    parse_depends,
)

OUTCOMES = {
    "ok": TaskOutcome("Succeeded"),
    "bad": TaskOutcome("Failed"),
    "err": TaskOutcome("Error"),
    "skip": TaskOutcome("Skipped"),
    "omit": TaskOutcome("Omitted"),
    "daemon": TaskOutcome("Running", daemoned=True),
    "daemon-pending": TaskOutcome("Pending", daemoned=True),
    "loop-mixed": TaskOutcome("Failed", child_phases=("Failed", "Succeeded")),
    "loop-failed": TaskOutcome("Failed", child_phases=("Failed", "Failed")),
    "loop-empty": TaskOutcome("Succeeded", child_phases=()),
    "loop-flags": TaskOutcome("Failed", any_succeeded=True, all_failed=False),
    "soft-fail": TaskOutcome("Failed", continue_on_failed=True),
    "soft-err": TaskOutcome("Error", continue_on_error=True),
    "build-x": TaskOutcome("Succeeded"),
    "task_1": TaskOutcome("Skipped"),
}

CASES: list[tuple[str, str, bool]] = [
    ("bare-succeeded", "ok", True),
    ("bare-failed", "bad", False),
    ("bare-errored", "err", False),
    ("bare-skipped", "skip", True),
    ("bare-omitted", "omit", False),
    ("bare-daemoned", "daemon", True),
    ("bare-daemon-pending", "daemon-pending", False),
    ("bare-continue-on-failed", "soft-fail", True),
    ("bare-continue-on-error", "soft-err", True),
    ("explicit-suffix-ignores-continue-on", "soft-fail.Succeeded", False),
    ("succeeded", "ok.Succeeded", True),
    ("succeeded-false", "bad.Succeeded", False),
    ("failed", "bad.Failed", True),
    ("errored", "err.Errored", True),
    ("errored-not-failed", "err.Failed", False),
    ("skipped", "skip.Skipped", True),
    ("omitted", "omit.Omitted", True),
    ("daemoned", "daemon.Daemoned", True),
    ("daemoned-false", "ok.Daemoned", False),
    ("any-succeeded", "loop-mixed.AnySucceeded", True),
    ("all-failed-false", "loop-mixed.AllFailed", False),
    ("all-failed", "loop-failed.AllFailed", True),
    ("all-failed-empty", "loop-empty.AllFailed", False),
    ("any-succeeded-flag", "loop-flags.AnySucceeded", True),
    ("all-failed-flag", "loop-flags.AllFailed", False),
    ("dash-name", "build-x.Succeeded", True),
    ("dash-bare", "build-x", True),
    ("underscore", "task_1", True),
    ("and", "ok && bad", False),
    ("or", "ok || bad", True),
    ("not", "!bad", True),
    ("not-suffix", "!bad.Failed", False),
    ("no-spaces", "ok&&bad.Failed", True),
    ("and-before-or", "bad || ok && skip", True),
    ("and-before-or-2", "ok || bad && bad", True),
    ("parens", "(bad || ok) && skip", True),
    ("nested", "ok && !(bad.Succeeded || err.Succeeded)", True),
    ("argo-example", "ok && (bad.Succeeded || bad.Failed)", True),
    ("double-not", "!!ok", True),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_depends(text: str, expected: bool) -> None:
    assert parse_depends(text).evaluate(OUTCOMES) is expected


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("A", {"A"}),
        ("A && B.Failed", {"A", "B"}),
        ("(build-x.Succeeded || t-2) && !A.Failed", {"build-x", "t-2", "A"}),
        ("A || A.Failed", {"A"}),
    ],
    ids=["one", "two", "dashes", "repeated"],
)
def test_task_names(text: str, names: set[str]) -> None:
    assert parse_depends(text).task_names == frozenset(names)


SYNTAX: list[tuple[str, str, int, str]] = [
    ("empty", "  ", 0, "empty"),
    ("dangling-and", "A &&", 4, "unexpected end"),
    ("unclosed", "(A", 2, "unexpected end"),
    ("two-names", "A B", 2, "unexpected 'B'"),
    ("single-amp", "A & B", 2, "unexpected '&'"),
    ("unknown-result", "A.Completed", 0, "task result 'Completed' of task 'A' is invalid"),
    ("double-or", "A || || B", 5, "unexpected '||'"),
    ("stray-paren", "A)", 1, "unexpected ')'"),
]


@pytest.mark.parametrize(
    ("text", "position", "message"), [c[1:] for c in SYNTAX], ids=[c[0] for c in SYNTAX]
)
def test_depends_syntax_errors(text: str, position: int, message: str) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse_depends(text)
    assert info.value.position == position
    assert message in info.value.message


def test_evaluate_needs_every_task() -> None:
    with pytest.raises(ExprEvalError, match=r"no outcome yet for task.*missing"):
        parse_depends("ok && missing").evaluate(OUTCOMES)


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [
        ("A || B", {"A": TaskOutcome("Succeeded")}, True),
        ("A && B", {"A": TaskOutcome("Failed")}, False),
        ("A && B", {"A": TaskOutcome("Succeeded")}, None),
        ("!A", {}, None),
        ("A.Failed || (B && C)", {"B": TaskOutcome("Failed")}, None),
        ("A.Failed || (B && C)", {"A": TaskOutcome("Failed")}, True),
    ],
    ids=["or-settled", "and-settled", "and-open", "not-open", "or-open", "or-early"],
)
def test_decide_partial(text: str, known: dict[str, TaskOutcome], expected: bool | None) -> None:
    assert parse_depends(text).decide(known) is expected


def test_parse_is_cached() -> None:
    assert parse_depends("ok && bad") is parse_depends("ok && bad")


@pytest.mark.parametrize(
    ("names", "expected"),
    [(["A"], "A"), (["A", "B"], "A && B"), (["a-1", "b-2", "c"], "a-1 && b-2 && c")],
    ids=["one", "two", "three"],
)
def test_depends_from_dependencies(names: list[str], expected: str) -> None:
    text = depends_from_dependencies(names)
    assert text == expected
    assert parse_depends(text).task_names == frozenset(names)


@pytest.mark.parametrize(
    "text", ["!" * 3000 + "A", "(" * 3000 + "A" + ")" * 3000], ids=["nots", "parens"]
)
def test_deep_nesting_is_a_syntax_error(text: str) -> None:
    with pytest.raises(ExprSyntaxError, match="nested too deeply"):
        parse_depends(text)
