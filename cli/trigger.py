"""`wf trigger create|list|get|delete|suspend|resume|lint`: WorkflowTriggers (a git
branch or an S3 prefix polled for new commits/objects). Thin: one function of
`workflow_engine.controller.triggerops` per command."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from rich.table import Table

from cli.app import app_of
from cli.cron import ago
from cli.output import show, show_data, show_object
from cli.workflows import read_source
from workflow_engine.controller import triggerops


@click.group()
def trigger() -> None:
    """Manage WorkflowTriggers (run a workflow per new git commit or S3 object)."""


@trigger.command()
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]))
@click.pass_context
def create(ctx: click.Context, files: tuple[str, ...], output: str | None) -> None:
    """Check then store the WorkflowTriggers of FILES (- for stdin)."""
    app = app_of(ctx)
    sources = [read_source(f, app.limits) for f in files]
    for text, source in sources:
        triggerops.lint_triggers(app.store, text, source)
    for text, source in sources:
        for obj in triggerops.create_triggers(app.store, text, source, app.namespace):
            if not show_object(obj, output):
                show(f"WorkflowTrigger {obj['metadata']['name']} created")
    app.ensure_controller()


@trigger.command("list")
@click.option("-A", "--all-namespaces", is_flag=True)
@click.option("-o", "--output", type=click.Choice(["json", "yaml", "name"]))
@click.pass_context
def list_(ctx: click.Context, all_namespaces: bool, output: str | None) -> None:
    """List WorkflowTriggers: source, state, last poll."""
    app = app_of(ctx)
    items = triggerops.list_triggers(app.store, None if all_namespaces else app.namespace)
    if not show_object(items, output):
        show(trigger_table(items, app.now()) if items else "No WorkflowTriggers found")


@trigger.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), default="yaml")
@click.pass_context
def get(ctx: click.Context, name: str, output: str) -> None:
    """Show a WorkflowTrigger and its status."""
    app = app_of(ctx)
    show_data(triggerops.get_trigger(app.store, name, app.namespace), output)


@trigger.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def delete(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Delete WorkflowTriggers and the workflows they started."""
    app = app_of(ctx)
    for name in triggerops.delete_triggers(app.store, list(names), app.namespace):
        show(f"WorkflowTrigger {name} deleted")


@trigger.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def suspend(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Stop polling (changes made meanwhile run on resume)."""
    app = app_of(ctx)
    for name in names:
        triggerops.set_suspend(app.store, name, app.namespace, True)
        show(f"WorkflowTrigger {name} suspended")


@trigger.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def resume(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Poll again."""
    app = app_of(ctx)
    for name in names:
        triggerops.set_suspend(app.store, name, app.namespace, False)
        show(f"WorkflowTrigger {name} resumed")
    app.ensure_controller()


@trigger.command()
@click.argument("files", nargs=-1, required=True)
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Check WorkflowTrigger files without storing them (exit 2 on any error)."""
    app = app_of(ctx)
    for text, source in (read_source(f, app.limits) for f in files):
        triggerops.lint_triggers(app.store, text, source)
    show(f"no errors found in {len(files)} file(s)")


def _source(obj: dict[str, Any]) -> str:
    spec = obj.get("spec") or {}
    if spec.get("git"):
        return f"git {spec['git'].get('repo')} {spec['git'].get('branch')}"
    s3 = spec.get("s3") or {}
    return f"s3://{s3.get('bucket')}/{s3.get('prefix') or ''}"


def trigger_table(items: list[dict[str, Any]], now: datetime) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("NAME", "SOURCE", "STATE", "LAST POLL", "LAST COMMIT"):
        table.add_column(column)
    for obj in items:
        status = obj.get("status") or {}
        state = "Suspended" if (obj.get("spec") or {}).get("suspend") else "Active"
        if status.get("conditions"):
            state = status["conditions"][0]["type"]
        table.add_row(
            obj["metadata"]["name"],
            _source(obj),
            state,
            ago(status.get("lastPollTime"), now),
            (status.get("lastCommit") or "-")[:12],
        )
    return table


__all__ = ["trigger", "trigger_table"]
