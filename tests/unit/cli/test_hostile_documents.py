"""Hostile documents at every CLI entry that reads them (`wf submit`, `wf lint`,
`wf template create|lint`, `--parameter-file`): one error line naming the field path
or the bound hit, exit code 2, nothing stored, no traceback. Files are written to a
tmp dir per test; the bounds are `cli.app.App.limits` (WF_MAX_* at the program edge).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.cli.conftest import Wf, data
from workflow_engine.errors import SpecError
from workflow_engine.spec.limits import DocumentLimits

HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n"
BODY = (
    "spec:\n  entrypoint: main\n  templates:\n  - name: main\n"
    "    container: {image: alpine, command: [echo, hi]}\n"
)
LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def _write(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "doc.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


CASES: list[tuple[str, str | bytes, str]] = [
    ("metadata-null", HEAD + "metadata: null\n" + BODY, "metadata: input should be a valid dict"),
    (
        "arguments-list",
        HEAD + "metadata: {generateName: x-}\n" + BODY + "  arguments: []\n",
        "spec.arguments: input should be a valid dictionary",
    ),
    (
        "parameters-mapping",
        HEAD + "metadata: {generateName: x-}\n" + BODY + "  arguments: {parameters: {a: 1}}\n",
        "spec.arguments.parameters: input should be a valid list",
    ),
    ("spec-string", HEAD + "metadata: {generateName: x-}\nspec: hello\n", "spec: input should"),
    (
        "not-utf8",
        b"kind: Workflow\nmetadata: {name: \xff\xfe}\n",
        "not UTF-8 text (byte 32 is invalid)",
    ),
    ("deep-yaml", "- " * 10_000 + "x\n", "YAML syntax error: exceeded maximum nesting"),
    ("deep-json", "[" * 10_000 + "]" * 10_000, "YAML syntax error: exceeded maximum nesting"),
    ("nested-past-limit", "[" * 150 + "]" * 150, "limit WF_MAX_NESTING_DEPTH=100"),
    ("billion-laughs", LAUGHS, "limit WF_MAX_YAML_ALIAS_NODES=100000"),
    ("self-alias", "a: &a [*a]\n", "a YAML alias refers to itself"),
]


def _submit(wf: Wf, path: str) -> list[str]:
    result = wf("submit", path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert wf.workflows() == []
    return result.output.splitlines()


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_submit_refuses_with_one_line_per_error(
    wf: Wf, tmp_path: Path, content: str | bytes, expected: str
) -> None:
    lines = _submit(wf, _write(tmp_path, content))
    assert any(expected in line for line in lines), lines
    assert all(line.strip() for line in lines)


@pytest.mark.parametrize(
    "command",
    [["lint"], ["template", "create"], ["template", "lint"]],
    ids=["lint", "template-create", "template-lint"],
)
@pytest.mark.parametrize(
    ("content", "expected"), [c[1:] for c in CASES[4:]], ids=[c[0] for c in CASES[4:]]
)
def test_every_reader_refuses_the_same_way(
    wf: Wf, tmp_path: Path, command: list[str], content: str | bytes, expected: str
) -> None:
    result = wf(*command, _write(tmp_path, content))
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert wf.store.list("WorkflowTemplate").items == []


def test_a_directory_is_refused(wf: Wf, tmp_path: Path) -> None:
    for command in (["submit"], ["lint"], ["template", "create"]):
        result = wf(*command, str(tmp_path))
        assert result.exit_code == 2, result.output
        assert result.output == f"{tmp_path}: cannot read: Is a directory\n"


def test_a_bad_parameter_file_is_refused(wf: Wf, tmp_path: Path) -> None:
    params = _write(tmp_path, b"message: \xff\n")
    result = wf("submit", data("hello.yaml"), "--parameter-file", params)
    assert result.exit_code == 2
    assert result.output == f"{params}: not UTF-8 text (byte 9 is invalid)\n"
    assert wf.workflows() == []


def test_stdin_is_bounded_too(wf: Wf) -> None:
    wf.app.limits = DocumentLimits(max_document_bytes=100)
    result = wf("submit", "-", input=HEAD + "metadata: {generateName: x-}\n" + BODY)
    assert result.exit_code == 2
    assert (
        result.output == "<stdin>: document is over 100 bytes (limit WF_MAX_DOCUMENT_BYTES=100)\n"
    )


@pytest.mark.parametrize(
    ("field", "value", "content"),
    [
        ("max_document_bytes", 64, HEAD + BODY),
        ("max_depth", 3, HEAD + BODY),
        ("max_alias_nodes", 5, "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"),
    ],
)
def test_each_limit_is_configurable_and_named(
    wf: Wf, tmp_path: Path, field: str, value: int, content: str
) -> None:
    wf.app.limits = dataclasses.replace(DocumentLimits(), **{field: value})
    name = {"max_document_bytes": "DOCUMENT_BYTES", "max_depth": "NESTING_DEPTH"}.get(
        field, "YAML_ALIAS_NODES"
    )
    [line] = _submit(wf, _write(tmp_path, content))
    assert f"(limit WF_MAX_{name}={value})" in line


@pytest.mark.parametrize(
    ("env", "ok"),
    [
        ({"WF_MAX_NESTING_DEPTH": "7"}, lambda lim: lim.max_depth == 7),
        ({"WF_MAX_DOCUMENT_BYTES": ""}, lambda lim: lim == DocumentLimits()),
    ],
)
def test_limits_from_the_environment(
    env: dict[str, str], ok: Callable[[DocumentLimits], bool]
) -> None:
    assert ok(DocumentLimits.from_env(env))


@pytest.mark.parametrize("value", ["0", "-3", "lots", "1e6"])
def test_a_bad_limit_value_is_a_user_error(value: str) -> None:
    with pytest.raises(SpecError, match=r"WF_MAX_YAML_ALIAS_NODES: .* is not a positive"):
        DocumentLimits.from_env({"WF_MAX_YAML_ALIAS_NODES": value})
