"""Fixtures of the executor's unit tests.

Real: the executor's code, the local artifact driver on a tmp directory, MemoryStore,
and the user's commands (run with subprocess). Fake: `FakeSandbox`, a container whose
filesystem root is a tmp directory (container path /x is ROOT/x; commands get $ROOT).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from executor.config import ExecutorConfig
from workflow_engine.artifacts import default_drivers, parse_repository
from workflow_engine.runtime.base import RunResult
from workflow_engine.spec.models import Template
from workflow_engine.store import MemoryStore


class FakeSandbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: list[str] = []
        self.runs: list[list[str]] = []
        self.container_env: dict[str, str] = {}  # what the runtime gives every process

    def host_path(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def host_root(self, path: str) -> tuple[Path, str] | None:
        return self.root, path.lstrip("/")

    def log(self, line: str) -> None:
        self.lines.append(line)

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: str | None = None,
        stdout_limit: int = 0,
    ) -> RunResult:
        self.runs.append(list(argv))
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ROOT": str(self.root),
            **self.container_env,
        }
        # The script path is a container path: give the command its host location.
        argv = [str(self.host_path(a)) if a.startswith("/wf/") else a for a in argv]
        proc = subprocess.run(list(argv), env={**base, **env}, capture_output=True, check=False)
        out = proc.stdout
        truncated = stdout_limit > 0 and len(out) > stdout_limit
        return RunResult(
            exit_code=proc.returncode,
            stdout=out[-stdout_limit:] if truncated else out,
            stdout_truncated=truncated,
        )


@pytest.fixture
def sandbox(tmp_path: Path) -> FakeSandbox:
    root = tmp_path / "root"
    (root / "tmp").mkdir(parents=True)
    return FakeSandbox(root)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    return tmp_path / "repo"


def make_config(template: dict[str, Any], repo_dir: Path, **extra: Any) -> ExecutorConfig:
    repo_json = f'{{"local": {{"path": "{repo_dir}"}}}}'
    fields: dict[str, Any] = {
        "template": Template.model_validate(template),
        "node_id": "wf-1234",
        "node_name": "wf.step",
        "pod_name": "wf-step-1234",
        "workflow_name": "wf",
        "workflow_uid": "uid-1",
        "namespace": "default",
        "repository": parse_repository(repo_json),
        "repository_json": repo_json,
    }
    return ExecutorConfig(**{**fields, **extra})


def drivers_for(config: ExecutorConfig) -> Any:
    return default_drivers(config.repository)
