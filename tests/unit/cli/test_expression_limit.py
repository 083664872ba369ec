"""WF_MAX_EXPRESSION_LENGTH: one configurable bound on `{{=...}}`, `when` and
`depends` text, named in every refusal, applied by lint at the CLI's edge and by
the controller that evaluates the workflow; error messages quote a bounded prefix of
the text, never the whole of a huge expression."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.cli.conftest import Wf
from workflow_engine.controller.__main__ import main as controller_main
from workflow_engine.errors import SpecError
from workflow_engine.expr.depends import parse_depends
from workflow_engine.expr.errors import ExprSyntaxError
from workflow_engine.expr.parser import parse
from workflow_engine.expr.when import parse_when
from workflow_engine.spec.limits import (
    DEFAULT_MAX_EXPRESSION_LENGTH,
    DocumentLimits,
    max_expression_length,
    set_max_expression_length,
)


@pytest.fixture(autouse=True)
def default_bound() -> Iterator[None]:
    yield
    set_max_expression_length(DEFAULT_MAX_EXPRESSION_LENGTH)


def _workflow(tmp_path: Path, when: str = "true", message: str = "{{=1 + 2}}") -> str:
    path = tmp_path / "wf.yaml"
    path.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n"
        "metadata: {generateName: long-}\n"
        "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    steps:\n"
        f"    - - name: a\n        template: echo\n        when: {when!r}\n"
        f"        arguments: {{parameters: [{{name: m, value: {message!r}}}]}}\n"
        "  - name: echo\n    inputs: {parameters: [{name: m}]}\n"
        "    container: {image: alpine, command: [echo, '{{inputs.parameters.m}}']}\n"
    )
    return str(path)


def _sum(terms: int) -> str:
    return "{{=" + " + ".join(["1"] * terms) + "}}"


def test_the_bound_is_read_from_the_environment() -> None:
    limits = DocumentLimits.from_env({"WF_MAX_EXPRESSION_LENGTH": "300"})
    assert limits.max_expression_length == 300
    assert DocumentLimits.from_env({}).max_expression_length == 64 * 1024
    with pytest.raises(SpecError, match="WF_MAX_EXPRESSION_LENGTH: '0' is not a positive"):
        DocumentLimits.from_env({"WF_MAX_EXPRESSION_LENGTH": "0"})


def test_lint_refuses_an_expression_over_the_configured_bound(wf: Wf, tmp_path: Path) -> None:
    path = _workflow(tmp_path, message=_sum(40))  # 157 characters inside the tag
    assert wf("lint", path).exit_code == 0
    wf.app.limits = DocumentLimits(max_expression_length=100)
    result = wf("lint", path)
    assert result.exit_code == 2, result.output
    assert "spec.templates[0].steps[0][0].arguments.parameters[0].value" in result.output
    assert "over the limit (WF_MAX_EXPRESSION_LENGTH=100)" in result.output
    assert max_expression_length() == 100


def test_a_refused_submit_creates_nothing(wf: Wf, tmp_path: Path) -> None:
    wf.app.limits = DocumentLimits(max_expression_length=20)
    result = wf("submit", _workflow(tmp_path, when="'aaaaaaaaaa' == 'bbbbbbbbbbbb'"))
    assert result.exit_code == 2, result.output
    assert "when" in result.output and "WF_MAX_EXPRESSION_LENGTH=20" in result.output
    assert wf.workflows() == []


def test_raising_the_bound_admits_a_longer_expression(wf: Wf, tmp_path: Path) -> None:
    path = _workflow(tmp_path, message="{{='" + "a" * 80_000 + "'}}")
    refused = wf("lint", path)
    assert refused.exit_code == 2
    assert "WF_MAX_EXPRESSION_LENGTH=65536" in refused.output
    assert len(refused.output) < 1000, "the message quotes a prefix of the tag"
    wf.app.limits = DocumentLimits(max_expression_length=100_000)
    assert wf("lint", path).exit_code == 0


def test_every_parser_checks_the_bound_and_a_cached_parse_is_forgotten() -> None:
    text = "a == b || c == d"
    assert parse_when(text) and parse(text) and parse_depends("a && b && c")
    set_max_expression_length(10)
    with pytest.raises(ExprSyntaxError, match="condition is 16 characters"):
        parse_when(text)
    with pytest.raises(ExprSyntaxError, match="expression is 16 characters"):
        parse(text)
    with pytest.raises(ExprSyntaxError, match="depends is 11 characters"):
        parse_depends("a && b && c")


def test_error_messages_quote_a_bounded_prefix() -> None:
    huge = "1 + " * 10_000 + ")"
    with pytest.raises(ExprSyntaxError) as raised:
        parse(huge)
    message = str(raised.value)
    assert len(message) < 400, len(message)
    assert f"({len(huge)} characters)" in message
    with pytest.raises(ExprSyntaxError) as raised_when:
        parse_when("a == " * 5_000 + "(")
    assert len(str(raised_when.value)) < 400


def test_the_controller_takes_the_bound_as_an_argument(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as refused:
        controller_main(["--state-dir", str(tmp_path), "--max-expression-length", "0"])
    assert refused.value.code == 2
