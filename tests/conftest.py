"""Session fixtures of the servers several test directories use, defined here once so
that one instance serves the whole session: SeaweedFS (`seaweedfs`), the bare git
repository served by `git daemon` (`git_repo`) and the config-repository server of
the GitOps tests (`git_server`).

A session fixture imported into several modules or conftests is a separate fixture
in each of them, and each one starts its own server; use these by name instead of
importing them.
"""

from tests.fixtures.gitrepo import git_repo
from tests.fixtures.gitserver import git_server
from tests.fixtures.seaweedfs import seaweedfs

__all__ = ["git_repo", "git_server", "seaweedfs"]
