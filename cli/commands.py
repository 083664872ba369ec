"""Which module defines each `wf` command: the root group loads a command's module only
when that command runs, so `wf --help` and `wf version` import none of the heavy rooms
(engine, controller, artifact drivers, server, Kubernetes client).

Each entry also keeps the command's one-line summary for `wf --help`, which therefore
needs no command loaded; `tests/unit/cli/test_lazy_commands.py` checks every summary
against the loaded command's help.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from cli.errors import WfGroup


@dataclass(frozen=True)
class LazyCommand:
    module: str
    attr: str
    summary: str  # the first sentence of the command's help

    def load(self) -> click.Command:
        command = getattr(importlib.import_module(self.module), self.attr)
        assert isinstance(command, click.Command), (self.module, self.attr)
        return command


def _c(module: str, attr: str, summary: str) -> LazyCommand:
    return LazyCommand(f"cli.{module}", attr, summary)


COMMANDS: Mapping[str, LazyCommand] = {
    "cluster-template": _c(
        "cluster_templates",
        "cluster_template",
        "Manage ClusterWorkflowTemplates (as `argo cluster-template`).",
    ),
    "completion": _c(
        "system", "completion", 'Print the shell completion script: `eval "$(wf completion bash)"`.'
    ),
    "configmap": _c("configmaps", "configmap", "Create, list, show and delete ConfigMaps."),
    "controller": _c(
        "system",
        "controller",
        (
            "Run the controller in the foreground (Ctrl-C stops it): over the state"
            " directory, or with the Kubernetes backend (`wf --kubeconfig ..."
        ),
    ),
    "convert": _c(
        "install",
        "convert",
        (
            "Print FILES (or - for stdin) with our kinds moved to another API "
            "group: `wf convert workflow.yaml | kubectl apply -f -` on a side-by-"
            "side install."
        ),
    ),
    "cp": _c(
        "artifacts",
        "cp",
        (
            "Download a workflow's output artifacts (all, or NODE's) under DEST, at"
            " DEST/<namespace>/<workflow>/<node id>/outputs/<artifact>."
        ),
    ),
    "cron": _c("cron", "cron", "Manage CronWorkflows (workflows on a schedule)."),
    "delete": _c("lifecycle", "delete", "Delete workflows with their pods and results."),
    "get": _c(
        "workflows",
        "get",
        (
            "Show a workflow (NAME or @latest): its status and node tree (-o junit:"
            " a JUnit XML report, one test case per leaf node)."
        ),
    ),
    "gitops": _c(
        "gitops",
        "gitops",
        (
            "GitOps: environments described in git (layout, promotion, release gates,"
            " rollback), synced to the cluster (sync, diff, status, drift, canary)."
        ),
    ),
    "install": _c(
        "install",
        "install",
        "Install the CRDs, RBAC and the controller (what `kubectl apply -k crds/` does).",
    ),
    "lint": _c(
        "workflows",
        "lint",
        (
            "Check workflow and template files; list every error (exit 2 when any) and"
            " every warning (a field accepted but not honoured: exit 0 when there are only"
            " warnings)."
        ),
    ),
    "list": _c("list_workflows", "list_", "List workflows, newest first."),
    "logs": _c(
        "workflows", "logs", "Print the logs of a workflow's pods (NODE: a node or pod name)."
    ),
    # cli.nodes adds `wf node set` to the group cli.system defines
    "node": _c(
        "nodes",
        "node",
        (
            "Run a Kubernetes node whose pods run as local processes (Ctrl-C stops "
            "it); `wf node set` changes a workflow's suspend node instead."
        ),
    ),
    "resubmit": _c("lifecycle", "resubmit", "Submit a new workflow with the spec of NAME."),
    "resume": _c("lifecycle", "resume", "Resume suspended workflows (and their suspend steps)."),
    "retry": _c("lifecycle", "retry", "Re-run a failed workflow's failed nodes."),
    "secret": _c("artifacts", "secret", "Create, list and delete Secrets (artifact credentials)."),
    "server": _c(
        "server", "server", "Serve the Argo Server REST API (Hera works against it) and the web UI."
    ),
    "stop": _c("lifecycle", "stop", "Stop workflows: no new steps; exit handlers still run."),
    "submit": _c(
        "workflows",
        "submit",
        (
            "Submit a workflow from FILE (or - for stdin), or --from a stored"
            " template or CronWorkflow."
        ),
    ),
    "suspend": _c("lifecycle", "suspend", "Suspend workflows: no new steps until resumed."),
    "template": _c(
        "templates", "template", "Manage WorkflowTemplates and ClusterWorkflowTemplates."
    ),
    "terminate": _c(
        "lifecycle", "terminate", "Terminate workflows at once; exit handlers do not run."
    ),
    "trigger": _c(
        "trigger",
        "trigger",
        "Manage WorkflowTriggers (run a workflow per new git commit or S3 object).",
    ),
    "version": _c("system", "version", "Versions, the runtime's sandbox and the state directory."),
    "wait": _c("workflows", "wait_", "Wait for workflows to finish; exit 1 unless all succeeded."),
    "watch": _c(
        "workflows",
        "watch",
        "Show a workflow's live tree until it finishes (exit 1 unless it succeeded).",
    ),
}


class LazyGroup(WfGroup):
    """A `WfGroup` whose commands are the `COMMANDS` table, each loaded on first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: Mapping[str, LazyCommand] = COMMANDS

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self.lazy[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, from the summaries: no command module is imported."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name].summary)
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])
