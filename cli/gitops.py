"""`wf gitops`: the GitOps command group. The cluster side (sync, diff, status, drift)
lives in cli.gitops_sync."""

from __future__ import annotations

import click

from cli.gitops_sync import COMMANDS as SYNC_COMMANDS


@click.group()
def gitops() -> None:
    """GitOps: environments described in git, synced to the cluster."""


for _command in SYNC_COMMANDS:
    gitops.add_command(_command)
