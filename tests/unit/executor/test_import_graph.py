"""`wf-exec` imports what its pod's path needs, nothing more. Real: a fresh interpreter
running the executor's entry point (`executor.__main__.main`, what the `wf-exec` script
calls) over a SqliteStore file and a local artifact repository in tmp directories, and
the user's command as a real process. What is asserted is the set of modules imported
(and that the pod did its work), never a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from workflow_engine.store import open_store

ROOT = Path(__file__).parents[3]

# what no pod without artifacts of those kinds needs (a cluster starts hundreds of pods)
NEVER_FOR_A_PLAIN_POD = (
    "cli",
    "click",
    "executor.handler",  # the in-process (embedded runtime) handler
    "fastapi",
    "kubernetes",
    "lark",
    "minio",
    "networkx",
    "rich",
    "urllib3",
    "urllib.request",
    "workflow_engine.artifacts.git",
    "workflow_engine.artifacts.http",
    "workflow_engine.artifacts.s3",
    "workflow_engine.controller",
    "workflow_engine.engine",
    "workflow_engine.expr",
    "workflow_engine.lint",
    "workflow_engine.podbuilder",
    "workflow_engine.runtime",
    "workflow_engine.server",
    "workflow_engine.spec.loader",
    "workflow_engine.spec.models",
    "workflow_engine.spec.objects",
    "workflow_engine.spec.status",
    "yaml",
)

_PROBE = """
import json, sys
from executor.__main__ import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _pod(tmp_path: Path, template: dict[str, Any], *command: str) -> set[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "WF_TEMPLATE": json.dumps(template),
        "WF_NODE_ID": "node-1",
        "WF_POD_NAME": "wf-node-1",
        "WF_WORKFLOW_NAME": "wf",
        "WF_STORE": f"sqlite://{tmp_path / 'store.db'}",
        "WF_ARTIFACT_REPOSITORY": json.dumps({"local": {"path": str(tmp_path / "repo")}}),
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "run", "--", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return set(report["modules"])


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def _outputs(tmp_path: Path) -> dict[str, Any]:
    store = open_store(f"sqlite://{tmp_path / 'store.db'}")
    try:
        outputs: dict[str, Any] = store.get("WorkflowTaskResult", "node-1")["outputs"]
        return outputs
    finally:
        store.close()


def test_a_plain_pod_imports_no_driver_library_nor_the_api_objects(tmp_path: Path) -> None:
    template = {"name": "t", "container": {"image": "alpine", "command": ["echo"]}}
    modules = _pod(tmp_path, template, "echo", "hi")
    assert _loaded(modules, NEVER_FOR_A_PLAIN_POD) == []
    assert "executor.work" in modules  # the probe ran the executor's path
    assert _outputs(tmp_path)["result"] == "hi"


def test_a_local_output_artifact_builds_only_the_local_driver(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    template = {
        "name": "t",
        "container": {"image": "alpine", "command": ["sh", "-c"]},
        "outputs": {"artifacts": [{"name": "d", "path": f"{work}/d"}]},
    }
    modules = _pod(tmp_path, template, "sh", "-c", f"mkdir {work}/d && echo x > {work}/d/f")
    assert _loaded(modules, NEVER_FOR_A_PLAIN_POD) == []
    assert "workflow_engine.artifacts.archive" in modules
    (artifact,) = _outputs(tmp_path)["artifacts"]
    assert artifact["local"] == {"key": "wf/wf-node-1/d.tgz"}
    assert (tmp_path / "repo" / "wf" / "wf-node-1" / "d.tgz").is_file()


def test_an_s3_input_artifact_loads_the_s3_driver(tmp_path: Path) -> None:
    # a key-only s3 input, resolved against the local repository: the s3 kind's driver is
    # built on its lookup (minio imported), and reads the local repository's object
    (tmp_path / "repo" / "in").mkdir(parents=True)
    (tmp_path / "repo" / "in" / "f.txt").write_text("from the repo\n")
    target = tmp_path / "work" / "f.txt"
    template = {
        "name": "t",
        "container": {"image": "alpine", "command": ["cat"]},
        "inputs": {"artifacts": [{"name": "f", "path": str(target), "s3": {"key": "in/f.txt"}}]},
    }
    modules = _pod(tmp_path, template, "cat", str(target))
    assert "minio" in modules and "workflow_engine.artifacts.s3" in modules
    assert _outputs(tmp_path)["result"] == "from the repo"
