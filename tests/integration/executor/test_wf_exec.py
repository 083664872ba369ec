"""`wf-exec run -- ...` as a real program: real processes, a SqliteStore file and the
local artifact repository in tmp directories. Nothing is faked.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from workflow_engine.store import open_store

pytestmark = pytest.mark.integration

WF_EXEC = Path(sys.executable).with_name("wf-exec")


def _env(tmp_path: Path, template: dict[str, Any], node_id: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "WF_TEMPLATE": json.dumps(template),
        "WF_NODE_ID": node_id,
        "WF_NODE_NAME": f"wf.{node_id}",
        "WF_POD_NAME": f"wf-{node_id}",
        "WF_WORKFLOW_NAME": "wf",
        "WF_WORKFLOW_UID": "uid-1",
        "WF_NAMESPACE": "default",
        "WF_STORE": f"sqlite://{tmp_path / 'store.db'}",
        "WF_ARTIFACT_REPOSITORY": json.dumps({"local": {"path": str(tmp_path / "repo")}}),
    }


def _wf_exec(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WF_EXEC), "run", "--", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _task_result(tmp_path: Path, node_id: str) -> dict[str, Any]:
    store = open_store(f"sqlite://{tmp_path / 'store.db'}")
    try:
        return store.get("WorkflowTaskResult", node_id)
    finally:
        store.close()


def test_outputs_then_inputs_across_two_pods(tmp_path: Path) -> None:
    work = tmp_path / "pod1"
    work.mkdir()
    producer = {
        "name": "produce",
        "container": {"image": "alpine", "command": ["sh", "-c"]},
        "outputs": {
            "parameters": [{"name": "n", "valueFrom": {"path": f"{work}/x"}}],
            "artifacts": [{"name": "d", "path": f"{work}/d"}],
        },
    }
    script = f"echo hi; echo 7 > {work}/x; mkdir -p {work}/d; echo art > {work}/d/f"
    first = _wf_exec(_env(tmp_path, producer, "node-1"), "sh", "-c", script)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "hi\n"  # the user's stdout is the container's log
    result = _task_result(tmp_path, "node-1")
    assert result["metadata"]["labels"]["workflows.argoproj.io/workflow"] == "wf"
    outputs = result["outputs"]
    assert outputs["result"] == "hi" and outputs["exitCode"] == "0"
    assert outputs["parameters"] == [{"name": "n", "value": "7"}]
    (artifact,) = outputs["artifacts"]
    assert artifact["local"] == {"key": "wf/wf-node-1/d.tgz"}
    assert (tmp_path / "repo" / "wf" / "wf-node-1" / "d.tgz").is_file()

    into = tmp_path / "pod2" / "in"
    consumer = {
        "name": "consume",
        "inputs": {"artifacts": [{**artifact, "path": str(into)}]},
        "container": {"image": "alpine", "command": ["cat", f"{into}/f"]},
    }
    second = _wf_exec(_env(tmp_path, consumer, "node-2"), "cat", f"{into}/f")
    assert second.returncode == 0, second.stderr
    assert _task_result(tmp_path, "node-2")["outputs"]["result"] == "art"


def test_user_exit_code_is_the_program_exit_code(tmp_path: Path) -> None:
    template = {"name": "t", "container": {"image": "alpine", "command": ["sh"]}}
    done = _wf_exec(_env(tmp_path, template, "node-3"), "sh", "-c", "exit 5")
    assert done.returncode == 5
    assert _task_result(tmp_path, "node-3")["outputs"]["exitCode"] == "5"


def test_missing_program(tmp_path: Path) -> None:
    template = {"name": "t", "container": {"image": "alpine", "command": ["nope"]}}
    done = _wf_exec(_env(tmp_path, template, "node-4"), "no-such-program-here")
    assert done.returncode == 127
    assert "command not found" in done.stderr


@pytest.mark.parametrize(
    ("drop", "args", "message"),
    [
        ("WF_NODE_ID", None, "lacks WF_NODE_ID"),
        ("WF_STORE", None, "lacks WF_STORE"),
        (None, ["echo", "hi"], "usage: wf-exec run --"),
    ],
    ids=["no-node-id", "no-store", "bad-usage"],
)
def test_bad_invocation(
    tmp_path: Path, drop: str | None, args: list[str] | None, message: str
) -> None:
    template = {"name": "t", "container": {"image": "alpine", "command": ["true"]}}
    env = _env(tmp_path, template, "node-5")
    env.pop(drop or "", None)
    cmd = [str(WF_EXEC), *(args or ["run", "--", "true"])]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert message in done.stderr


def test_sigterm_is_forwarded_to_the_user_command(tmp_path: Path) -> None:
    template = {"name": "t", "container": {"image": "alpine", "command": ["sh"]}}
    script = 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.05; done'
    proc = subprocess.Popen(
        [str(WF_EXEC), "run", "--", "sh", "-c", script],
        env=_env(tmp_path, template, "node-6"),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"  # bounded by pytest-timeout
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 42
    assert _task_result(tmp_path, "node-6")["outputs"]["result"] == "ready\ngot-term"
