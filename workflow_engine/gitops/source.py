"""Where `wf gitops sync|diff|status|drift` read the config repository from: a local
directory as it is, or a clone of a repository URL (or of a directory, when a revision
is asked for) checked out at that revision in a temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workflow_engine.errors import SpecError
from workflow_engine.gitops.render import git_revision


@contextmanager
def checkout(
    repo: str | None, directory: Path | None, revision: str | None
) -> Iterator[tuple[Path, str]]:
    """(the work tree, the commit it holds); a clone is removed on exit."""
    if (repo is None) == (directory is None):
        raise SpecError("--repo/--dir", "exactly one of them is required")
    if directory is not None and revision is None:
        if not directory.is_dir():
            raise SpecError("--dir", f"{directory}: no such directory")
        yield directory, git_revision(directory)
        return
    origin = repo if repo is not None else str(directory)
    work = Path(tempfile.mkdtemp(prefix="wf-gitops-"))
    try:
        _git("--repo", "clone", "--quiet", "--no-checkout", origin, str(work))
        _git("--revision", "-C", str(work), "checkout", "--quiet", revision or "HEAD")
        yield work, git_revision(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _git(field: str, *args: str) -> None:
    git = shutil.which("git")
    if git is None:
        raise SpecError(field, "git is not installed")
    result = subprocess.run([git, *args], capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise SpecError(field, result.stderr.strip() or f"git {args[0]} failed")
