"""The `git` artifact driver: an input artifact that is a checkout of a git repository.

Runs the `git` program (no library): clone (`depth`, `singleBranch`, `branch`), fetch
the extra `fetch` refspecs, check out `revision` (a branch, a tag or a commit; fetched
by name when the clone does not have it), then submodules unless `disableSubmodules`.

Credentials never reach a command line or a URL: a username/password is handed to git
through GIT_ASKPASS (a tiny script reading two environment variables of the git
process), an SSH key through GIT_SSH_COMMAND pointing at a 0600 file in a temporary
directory that is removed afterwards. Messages show the repository URL without its
user-info and with secret values redacted. Git artifacts are inputs only.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from workflow_engine.artifacts.base import public_url
from workflow_engine.artifacts.secrets import SecretResolver, redact, resolve
from workflow_engine.errors import NotFound, PermanentError, TransientError
from workflow_engine.spec.artifacts import Artifact, GitArtifact

DEFAULT_TIMEOUT = 600.0
SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
_ASKPASS = """#!/bin/sh
case "$1" in
  [Uu]sername*) printf '%s\\n' "$WF_GIT_USERNAME" ;;
  *) printf '%s\\n' "$WF_GIT_PASSWORD" ;;
esac
"""
_TRANSIENT_HINTS = (
    "could not resolve host",
    "connection refused",
    "connection reset",
    "connection timed out",
    "operation timed out",
    "unable to connect",
    "failed to connect",
    "couldn't connect to server",
    "the remote end hung up unexpectedly",
    "early eof",
    "temporary failure",
    "503",
    "502",
)
_MISSING_HINTS = (
    "not found",
    "couldn't find remote ref",
    "does not appear to be a git repository",
    "did not match any",
)
_REFUSED_HINTS = ("authentication failed", "permission denied", "could not read username", "403")


class GitDriver:
    def __init__(
        self, secrets: SecretResolver, *, git: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._secrets = secrets
        self._git = git or shutil.which("git") or "git"
        self._timeout = timeout

    def load(self, artifact: Artifact, dest: Path) -> None:
        loc = artifact.git
        if loc is None:
            raise PermanentError(f"artifact {artifact.name!r} has no git location")
        with tempfile.TemporaryDirectory(prefix="wf-git-") as tmp:
            session = _Session(self, artifact.name, loc, Path(tmp))
            try:
                session.checkout(dest)
            except BaseException:
                shutil.rmtree(dest, ignore_errors=True)
                raise

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        raise PermanentError(f"artifact {artifact.name!r}: git locations are inputs only")

    def delete(self, artifact: Artifact) -> None:
        return None


class _Session:
    """One checkout: the environment that carries credentials, and the git calls."""

    def __init__(self, driver: GitDriver, name: str, loc: GitArtifact, tmp: Path) -> None:
        self.driver = driver
        self.loc = loc
        self.what = f"artifact {name!r} (git {public_url(loc.repo)})"
        secrets = driver._secrets
        self.username = resolve(secrets, loc.username_secret, f"{self.what}: usernameSecret")
        self.password = resolve(secrets, loc.password_secret, f"{self.what}: passwordSecret")
        self.ssh_key = resolve(secrets, loc.ssh_private_key_secret, f"{self.what}: sshPrivateKey")
        self.env = self._environment(tmp)

    def _environment(self, tmp: Path) -> dict[str, str]:
        # git's helpers (ssh, the askpass script's sh) come from the system directories.
        git_dir = os.path.dirname(self.driver._git)
        env = {
            "PATH": os.pathsep.join(d for d in (git_dir, *SYSTEM_PATH) if d),
            "HOME": str(tmp),
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "LC_ALL": "C",
        }
        if self.loc.insecure_skip_tls:
            env["GIT_SSL_NO_VERIFY"] = "true"
        if self.username is not None or self.password is not None:
            askpass = tmp / "askpass"
            askpass.write_text(_ASKPASS)
            askpass.chmod(0o700)
            env["GIT_ASKPASS"] = str(askpass)
            env["WF_GIT_USERNAME"] = self.username or ""
            env["WF_GIT_PASSWORD"] = self.password or ""
        ssh = ["ssh", "-o", "BatchMode=yes"]
        if self.ssh_key is not None:
            key = tmp / "id"
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(self.ssh_key if self.ssh_key.endswith("\n") else self.ssh_key + "\n")
            ssh += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
        if self.loc.insecure_ignore_host_key:
            ssh += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        env["GIT_SSH_COMMAND"] = shlex.join(ssh)
        return env

    def checkout(self, dest: Path) -> None:
        loc = self.loc
        depth = [f"--depth={loc.depth}"] if loc.depth and loc.depth > 0 else []
        clone = ["clone", "--quiet", *depth]
        if loc.single_branch:
            clone.append("--single-branch")
        if loc.branch:
            clone += ["--branch", loc.branch]
        if loc.revision:
            clone.append("--no-checkout")
        self.git([*clone, "--", loc.repo, str(dest)])
        for refspec in loc.fetch or ():
            self.git(["fetch", "--quiet", *depth, "origin", refspec], cwd=dest)
        if loc.revision:
            self.git(
                ["checkout", "--quiet", "--detach", self._resolve(loc.revision, depth, dest)],
                cwd=dest,
            )
        if not loc.disable_submodules and (dest / ".gitmodules").exists():
            self.git(["submodule", "update", "--init", "--recursive", "--quiet", *depth], cwd=dest)

    def _resolve(self, revision: str, depth: Sequence[str], dest: Path) -> str:
        """The commit for `revision`: local refs first, then a remote branch of that
        name, then a fetch of it by name (a commit outside the clone's history)."""
        for candidate in (revision, f"origin/{revision}", f"refs/tags/{revision}"):
            found = self.git(
                ["rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"],
                cwd=dest,
                check=False,
            )
            if found:
                return found
        self.git(["fetch", "--quiet", *depth, "origin", revision], cwd=dest)
        found = self.git(["rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}"], cwd=dest)
        if not found:
            raise NotFound(f"{self.what}: revision {revision!r} not found")
        return found

    def git(self, args: Sequence[str], cwd: Path | None = None, check: bool = True) -> str:
        argv = [self.driver._git, "-c", "protocol.file.allow=always", *args]
        try:
            proc = subprocess.run(
                argv,
                cwd=cwd,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.driver._timeout,
                check=False,
            )
        except FileNotFoundError:
            raise PermanentError(f"{self.what}: the git program is not installed") from None
        except subprocess.TimeoutExpired:
            raise TransientError(
                f"{self.what}: git {args[0]} timed out after {self.driver._timeout:g}s"
            ) from None
        if proc.returncode == 0:
            return proc.stdout.strip()
        if not check:
            return ""
        raise self._failure(args[0], proc.stderr)

    def _failure(self, op: str, stderr: str) -> Exception:
        text = redact(
            _last_lines(stderr),
            (self.password, self.username, self.ssh_key, _userinfo(self.loc.repo)),
        )
        lower = text.lower()
        message = f"{self.what}: git {op} failed: {text or 'no message'}"
        if any(h in lower for h in _REFUSED_HINTS):
            return PermanentError(message)
        if any(h in lower for h in _TRANSIENT_HINTS):
            return TransientError(message)
        if any(h in lower for h in _MISSING_HINTS):
            return NotFound(message)
        return PermanentError(message)


def _userinfo(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme and "@" in parts.netloc:
        info = parts.netloc.rsplit("@", 1)[0]
        return info.split(":", 1)[1] if ":" in info else None
    return None


def _last_lines(text: str, count: int = 3) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-count:])
