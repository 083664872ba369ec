"""A command that does not exist makes the node Error with containerd's words, not
only `exit code 127`; a command that exists and exits 127 stays a plain failure.
Real: LocalSandbox (processes on this machine), the executor's work, MemoryStore."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from executor.command import start_failure
from executor.sandbox import LocalSandbox
from executor.work import execute
from tests.unit.executor.conftest import drivers_for, make_config
from workflow_engine.store import MemoryStore

SEARCH = "/usr/local/bin:/usr/bin:/bin"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nosuchcmd-wf"], 'exec: "nosuchcmd-wf": executable file not found in $PATH'),
        (["/no/such/tool"], 'exec: "/no/such/tool": stat /no/such/tool: no such file or directory'),
        (["sh", "-c", "exit 127"], None),
        (["sh", "-c", "nosuchcmd-wf"], None),  # the shell says so on stderr itself
    ],
    ids=["not-in-path", "absolute-path", "exits-127-itself", "missing-inside-a-shell"],
)
def test_missing_command_message(tmp_path: Path, argv: list[str], message: str | None) -> None:
    log = io.StringIO()
    sandbox = LocalSandbox({"PATH": os.defpath + ":" + SEARCH}, stdout=io.BytesIO(), log=log)
    store = MemoryStore()
    template = {"name": "t", "container": {"image": "alpine", "command": argv}}
    config = make_config(template, tmp_path / "repo")
    code = execute(config, argv, sandbox, store, drivers_for(config), SEARCH)
    assert code == 127
    result = store.get("WorkflowTaskResult", "wf-1234")
    if message is None:
        assert "phase" not in result  # a Failed node, as the command decided
        assert result["outputs"]["exitCode"] == "127"
    else:
        assert (result["phase"], result["message"]) == ("Error", message)
        assert f"wf-exec: {message}" in log.getvalue()


def test_found_in_the_containers_path_only(tmp_path: Path) -> None:
    tool = tmp_path / "bin" / "mytool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\nexit 127\n")
    tool.chmod(0o755)
    sandbox = LocalSandbox({}, stdout=io.BytesIO(), log=io.StringIO())
    assert start_failure(["mytool"], 127, sandbox, f"{tool.parent}:/bin") is None
    assert start_failure(["mytool"], 127, sandbox, "/bin") is not None
    assert start_failure(["mytool"], 1, sandbox, "/bin") is None  # only 127 is looked into
