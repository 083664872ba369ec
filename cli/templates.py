"""`wf template create|list|get|delete|lint`: WorkflowTemplates and
ClusterWorkflowTemplates (name them `clusterworkflowtemplate/NAME`)."""

from __future__ import annotations

import click

from cli.app import app_of
from cli.format import template_table
from cli.output import show, show_data, show_object
from cli.workflows import echo_warnings, read_source
from workflow_engine.controller import templates as tpl


@click.group()
def template() -> None:
    """Manage WorkflowTemplates and ClusterWorkflowTemplates."""


@template.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--upsert", is_flag=True, help="replace templates that already exist")
@click.option("-o", "--output", type=click.Choice(["name", "json", "yaml"]))
@click.pass_context
def create(ctx: click.Context, files: tuple[str, ...], upsert: bool, output: str | None) -> None:
    """Lint then store the templates of FILES (- for stdin)."""
    app = app_of(ctx)
    sources = [read_source(f, app.limits) for f in files]
    for text, source in sources:
        tpl.lint_templates(app.store, text, source, limits=app.limits)
    for text, source in sources:
        echo_warnings(text, source, app, err=True)
    for text, source in sources:
        for obj in tpl.create_templates(
            app.store, text, source, app.namespace, upsert=upsert, limits=app.limits
        ):
            if not show_object(obj, output):
                show(f"{obj['kind']} {obj['metadata']['name']} created")


@template.command("list")
@click.option("--cluster", is_flag=True, help="only ClusterWorkflowTemplates")
@click.option("-o", "--output", type=click.Choice(["wide", "json", "yaml", "name"]))
@click.pass_context
def list_(ctx: click.Context, cluster: bool, output: str | None) -> None:
    """List templates."""
    app = app_of(ctx)
    items = tpl.list_templates(app.store, app.namespace, cluster=cluster)
    if show_object(items, output):
        return
    if not items:
        show("No templates found")
    else:
        show(template_table(items, app.now(), wide=output == "wide"))


@template.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), default="yaml")
@click.pass_context
def get(ctx: click.Context, name: str, output: str) -> None:
    """Show a template (NAME or clusterworkflowtemplate/NAME)."""
    app = app_of(ctx)
    show_data(tpl.get_template(app.store, name, app.namespace), output)


@template.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def delete(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Delete templates."""
    app = app_of(ctx)
    for name in tpl.delete_templates(app.store, list(names), app.namespace):
        show(f"template {name} deleted")


@template.command()
@click.argument("files", nargs=-1, required=True)
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Check template files without storing them (exit 2 on any error)."""
    app = app_of(ctx)
    warned = 0
    for text, source in (read_source(f, app.limits) for f in files):
        tpl.lint_templates(app.store, text, source, limits=app.limits)
        warned += echo_warnings(text, source, app, err=False)
    counted = f", {warned} warning(s)" if warned else ""
    show(f"no errors found in {len(files)} file(s){counted}")
