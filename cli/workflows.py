"""`wf` commands that submit and read workflows: submit, get, watch, wait, logs, lint
(`list`: `cli.list_workflows`; changing them: `cli.lifecycle`). Each parses its
options, calls one library function of `workflow_engine.controller`, and formats the
result. The tree's formatting (rich, msgspec) and the CI helpers load in the commands
that draw or stream, so `wf submit` and `wf wait` import neither
(`tests/unit/cli/test_lazy_commands.py`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cli.app import App, app_of
from cli.errors import EXIT_FAILED
from cli.output import show, show_object
from workflow_engine.controller import operations as ops
from workflow_engine.controller import parse_duration, parse_labels
from workflow_engine.errors import SpecError, SpecErrors, SpecWarning
from workflow_engine.spec.limits import DEFAULT_LIMITS, DocumentLimits, decode


def read_source(path: str, limits: DocumentLimits = DEFAULT_LIMITS) -> tuple[str, str]:
    """A document's text and its name for messages: a file, or `-` for stdin; within
    the size bound and UTF-8, else a SpecError (exit 2)."""
    if path == "-":
        data = sys.stdin.buffer.read(limits.max_document_bytes + 1)
        return decode(data, "<stdin>", limits), "<stdin>"
    from workflow_engine.lint import read_document  # lint (and the models): on use

    return read_document(Path(path), limits), path


def finish(
    app: App,
    obj: dict[str, Any],
    watch: bool,
    output: str | None,
    timeout: float | None = None,
    log: bool = False,
) -> None:
    """--wait / --watch: follow to the end; exit 1 unless it Succeeded (4 when
    `timeout` seconds pass first). `log`: stream pod logs meanwhile."""
    name, ns = obj["metadata"]["name"], obj["metadata"].get("namespace") or app.namespace
    logs = None
    if log:
        from cli.ci import stream_logs

        logs = stream_logs(app, name, ns)
    obj = _live(app, name, ns, timeout) if watch else ops.wait(app.store, name, ns, timeout)
    if logs is not None:
        from cli.ci import LOG_DRAIN_SECONDS

        logs.join(LOG_DRAIN_SECONDS)
    phase = obj["status"]["phase"]
    if not show_object(obj, output) and not watch:
        message = obj["status"].get("message")
        show(f"{name} {phase}" + (f": {message}" if message and phase != "Succeeded" else ""))
    if phase != "Succeeded":
        sys.exit(EXIT_FAILED)


def _live(app: App, name: str, namespace: str, timeout: float | None = None) -> dict[str, Any]:
    from cli.format import workflow_details

    last: dict[str, Any] = {}
    if sys.stdout.isatty():
        from rich.live import Live

        with Live(auto_refresh=False) as live:
            # each redraw decodes a compressed node map only as far as it shows it
            for last in ops.follow(app.store, name, namespace, expand=False, timeout=timeout):
                live.update(workflow_details(last, app.now()), refresh=True)
        last = ops.expand_nodes(last)
    else:
        # Not a terminal (CI logs, pipes): plain lines as nodes change, then the tree.
        from cli.ci import follow_plainly

        last = ops.expand_nodes(follow_plainly(app, name, namespace, timeout))
        show(workflow_details(last, app.now(), app.events.list(namespace, name)))
    return last


@click.command()
@click.argument("file", required=False)
@click.option(
    "--from",
    "from_ref",
    help="workflowtemplate/NAME, clusterworkflowtemplate/NAME or cronwf/NAME",
)
@click.option("-p", "--parameter", "parameters", multiple=True, help="NAME=VALUE (repeatable)")
@click.option("-f", "--parameter-file", type=click.Path(dir_okay=False), help="YAML/JSON file")
@click.option("-e", "--entrypoint")
@click.option("--name", help="the workflow's name")
@click.option("--generate-name", help="a name prefix; a random suffix is added")
@click.option("-l", "--labels", help="k=v,... added to the workflow's labels")
@click.option(
    "-w", "--wait", is_flag=True, help="wait until it finishes; exit 1 unless it succeeded"
)
@click.option("--watch", is_flag=True, help="show the live tree until it finishes")
@click.option("--log", is_flag=True, help="with --wait/--watch: stream pod logs as they come")
@click.option("--timeout", help="with --wait/--watch: give up after this long (exit 4), e.g. 10m")
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]))
@click.pass_context
def submit(
    ctx: click.Context,
    file: str | None,
    from_ref: str | None,
    parameters: tuple[str, ...],
    parameter_file: str | None,
    entrypoint: str | None,
    name: str | None,
    generate_name: str | None,
    labels: str | None,
    wait: bool,
    watch: bool,
    log: bool,
    timeout: str | None,
    output: str | None,
) -> None:
    """Submit a workflow from FILE (or - for stdin), or --from a stored template or
    CronWorkflow."""
    app = app_of(ctx)
    if bool(file) == bool(from_ref):
        raise click.UsageError("give either FILE or --from workflowtemplate/NAME (or cronwf/NAME)")
    if name and generate_name:
        raise click.UsageError("--name and --generate-name exclude each other")
    if (log or timeout) and not (wait or watch):
        raise click.UsageError("--log and --timeout go with --wait or --watch")
    from workflow_engine.controller import (
        SubmitOptions,
        parameter_file_values,
        parse_parameter,
        submit_from,
        submit_text_warned,
    )

    seconds = parse_duration(timeout, "--timeout").total_seconds() if timeout else None
    if wait or watch:
        # started now, the controller's imports overlap lint's: it is ready sooner for
        # the workflow this command waits for (if lint refuses it, it idles out)
        app.ensure_controller()
    options = SubmitOptions(
        parameters=[parse_parameter(p) for p in parameters],
        parameter_file=parameter_file_values(*read_source(parameter_file, app.limits), app.limits)
        if parameter_file
        else {},
        entrypoint=entrypoint,
        name=name,
        generate_name=generate_name,
        labels=parse_labels(labels) if labels else {},
        namespace=app.namespace,
    )
    if from_ref:
        created = [submit_from(app.store, from_ref, options, app.now())]
        echo_stored_warnings(created[0], from_ref, app)  # of what it runs, where it runs
    else:
        text, source = read_source(file or "-", app.limits)
        created, warnings = submit_text_warned(
            app.store, text, source, options, app.now(), app.limits
        )
        echo_where_they_hold(warnings, source, app)
    app.ensure_controller()
    if wait or watch:
        for obj in created:
            finish(app, obj, watch, output, seconds, log)
        return
    for obj in created:
        if not show_object(obj, output):
            show(f"workflow {obj['metadata']['name']} submitted")


@click.command()
@click.argument("name")
@click.option(
    "-o", "--output", type=click.Choice(["json", "yaml", "tree", "wide", "name", "junit"])
)
@click.option("--all", "unfold_all", is_flag=True, help="list every node: fold no big group")
@click.option("--node", "node_name", help="start the tree at this node, its children in full")
@click.pass_context
def get(
    ctx: click.Context, name: str, output: str | None, unfold_all: bool, node_name: str | None
) -> None:
    """Show a workflow (NAME or @latest): its status and node tree (-o junit: a JUnit
    XML report, one test case per leaf node). Under a node with many children only
    the running, pending and failed ones are listed, the rest counted by phase."""
    app = app_of(ctx)
    # the tree decodes a compressed node map only as far as it shows it (cli.node_map)
    tree = output in (None, "tree", "wide")
    obj = ops.get_workflow(app.store, name, app.namespace, expand=not tree)
    if output == "junit":
        from cli.ci import junit_report

        click.echo(junit_report(app, obj), nl=False)
    elif not show_object(obj, output):
        from cli.format import workflow_details
        from cli.node_map import node_map_of
        from cli.tree_fold import Fold, find_node

        fold = Fold(unfold_all=unfold_all)
        if node_name is not None:
            found = find_node(node_map_of(obj.get("status") or {}), node_name)
            if found is None:
                raise click.BadParameter(f"no node named {node_name!r}", param_hint="--node")
            fold = Fold(unfold_all=unfold_all, unfolded=found)
        events = [] if output == "tree" else app.events.list(app.namespace, obj["metadata"]["name"])
        show(workflow_details(obj, app.now(), events, wide=output == "wide", fold=fold))


@click.command()
@click.argument("name")
@click.pass_context
def watch(ctx: click.Context, name: str) -> None:
    """Show a workflow's live tree until it finishes (exit 1 unless it succeeded)."""
    app = app_of(ctx)
    app.ensure_controller()
    obj = ops.get_workflow(app.store, name, app.namespace)
    finish(app, obj, True, None)


@click.command("wait")
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def wait_(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Wait for workflows to finish; exit 1 unless all succeeded."""
    app = app_of(ctx)
    app.ensure_controller()
    failed = False
    for name in names:
        obj = ops.wait(app.store, name, app.namespace)
        phase = obj["status"]["phase"]
        show(f"{obj['metadata']['name']} {phase}")
        failed = failed or phase != "Succeeded"
    if failed:
        sys.exit(EXIT_FAILED)


@click.command()
@click.argument("name")
@click.argument("node", required=False)
@click.option("-f", "--follow", is_flag=True)
@click.option("-c", "--container", default="main", show_default=True)
@click.option("--since", help="only lines newer than this, e.g. 10m")
@click.option("--grep", help="only lines matching this regular expression")
@click.option("--timestamps", is_flag=True)
@click.option("--no-prefix", is_flag=True, help="do not prefix lines with the node name")
@click.pass_context
def logs(
    ctx: click.Context,
    name: str,
    node: str | None,
    follow: bool,
    container: str,
    since: str | None,
    grep: str | None,
    timestamps: bool,
    no_prefix: bool,
) -> None:
    """Print the logs of a workflow's pods (NODE: a node or pod name)."""
    app = app_of(ctx)
    if app.log_source is None:
        raise click.UsageError("logs are not available here")
    obj = ops.get_workflow(app.store, name, app.namespace)
    real = obj["metadata"]["name"]
    if follow:
        app.ensure_controller()  # following a workflow nobody runs would never end
    source = app.log_source(app.store, real, app.namespace)
    floor = app.now() - parse_duration(since, "--since") if since else None
    from workflow_engine.controller import workflow_logs

    for line in workflow_logs(
        app.store,
        source,
        real,
        app.namespace,
        selector=node,
        container=container,
        follow=follow,
        since=floor,
        grep=grep,
        timestamps=timestamps,
        notices=True,
    ):
        text = line.text if no_prefix else f"{line.prefix}: {line.text}"
        click.echo(text, err=line.notice)  # a notice is not the pod's output


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Check workflow and template files; list every error (exit 2 when any) and every
    warning (a field accepted but not honoured: exit 0 when there are only warnings)."""
    app = app_of(ctx)
    from workflow_engine.controller import StoreResolver
    from workflow_engine.lint import lint_files_warned

    paths = [Path(f) for f in files]
    results, warned = lint_files_warned(paths, StoreResolver(app.store), app.limits)
    errors = [
        e if e.path.startswith(str(path)) else SpecError(f"{path}: {e.path}", e.reason)
        for path, errs in results.items()
        for e in errs
    ]
    warnings = [warning_line(w, name) for name in files for w in warned[Path(name)]]
    for line in warnings:
        show(line)
    if errors:
        raise SpecErrors(errors)
    counted = f", {len(warnings)} warning(s)" if warnings else ""
    show(f"no errors found in {len(files)} file(s){counted}")


def echo_warnings(text: str, source: str, app: App, err: bool) -> int:
    """Print the warnings of a document text (on stderr when `err`); how many."""
    from workflow_engine.lint import lint_warnings

    warnings = lint_warnings(text, source, app.limits)
    lines = [warning_line(w, source) for w in warnings]
    for line in lines:
        click.echo(line, err=err)
    return len(lines)


def echo_stored_warnings(obj: dict[str, Any], source: str, app: App) -> None:
    """Print, on stderr, the warnings of a stored object (and of the template it runs)."""
    from workflow_engine.controller import stored_warnings

    echo_where_they_hold(stored_warnings(app.store, obj), source, app)


def echo_where_they_hold(warnings: list[SpecWarning], source: str, app: App) -> None:
    """Print, on stderr, the warnings that hold where the workflow runs (on a
    Kubernetes cluster, not those about what only embedded mode lacks)."""
    if app.kubernetes is not None:
        from workflow_engine.controller import kubernetes_warnings

        warnings = kubernetes_warnings(warnings)
    for warning in warnings:
        click.echo(warning_line(warning, source), err=True)


def warning_line(warning: SpecWarning, source: str) -> str:
    """`warning: FILE: PATH: REASON`, as lint prints errors with the file first."""
    return f"warning: {source}: {warning}"


COMMANDS = [submit, get, watch, wait_, logs, lint]
__all__ = ["COMMANDS"]
