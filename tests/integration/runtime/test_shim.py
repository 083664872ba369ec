"""wf-sandbox --shim on its own (plain sandbox: no namespace), started as the runtime
starts it (workflow_engine.runtime.process.shim.start_shim).

Real here: the C program scripts/setup.sh builds (skipped when it is absent) and real
processes. Checks the log format against logs.LogWriter's, the raw stdout and capture
files, the recorded exit codes, and that the shim outlives what would kill a child of
the runtime (SIGHUP, SIGTERM, a closed reader).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.contract.runtime_contract import poll
from workflow_engine.runtime.process.claims import claimed
from workflow_engine.runtime.process.logs import STAMP_LEN, read_log
from workflow_engine.runtime.process.sandbox import LaunchError, Layout, find_helper
from workflow_engine.runtime.process.shim import (
    run_files,
    shim_supported,
    start_shim,
    start_time,
)

Start = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def start(tmp_path: Path) -> Start:
    helper = find_helper()
    if helper is None or not shim_supported(helper):
        pytest.skip("the shim is wf-sandbox, built by scripts/setup.sh")
    layout = Layout("plain", tmp_path, "main", tmp_path / "root")

    def run(script: str) -> subprocess.Popen[bytes]:
        env = {"PATH": "/usr/bin:/bin"}
        files = run_files("main", 0, capture=True, key_prefix="ns/pod/1/")
        fd = os.open(tmp_path / "journal", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            return start_shim(layout, helper, files, fd, ["sh", "-c", script], env, None)
        finally:
            os.close(fd)

    return run


def exit_code(tmp_path: Path, key: str) -> int | None:
    """The code the shim appended to the journal for ns/pod/1/<key>."""
    try:
        lines = (tmp_path / "journal").read_text().splitlines()
    except FileNotFoundError:
        return None
    entries = [json.loads(line) for line in lines]
    codes = [e["code"] for e in entries if e.get("exit") == f"ns/pod/1/{key}"]
    return codes[-1] if codes else None


def journal_lines(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "journal").read_text().splitlines()]


def _text(tmp_path: Path, name: str) -> str:
    return (tmp_path / name).read_text() if (tmp_path / name).exists() else ""


def test_log_lines_are_stamped_as_the_runtime_stamps_them(start: Start, tmp_path: Path) -> None:
    before = datetime.now(UTC)
    start("echo out; echo err >&2; printf 'no newline'").wait()
    log = tmp_path / "logs" / "main.log"
    lines = log.read_text().splitlines()
    assert sorted(line[STAMP_LEN + 1 :] for line in lines) == ["err", "no newline", "out"]
    for line in lines:  # "<RFC 3339 time, microseconds, Z> <text>", as logs.stamp writes
        assert line[STAMP_LEN] == " "
        seen = datetime.strptime(line[:STAMP_LEN], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert seen >= before.replace(microsecond=0)
    read = read_log(
        log, timestamps=False, since=before, follow=False, finished=lambda: True, wait=print
    )
    assert sorted(b"".join(read).decode().splitlines()) == ["err", "no newline", "out"]


@pytest.mark.parametrize(
    ("script", "code"),
    [("exit 0", 0), ("exit 7", 7), ("kill -TERM $$", 143), ("kill -KILL $$", 137)],
    ids=["zero", "seven", "sigterm", "sigkill"],
)
def test_the_exit_code_is_appended_to_the_record(
    start: Start, tmp_path: Path, script: str, code: int
) -> None:
    start(script).wait()
    assert exit_code(tmp_path, "main.run0") == code


def test_a_start_line_comes_before_the_program_runs_and_the_claim_lasts_the_shim(
    start: Start, tmp_path: Path
) -> None:
    """What re-adoption relies on (claims.py): while the shim lives its claim is held;
    once it has spawned the program a start line is in the journal; when it is gone
    the claim is free and the exit line follows the start line."""
    key = "ns/pod/1/main.run0"
    (tmp_path / "go").unlink(missing_ok=True)
    shim = start(f"while [ ! -e {tmp_path}/go ]; do sleep 0.02; done")
    assert claimed(tmp_path, key)
    assert not claimed(tmp_path, "ns/pod/1/other")
    poll(lambda: journal_lines(tmp_path), what="the start line")
    assert journal_lines(tmp_path) == [{"start": key}]
    (tmp_path / "go").touch()
    shim.wait()
    assert journal_lines(tmp_path) == [{"start": key}, {"exit": key, "code": 0}]
    assert not claimed(tmp_path, key)


def test_stdout_and_capture_files_hold_the_raw_output(start: Start, tmp_path: Path) -> None:
    start("echo one; echo two >&2; echo three").wait()
    assert _text(tmp_path, "main.run0.out") == "one\nthree\n"
    assert sorted(_text(tmp_path, "main.run0.capture").split()) == ["one", "three", "two"]


def test_a_long_line_is_split_and_a_chatty_process_loses_nothing(
    start: Start, tmp_path: Path
) -> None:
    start("head -c 200000 /dev/zero | tr '\\0' x; echo; seq 1 20000").wait()
    texts = [line[STAMP_LEN + 1 :] for line in _text(tmp_path, "logs/main.log").splitlines()]
    assert "".join(texts[:-20000]) == "x" * 200000
    assert all(len(t) <= 64 * 1024 + 64 * 1024 for t in texts[:-20000])
    assert texts[-20000:] == [str(i) for i in range(1, 20001)]


def test_a_missing_program_fails_the_start_and_records_127(tmp_path: Path, start: Start) -> None:
    helper = find_helper()
    assert helper is not None
    layout = Layout("plain", tmp_path, "main", tmp_path / "root")
    files = run_files("main", 0, False, "ns/pod/1/")
    fd = os.open(tmp_path / "journal", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    with pytest.raises(LaunchError) as raised:
        start_shim(layout, helper, files, fd, ["no-such-program"], {}, None)
    os.close(fd)
    assert raised.value.exit_code == 127
    assert exit_code(tmp_path, "main.run0") == 127


def test_the_shim_ignores_hup_and_term_while_its_program_runs(start: Start, tmp_path: Path) -> None:
    """A SIGTERM to the group ends the program (which then reports 143); a SIGHUP or
    SIGTERM to the shim alone changes nothing."""
    go = tmp_path / "go"
    proc = start(f"trap 'exit 5' HUP; while [ ! -e {go} ]; do sleep 0.02; done; echo done")
    poll(lambda: start_time(proc.pid) is not None, what="the shim")
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGPIPE):
        os.kill(proc.pid, sig)
    go.touch()
    proc.wait(10)
    assert exit_code(tmp_path, "main.run0") == 0
    assert _text(tmp_path, "main.run0.out") == "done\n"


def test_a_group_sigterm_reaches_the_program(start: Start, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    proc = start(f"touch {ready}; while :; do sleep 0.02; done")
    poll(ready.exists, what="the program")
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)
    assert exit_code(tmp_path, "main.run0") == 143
