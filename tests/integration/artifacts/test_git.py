"""Git input artifacts against a real bare repository, over `git daemon` (git://) and
file://: branches, tags, a specific commit, depth, refspecs; credentials stay out of
argv, URLs and messages."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.gitrepo import GitRepo, git
from tests.integration.artifacts.conftest import PodRunner, sh
from workflow_engine.artifacts import GitDriver, MappingSecrets, NoSecrets
from workflow_engine.errors import NotFound, PermanentError, TransientError
from workflow_engine.spec.models import Artifact
from workflow_engine.store import MemoryStore

pytestmark = pytest.mark.integration


def _art(repo: str, **fields: Any) -> Artifact:
    return Artifact.model_validate({"name": "src", "git": {"repo": repo, **fields}})


def _head(path: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _count(path: Path) -> int:
    out = subprocess.run(
        ["git", "-C", str(path), "rev-list", "--count", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)


CHECKOUTS = [
    pytest.param({}, "c3", "three", id="default-branch"),
    pytest.param({"revision": "feature"}, "f1", "two", id="branch-as-revision"),
    pytest.param({"branch": "feature", "singleBranch": True}, "f1", "two", id="single-branch"),
    pytest.param({"revision": "v1"}, "c1", "one", id="tag"),
    pytest.param({"revision": "v2"}, "f1", "two", id="annotated-tag"),
    pytest.param({"revision": "@c2"}, "c2", "two", id="commit"),
    pytest.param({"depth": 1}, "c3", "three", id="depth-1"),
    pytest.param({"revision": "v1", "depth": 1}, "c1", "one", id="tag-depth-1"),
]


@pytest.mark.parametrize("transport", ["daemon", "file"])
@pytest.mark.parametrize(("fields", "commit", "version"), CHECKOUTS)
def test_checkout(
    git_repo: GitRepo,
    tmp_path: Path,
    transport: str,
    fields: dict[str, Any],
    commit: str,
    version: str,
) -> None:
    fields = dict(fields)
    if str(fields.get("revision", "")).startswith("@"):
        fields["revision"] = git_repo.commits[fields["revision"][1:]]
    url = git_repo.daemon_url if transport == "daemon" else git_repo.file_url
    dest = tmp_path / "checkout"
    GitDriver(NoSecrets()).load(_art(url, **fields), dest)
    assert _head(dest) == git_repo.commits[commit]
    assert (dest / "version.txt").read_text() == version + "\n"
    if fields.get("depth") == 1:
        assert _count(dest) == 1


def test_fetch_refspec_brings_another_ref(git_repo: GitRepo, tmp_path: Path) -> None:
    dest = tmp_path / "c"
    art = _art(
        git_repo.daemon_url,
        branch="main",
        singleBranch=True,
        fetch=["+refs/heads/feature:refs/remotes/origin/feature"],
        revision="origin/feature",
    )
    GitDriver(NoSecrets()).load(art, dest)
    assert _head(dest) == git_repo.commits["f1"]


@pytest.mark.parametrize(
    ("url", "fields", "error", "text"),
    [
        ("@daemon", {"revision": "no-such-ref"}, NotFound, "no-such-ref"),
        ("git://127.0.0.1:1/repo.git", {}, TransientError, "unable to connect"),
        ("@file-missing", {}, PermanentError, "Could not read from remote repository"),
    ],
    ids=["unknown-revision", "refused-connection", "not-a-repository"],
)
def test_failures_are_classified(
    git_repo: GitRepo,
    tmp_path: Path,
    url: str,
    fields: dict[str, Any],
    error: type[Exception],
    text: str,
) -> None:
    url = {"@daemon": git_repo.daemon_url, "@file-missing": f"file://{tmp_path}/none.git"}.get(
        url, url
    )
    dest = tmp_path / "c"
    with pytest.raises(error, match=text):
        GitDriver(NoSecrets()).load(_art(url, **fields), dest)
    assert not dest.exists()


FAKE_GIT = """#!/bin/sh
# Records what a real git would be given, and asks GIT_ASKPASS like git does.
{
  echo "argv: $*"
  echo "ssh: $GIT_SSH_COMMAND"
  if [ -n "$GIT_ASKPASS" ]; then
    echo "user: $("$GIT_ASKPASS" 'Username for https://example.invalid: ')"
    echo "pass: $("$GIT_ASKPASS" 'Password for https://example.invalid: ')"
  fi
  for f in $(echo "$GIT_SSH_COMMAND" | tr ' ' '\\n' | grep '/id$'); do
    echo "key: $(cat "$f") mode: $(stat -c %a "$f")"
  done
} >> "@RECORD@"
echo "fatal: Authentication failed for 'https://example.invalid/r.git/'" >&2
exit 128
"""


def test_credentials_go_through_askpass_and_ssh_command_never_argv(tmp_path: Path) -> None:
    record = tmp_path / "record"
    fake = tmp_path / "git"
    fake.write_text(FAKE_GIT.replace("@RECORD@", str(record)))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    secrets = MappingSecrets({"git": {"user": "alice", "pass": "pw-s3cr3t", "key": "KEYDATA"}})
    art = _art(
        "https://example.invalid/r.git",
        usernameSecret={"name": "git", "key": "user"},
        passwordSecret={"name": "git", "key": "pass"},
        sshPrivateKeySecret={"name": "git", "key": "key"},
        insecureIgnoreHostKey=True,
    )
    with pytest.raises(PermanentError) as caught:
        GitDriver(secrets, git=str(fake)).load(art, tmp_path / "c")
    seen = record.read_text()
    argv_line = next(line for line in seen.splitlines() if line.startswith("argv:"))
    assert "pw-s3cr3t" not in argv_line and "alice" not in argv_line
    assert "user: alice" in seen and "pass: pw-s3cr3t" in seen
    assert "StrictHostKeyChecking=no" in seen and "key: KEYDATA mode: 600" in seen
    assert "Authentication failed" in str(caught.value)
    assert "pw-s3cr3t" not in str(caught.value)


def test_password_in_url_is_hidden_in_messages(tmp_path: Path) -> None:
    url = "http://user:hunter2-pw@127.0.0.1:1/repo.git"
    with pytest.raises(TransientError) as caught:
        GitDriver(NoSecrets()).load(_art(url), tmp_path / "c")
    assert "hunter2-pw" not in str(caught.value)
    assert "(git http://127.0.0.1:1/repo.git)" in str(caught.value)


def test_git_input_through_the_executor(git_repo: GitRepo, tmp_path: Path) -> None:
    runner = PodRunner(tmp_path, MemoryStore(), {"local": {"path": str(tmp_path / "repo")}})
    dest = tmp_path / "src"
    art = {"name": "src", "path": str(dest), "git": {"repo": git_repo.daemon_url, "revision": "v1"}}
    pod = runner.run(sh("build", f"cat {dest}/version.txt", inputs={"artifacts": [art]}))
    assert pod.code == 0, pod.log
    assert pod.result["outputs"]["result"] == "one"
    assert json.dumps(pod.result).count("git") == 0  # inputs are not reported as outputs


@pytest.mark.parametrize("disable", [False, True], ids=["submodules", "disableSubmodules"])
def test_submodules(git_repo: GitRepo, tmp_path: Path, disable: bool) -> None:
    outer = tmp_path / "outer"
    outer.mkdir()
    git("init", "-q", "-b", "main", cwd=outer)
    git(
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        git_repo.file_url,
        "lib",
        cwd=outer,
    )
    git("commit", "-q", "-m", "with a submodule", cwd=outer)
    dest = tmp_path / "checkout"
    GitDriver(NoSecrets()).load(_art(f"file://{outer}", disableSubmodules=disable), dest)
    assert (dest / ".gitmodules").exists()
    assert (dest / "lib" / "version.txt").exists() is not disable
