"""GitOps tests against real git: config repositories served by `git daemon` on
127.0.0.1 with pushes enabled (tests/fixtures/gitserver.py), the real `git` program and
`wf gitops` through click's CliRunner. Nothing is faked; each test has its own repository.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from cli.main import app_from_env, cli
from tests.fixtures.gitrepo import git
from tests.fixtures.gitserver import GitServer, clone

pytestmark = pytest.mark.integration

Wf = Callable[..., Result]


@pytest.fixture
def wf(tmp_path: Path) -> Wf:
    env = {"WF_HOME": str(tmp_path / "state"), "WF_NO_CONTROLLER": "1"}

    return lambda *args: _run(env, *args)


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["gitops", *args], obj=app_from_env(env))


@pytest.fixture(scope="session")
def seed_repo(git_server: GitServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Made once by `wf gitops init` + `wf gitops app create web --app image:nginx:1.25`."""
    env = {"WF_HOME": str(tmp_path_factory.mktemp("seed")), "WF_NO_CONTROLLER": "1"}
    url = git_server.new_repo()
    assert _run(env, "init", url).exit_code == 0
    made = _run(env, "app", "create", "web", "--app", "image:nginx:1.25", "--repo", url)
    assert made.exit_code == 0, made.output
    return url


@pytest.fixture
def repo(git_server: GitServer, seed_repo: str) -> str:
    """This test's own copy of the seed repository."""
    return git_server.copy_repo(seed_repo)


class Witness:
    """A fresh clone of the remote after the fact: what was really pushed."""

    def __init__(self, url: str, tmp: Path, branch: str = "main") -> None:
        self.root = clone(url, tmp / f"witness-{len(list(tmp.glob('witness-*')))}", branch)

    def yaml(self, rel: str) -> Any:
        return yaml.safe_load((self.root / rel).read_text())

    def log(self, *args: str) -> list[str]:
        return git("log", "--format=%s", *args, cwd=self.root).splitlines()

    def message(self, rev: str = "HEAD") -> str:
        return git("log", "-1", "--format=%B", rev, cwd=self.root)


def witness(url: str, tmp: Path, branch: str = "main") -> Witness:
    return Witness(url, tmp, branch)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)
