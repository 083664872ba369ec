"""`wf cron create|list|get|delete|suspend|resume|lint`: CronWorkflows. Each command
parses its options, calls one function of `workflow_engine.controller.crons`, and
formats the result; commands that leave a CronWorkflow firing make sure a controller
runs to keep its schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from rich.table import Table

from cli.app import app_of
from cli.listing import human_duration
from cli.output import show, show_object
from cli.workflows import echo_warnings, read_source
from workflow_engine.controller import crons
from workflow_engine.cron import parse_time


@click.group()
def cron() -> None:
    """Manage CronWorkflows (workflows on a schedule)."""


@cron.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--upsert", is_flag=True, help="replace CronWorkflows that already exist")
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]))
@click.pass_context
def create(ctx: click.Context, files: tuple[str, ...], upsert: bool, output: str | None) -> None:
    """Lint then store the CronWorkflows of FILES (- for stdin)."""
    app = app_of(ctx)
    sources = [read_source(f, app.limits) for f in files]
    for text, source in sources:
        crons.lint_crons(app.store, text, source)
    for text, source in sources:
        echo_warnings(text, source, app, err=True)
    for text, source in sources:
        for obj in crons.create_crons(app.store, text, source, app.namespace, upsert=upsert):
            if not show_object(obj, output):
                show(f"CronWorkflow {obj['metadata']['name']} created")
    app.ensure_controller()


@cron.command("list")
@click.option("-A", "--all-namespaces", is_flag=True)
@click.option("-o", "--output", type=click.Choice(["json", "yaml", "name"]))
@click.pass_context
def list_(ctx: click.Context, all_namespaces: bool, output: str | None) -> None:
    """List CronWorkflows: schedule, last and next run, running children."""
    app = app_of(ctx)
    items = crons.list_crons(app.store, None if all_namespaces else app.namespace)
    if show_object(items, output):
        return
    show(cron_table(items, app.now()) if items else "No CronWorkflows found")


@cron.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Choice(["json", "yaml", "name"]))
@click.pass_context
def get(ctx: click.Context, name: str, output: str | None) -> None:
    """Show a CronWorkflow and its status."""
    app = app_of(ctx)
    obj = crons.get_cron(app.store, name, app.namespace)
    if not show_object(obj, output):
        show(cron_details(obj, app.now()))


@cron.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def delete(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Delete CronWorkflows and the workflows they started."""
    app = app_of(ctx)
    for name in crons.delete_crons(app.store, list(names), app.namespace):
        show(f"CronWorkflow {name} deleted")


@cron.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def suspend(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Stop scheduling new runs (running ones go on)."""
    app = app_of(ctx)
    for name in names:
        crons.set_suspend(app.store, name, app.namespace, True)
        show(f"CronWorkflow {name} suspended")


@cron.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def resume(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Schedule again (also after a stopStrategy stopped it)."""
    app = app_of(ctx)
    for name in names:
        crons.set_suspend(app.store, name, app.namespace, False)
        show(f"CronWorkflow {name} resumed")
    app.ensure_controller()


@cron.command()
@click.argument("files", nargs=-1, required=True)
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Check CronWorkflow files without storing them (exit 2 on any error)."""
    app = app_of(ctx)
    warned = 0
    for text, source in (read_source(f, app.limits) for f in files):
        crons.lint_crons(app.store, text, source)
        warned += echo_warnings(text, source, app, err=False)
    counted = f", {warned} warning(s)" if warned else ""
    show(f"no errors found in {len(files)} file(s){counted}")


# -- formatting ------------------------------------------------------------------------


def _schedule(obj: dict[str, Any]) -> str:
    spec = obj.get("spec") or {}
    texts = ([spec["schedule"]] if spec.get("schedule") else []) + list(spec.get("schedules") or [])
    return ", ".join(texts) + (f" ({spec['timezone']})" if spec.get("timezone") else "")


def ago(text: str | None, now: datetime) -> str:
    moment = parse_time(text)
    return f"{human_duration((now - moment).total_seconds())} ago" if moment else "-"


def _next(obj: dict[str, Any], now: datetime) -> str:
    moment = crons.next_run(obj, now)
    return f"in {human_duration((moment - now).total_seconds())}" if moment else "-"


def _state(obj: dict[str, Any]) -> str:
    if (obj.get("spec") or {}).get("suspend"):
        return "Suspended"
    return (obj.get("status") or {}).get("phase") or "Active"


def cron_table(items: list[dict[str, Any]], now: datetime) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("NAME", "SCHEDULE", "STATE", "LAST RUN", "NEXT RUN", "ACTIVE", "AGE"):
        table.add_column(column)
    for obj in items:
        status = obj.get("status") or {}
        table.add_row(
            obj["metadata"]["name"],
            _schedule(obj),
            _state(obj),
            ago(status.get("lastScheduledTime"), now),
            _next(obj, now),
            str(len(status.get("active") or [])),
            ago(obj["metadata"].get("creationTimestamp"), now).removesuffix(" ago"),
        )
    return table


def cron_details(obj: dict[str, Any], now: datetime) -> Table:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("Name:", obj["metadata"]["name"]),
        ("Namespace:", obj["metadata"].get("namespace") or "default"),
        ("Schedule:", _schedule(obj)),
        ("State:", _state(obj)),
        ("Concurrency policy:", spec.get("concurrencyPolicy") or "Allow"),
        (
            "Starting deadline:",
            f"{spec['startingDeadlineSeconds']}s" if spec.get("startingDeadlineSeconds") else "-",
        ),
        ("Last scheduled:", ago(status.get("lastScheduledTime"), now)),
        ("Next run:", _next(obj, now)),
        ("Succeeded / failed:", f"{status.get('succeeded', 0)} / {status.get('failed', 0)}"),
        ("Active:", ", ".join(r["name"] for r in status.get("active") or []) or "-"),
    ]
    rows += [(f"{c['type']}:", c.get("message", "")) for c in status.get("conditions") or []]
    for row in rows:
        table.add_row(*row)
    return table


__all__ = ["ago", "cron", "cron_details", "cron_table"]
