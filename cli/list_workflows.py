"""`wf list`: the workflows of a namespace (or all), newest first, as a table.

Its own module, so listing imports neither rich (a long listing prints plain columns,
`cli.listing`; a short one loads rich's table on use) nor what get, watch and submit
need. Reads the store's summaries (no spec, no node map) unless asked for whole objects.
"""

from __future__ import annotations

import click

from cli.app import app_of
from cli.listing import plain_table, workflow_rows
from cli.output import show, show_object
from workflow_engine.controller import operations as ops
from workflow_engine.controller import parse_duration, parse_selector
from workflow_engine.cron import CRON_LABEL
from workflow_engine.vocabulary import COMPLETED_PHASES

# longer listings print as plain columns (rich lays a table out at about 1 ms per row)
PLAIN_ROWS = 500


@click.command("list")
@click.option("--running", is_flag=True, help="only unfinished (Pending or Running)")
@click.option("--completed", is_flag=True, help="only finished")
@click.option("--phase", "phases", multiple=True, help="only this phase (repeatable)")
@click.option("-l", "--selector", help="label selector, e.g. app=x,team")
@click.option("--cron", "cron_name", help="only the workflows this CronWorkflow started")
@click.option("--since", help="only created within this long, e.g. 1h")
@click.option("-A", "--all-namespaces", is_flag=True)
@click.option("-o", "--output", type=click.Choice(["wide", "json", "yaml", "name"]))
@click.pass_context
def list_(
    ctx: click.Context,
    running: bool,
    completed: bool,
    phases: tuple[str, ...],
    selector: str | None,
    cron_name: str | None,
    since: str | None,
    all_namespaces: bool,
    output: str | None,
) -> None:
    """List workflows, newest first."""
    app = app_of(ctx)
    wanted = {p: True for p in phases}
    if running:
        wanted.update(Pending=True, Running=True)
    if completed:
        wanted.update({p: True for p in sorted(COMPLETED_PHASES)})
    items = ops.list_workflows(
        app.store,
        None if all_namespaces else app.namespace,
        phases=wanted or None,
        selector=_selector(selector, cron_name),
        since=parse_duration(since, "--since") if since else None,
        now=app.now(),
        summaries=output not in ("json", "yaml"),
    )
    if show_object(items, output):
        return
    if not items:
        show("No workflows found")
    elif len(items) > PLAIN_ROWS:
        show(plain_table(*workflow_rows(items, app.now(), wide=output == "wide")))
    else:
        from cli.format import workflow_table  # rich: only for a short listing

        show(workflow_table(items, app.now(), wide=output == "wide"))


def _selector(text: str | None, cron_name: str | None) -> dict[str, str | None] | None:
    selector = parse_selector(text) if text else {}
    if cron_name:
        selector[CRON_LABEL] = cron_name
    return selector or None
