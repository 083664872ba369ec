"""LocalSandbox, the program mode's sandbox: real child processes, output to buffers."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from executor import LocalSandbox


def _sandbox() -> tuple[LocalSandbox, io.BytesIO, io.StringIO]:
    out, log = io.BytesIO(), io.StringIO()
    return LocalSandbox({"PATH": os.environ.get("PATH", "/bin"), "X": "base"}, out, log), out, log


@pytest.mark.parametrize(
    ("argv", "code", "stdout"),
    [
        (["sh", "-c", "echo $X $Y"], 0, b"base over\n"),
        (["sh", "-c", "exit 9"], 9, b""),
        (["sh", "-c", "kill -TERM $$"], 128 + 15, b""),
        (["no-such-program-xyz"], 127, b""),
    ],
    ids=["env-laid-over-base", "exit-code", "killed-by-signal", "missing-program"],
)
def test_run(argv: list[str], code: int, stdout: bytes) -> None:
    sandbox, out, _ = _sandbox()
    result = sandbox.run(argv, {"Y": "over"}, stdout_limit=1024)
    assert result.exit_code == code
    assert result.stdout == stdout and out.getvalue() == stdout


def test_not_executable_is_126(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("echo")
    sandbox, _, log = _sandbox()
    assert sandbox.run([str(tmp_path / "f")], {}).exit_code == 126
    assert "permission denied" in log.getvalue()


def test_stdout_tail_is_bounded_but_the_log_gets_everything() -> None:
    sandbox, out, _ = _sandbox()
    result = sandbox.run(["sh", "-c", "seq 1 10000"], {}, stdout_limit=10)
    assert result.stdout_truncated and result.stdout == b"9999\n10000\n"[-10:]
    assert out.getvalue().startswith(b"1\n2\n") and out.getvalue().endswith(b"10000\n")


def test_cwd_and_paths_as_they_are(tmp_path: Path) -> None:
    sandbox, out, _ = _sandbox()
    assert sandbox.host_path("/tmp/x") == Path("/tmp/x")
    sandbox.run(["pwd"], {}, cwd=str(tmp_path))
    assert out.getvalue().decode().strip() == str(tmp_path)


def test_the_command_reads_an_empty_closed_stdin() -> None:
    """As Argo's emissary runs it (a Go exec.Cmd without Stdin reads the null device):
    `stdin: true` in a template never leaves a command waiting for input."""
    sandbox, _, _ = _sandbox()
    result = sandbox.run(["sh", "-c", "cat; echo read-eof"], {}, stdout_limit=1024)
    assert (result.exit_code, result.stdout) == (0, b"read-eof\n")
