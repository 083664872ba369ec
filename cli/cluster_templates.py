"""`wf cluster-template create|list|get|delete|lint`: ClusterWorkflowTemplates under the
name Argo's CLI gives them (`argo cluster-template ...`); `wf template` with
`clusterworkflowtemplate/NAME` does the same. Thin: the work is in
`workflow_engine.controller.templates`."""

from __future__ import annotations

import click

from cli.app import app_of
from cli.format import template_table
from cli.output import show, show_data, show_object
from cli.workflows import echo_warnings, read_source
from workflow_engine.controller import templates as tpl
from workflow_engine.vocabulary import CLUSTER_WORKFLOW_TEMPLATE_KIND

_KINDS = (CLUSTER_WORKFLOW_TEMPLATE_KIND,)


def _ref(name: str) -> str:
    return f"clusterworkflowtemplate/{name}"


@click.group("cluster-template")
def cluster_template() -> None:
    """Manage ClusterWorkflowTemplates (as `argo cluster-template`)."""


@cluster_template.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--upsert", is_flag=True, help="replace templates that already exist")
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]))
@click.pass_context
def create(ctx: click.Context, files: tuple[str, ...], upsert: bool, output: str | None) -> None:
    """Lint then store the ClusterWorkflowTemplates of FILES (- for stdin)."""
    app = app_of(ctx)
    sources = [read_source(f, app.limits) for f in files]
    for text, source in sources:
        tpl.lint_templates(app.store, text, source, _KINDS, app.limits)
    for text, source in sources:
        echo_warnings(text, source, app, err=True)
    for text, source in sources:
        for obj in tpl.create_templates(
            app.store, text, source, app.namespace, upsert=upsert, limits=app.limits
        ):
            if not show_object(obj, output):
                show(f"{obj['kind']} {obj['metadata']['name']} created")


@cluster_template.command("list")
@click.option("-o", "--output", type=click.Choice(["wide", "json", "yaml", "name"]))
@click.pass_context
def list_(ctx: click.Context, output: str | None) -> None:
    """List ClusterWorkflowTemplates."""
    app = app_of(ctx)
    items = tpl.list_templates(app.store, app.namespace, cluster=True)
    if show_object(items, output):
        return
    if not items:
        show("No cluster workflow templates found")
    else:
        show(template_table(items, app.now(), wide=output == "wide"))


@cluster_template.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), default="yaml")
@click.pass_context
def get(ctx: click.Context, name: str, output: str) -> None:
    """Show a ClusterWorkflowTemplate."""
    app = app_of(ctx)
    show_data(tpl.get_template(app.store, _ref(name), app.namespace), output)


@cluster_template.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def delete(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Delete ClusterWorkflowTemplates."""
    app = app_of(ctx)
    refs = [_ref(n) for n in names]
    for name in tpl.delete_templates(app.store, refs, app.namespace):
        show(f"cluster template {name} deleted")


@cluster_template.command()
@click.argument("files", nargs=-1, required=True)
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Check ClusterWorkflowTemplate files without storing them (exit 2 on any error)."""
    app = app_of(ctx)
    warned = 0
    for text, source in (read_source(f, app.limits) for f in files):
        tpl.lint_templates(app.store, text, source, _KINDS, app.limits)
        warned += echo_warnings(text, source, app, err=False)
    counted = f", {warned} warning(s)" if warned else ""
    show(f"no errors found in {len(files)} file(s){counted}")
