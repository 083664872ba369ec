"""`wf` commands that change workflows: delete, retry, resubmit, stop, terminate,
suspend, resume. Each parses its options, calls one library function of
`workflow_engine.controller.operations`, and prints what happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from cli.app import App, app_of
from cli.output import show, show_object
from cli.workflows import finish
from workflow_engine.controller import deletion_collector, parse_duration
from workflow_engine.controller import operations as ops


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="every workflow of the namespace")
@click.option("--completed", is_flag=True, help="every finished workflow")
@click.option("--older", help="finished (or created) more than this long ago, e.g. 7d")
@click.pass_context
def delete(
    ctx: click.Context, names: tuple[str, ...], everything: bool, completed: bool, older: str | None
) -> None:
    """Delete workflows with their pods and results."""
    app = app_of(ctx)
    if not names and not (everything or completed or older):
        raise click.UsageError("name a workflow, or use --all, --completed or --older")
    if names and (everything or completed or older):
        raise click.UsageError("give names or a filter, not both")
    deleted = ops.delete(
        app.store,
        list(names),
        app.namespace,
        everything=everything,
        completed=completed,
        older=parse_duration(older, "--older") if older else None,
        now=app.now(),
        before_delete=_collect_artifacts(app),
        events=app.events,
    )
    app.ensure_controller()
    for name in deleted:
        show(f"workflow {name} deleted")
    if not deleted:
        show("No workflows deleted")


def _collect_artifacts(app: App) -> Callable[[dict[str, Any]], None]:
    collect = deletion_collector(app.store, app.default_repository)

    def before_delete(obj: dict[str, Any]) -> None:
        for failure in collect(obj):
            click.echo(f"warning: {obj['metadata']['name']}: artifact GC: {failure}", err=True)

    return before_delete


@click.command()
@click.argument("name")
@click.option("--node-field-selector", help="e.g. displayName=build or id=wf-123")
@click.option("--restart-successful", is_flag=True, help="re-run selected succeeded nodes too")
@click.option("-w", "--wait", is_flag=True)
@click.pass_context
def retry(
    ctx: click.Context,
    name: str,
    node_field_selector: str | None,
    restart_successful: bool,
    wait: bool,
) -> None:
    """Re-run a failed workflow's failed nodes."""
    app = app_of(ctx)
    # On a cluster the status is a subresource: one write asks the controller instead.
    operation = ops.request_retry if app.kubernetes is not None else ops.retry
    obj = operation(
        app.store,
        name,
        app.namespace,
        now=app.now(),
        node_field_selector=node_field_selector,
        restart_successful=restart_successful,
    )
    app.ensure_controller()
    show(f"workflow {obj['metadata']['name']} retried")
    if wait:
        finish(app, obj, False, None)


@click.command()
@click.argument("name")
@click.option("-w", "--wait", is_flag=True)
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]))
@click.pass_context
def resubmit(ctx: click.Context, name: str, wait: bool, output: str | None) -> None:
    """Submit a new workflow with the spec of NAME."""
    app = app_of(ctx)
    obj = ops.resubmit(app.store, name, app.namespace, now=app.now())
    app.ensure_controller()
    if wait:
        finish(app, obj, False, output)
    elif not show_object(obj, output):
        show(f"workflow {obj['metadata']['name']} submitted")


def _simple(verb: str, action: Callable[[App, str], dict[str, Any]], doc: str) -> click.Command:
    @click.command(verb, help=doc)
    @click.argument("names", nargs=-1, required=True)
    @click.pass_context
    def command(ctx: click.Context, names: tuple[str, ...]) -> None:
        app = app_of(ctx)
        for name in names:
            obj = action(app, name)
            show(f"workflow {obj['metadata']['name']} {verb_past(verb)}")
        app.ensure_controller()

    return command


def verb_past(verb: str) -> str:
    return {
        "stop": "stopped",
        "terminate": "terminated",
        "suspend": "suspended",
        "resume": "resumed",
    }[verb]


stop = _simple(
    "stop",
    lambda app, n: ops.stop(app.store, n, app.namespace),
    "Stop workflows: no new steps; exit handlers still run.",
)
terminate = _simple(
    "terminate",
    lambda app, n: ops.terminate(app.store, n, app.namespace),
    "Terminate workflows at once; exit handlers do not run.",
)
suspend = _simple(
    "suspend",
    lambda app, n: ops.suspend(app.store, n, app.namespace),
    "Suspend workflows: no new steps until resumed.",
)


@click.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--node-field-selector", help="resume only suspend nodes named so (displayName=NAME)")
@click.pass_context
def resume(ctx: click.Context, names: tuple[str, ...], node_field_selector: str | None) -> None:
    """Resume suspended workflows (and their suspend steps)."""
    app = app_of(ctx)
    for name in names:
        obj = ops.resume(
            app.store, name, app.namespace, now=app.now(), node_name_selector=node_field_selector
        )
        show(f"workflow {obj['metadata']['name']} resumed")
    app.ensure_controller()


COMMANDS = [delete, retry, resubmit, stop, terminate, suspend, resume]
__all__ = ["COMMANDS"]
