"""The config repository through the `git` program: a fresh clone in a temporary
directory, one commit, one push. Nothing is pushed unless the whole change is made.

`change(remote, mutate)` clones, lets `mutate` edit the files and name the commit,
commits, and pushes. When the remote branch moved meanwhile it fetches and rebases
the commit onto it; a rebase conflict aborts and refuses (exit 2) with the files
named. An unreachable repository refuses too. The clone is removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from workflow_engine.errors import WorkflowEngineError
from workflow_engine.gitops.errors import Refused

PUSH_ATTEMPTS = 3
# Variables that would point git at another repository than the clone: dropped. The
# rest of the environment (GIT_SSH_COMMAND, GIT_ASKPASS, proxies) passes through.
_LOCATING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "[remote rejected]")


@dataclass(frozen=True)
class Identity:
    """Who commits (git's author and committer)."""

    name: str = "wf gitops"
    email: str = "wf-gitops@localhost"


@dataclass(frozen=True)
class Remote:
    """A config repository: its URL, the branch that holds the desired state, who commits."""

    url: str
    branch: str = "main"
    identity: Identity = Identity()
    timeout: float = 120.0


@dataclass(frozen=True)
class Pushed:
    commit: str
    branch: str
    message: str
    rebased: bool


def public_url(url: str) -> str:
    """`https://user:token@host/r.git` -> `https://host/r.git`: messages never carry secrets."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    if not parts.scheme or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class GitFailed(WorkflowEngineError):
    """A git command failed where no refusal names the cause better (CLI exit 1)."""

    def __init__(self, args: Sequence[str], stderr: str, url: str) -> None:
        self.stderr = stderr
        lines = [ln.strip() for ln in stderr.replace(url, public_url(url)).splitlines()]
        text = " | ".join([ln for ln in lines if ln][-3:])
        super().__init__(f"git {args[0]}: {text or 'failed'}")


class Git:
    """`git` in one working directory, with a fixed identity and no prompts."""

    def __init__(self, cwd: Path, remote: Remote) -> None:
        self.cwd = cwd
        self.remote = remote
        ident = remote.identity
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in _LOCATING},
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": ident.name,
            "GIT_AUTHOR_EMAIL": ident.email,
            "GIT_COMMITTER_NAME": ident.name,
            "GIT_COMMITTER_EMAIL": ident.email,
            "LC_ALL": "C",
        }

    def __call__(self, *args: str, check: bool = True) -> str:
        try:
            proc = subprocess.run(
                ["git", "-c", "protocol.file.allow=always", *args],
                cwd=self.cwd,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.remote.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise Refused("git", "the git program is not installed") from None
        except subprocess.TimeoutExpired:
            raise Refused(
                "repo", f"git {args[0]} timed out after {self.remote.timeout:g}s"
            ) from None
        if proc.returncode and check:
            raise GitFailed(args, proc.stderr, self.remote.url)
        return proc.stdout.strip() if not proc.returncode else ""


@dataclass
class Checkout:
    """A clone of `remote.branch` (empty when the repository has no such branch yet)."""

    root: Path
    git: Git
    remote: Remote
    base: str | None  # the remote branch's commit when cloned

    def commit(self, message: str) -> bool:
        """Commit every change; False (and no commit) when nothing changed."""
        self.git("add", "-A")
        if not self.git("status", "--porcelain"):
            return False
        self.git("commit", "-q", "-m", message)
        return True

    def push(self, target: str | None = None) -> Pushed:
        branch = target or self.remote.branch
        rebased = False
        for _ in range(PUSH_ATTEMPTS):
            try:
                self.git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
                return Pushed(self.git("rev-parse", "HEAD"), branch, self._subject(), rebased)
            except GitFailed as exc:
                if not any(hint in exc.stderr for hint in _REJECTED):
                    raise Refused(
                        "repo", f"push to {public_url(self.remote.url)} failed: {exc}"
                    ) from None
            self._rebase_onto(branch)
            rebased = True
        raise Refused("repo", f"{branch} kept moving: gave up after {PUSH_ATTEMPTS} pushes")

    def _subject(self) -> str:
        return self.git("log", "-1", "--format=%s")

    def _rebase_onto(self, branch: str) -> None:
        try:
            self.git("fetch", "--quiet", "origin", f"refs/heads/{branch}")
        except GitFailed as exc:
            raise Refused(
                "repo", f"fetch from {public_url(self.remote.url)} failed: {exc}"
            ) from None
        try:
            self.git("rebase", "--quiet", "FETCH_HEAD")
        except GitFailed:
            files = self.git("diff", "--name-only", "--diff-filter=U", check=False)
            self.git("rebase", "--abort", check=False)
            where = ", ".join(files.split()) or "the same files"
            raise Refused(
                "repo",
                f"the remote branch {branch} moved and the change conflicts with it "
                f"({where}); nothing was pushed, run the command again",
            ) from None


@contextmanager
def clone(remote: Remote) -> Iterator[Checkout]:
    """A fresh clone in a temporary directory, removed on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="wf-gitops-"))
    try:
        root = tmp / "repo"
        root.mkdir()
        git = Git(root, remote)
        git("init", "-q", "-b", remote.branch)
        git("remote", "add", "origin", remote.url)
        try:
            heads = git("ls-remote", "--heads", "origin", remote.branch)
        except GitFailed as exc:
            raise Refused("repo", f"cannot reach {public_url(remote.url)}: {exc}") from None
        base = None
        # ls-remote matches the pattern's tail too (refs/heads/x/main): look for the exact ref
        if any(line.endswith(f"\trefs/heads/{remote.branch}") for line in heads.splitlines()):
            git("fetch", "--quiet", "origin", f"refs/heads/{remote.branch}")
            base = git("rev-parse", "FETCH_HEAD")
            git("checkout", "-q", "-B", remote.branch, base)
        yield Checkout(root, git, remote, base)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class Changed:
    """What `change` did: the pushed commit, or None when the files were already so."""

    pushed: Pushed | None
    summary: str


Mutation = Callable[[Checkout], str]


def change(remote: Remote, mutate: Mutation, target_branch: str | None = None) -> Changed:
    """Clone, let `mutate` edit the files and return the commit message, commit, push."""
    with clone(remote) as checkout:
        message = mutate(checkout)
        if not checkout.commit(message):
            return Changed(None, message.splitlines()[0])
        return Changed(checkout.push(target_branch), message.splitlines()[0])
