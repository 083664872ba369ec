"""`wf cp` (download a workflow's output artifacts) and `wf secret` (the Secrets that
hold artifact credentials). Each command parses its options and calls one library
function of `workflow_engine.controller`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from cli.app import app_of
from cli.output import show
from workflow_engine.controller import copy_outputs, secrets, store_choice
from workflow_engine.controller import operations as ops
from workflow_engine.errors import NotFound, PermanentError, SpecError


@click.command()
@click.argument("name")
@click.argument("node_and_dest", nargs=-1, required=True, metavar="[NODE] DEST")
@click.option("--artifact-name", help="only the output artifact with this name")
@click.pass_context
def cp(
    ctx: click.Context, name: str, node_and_dest: tuple[str, ...], artifact_name: str | None
) -> None:
    """Download a workflow's output artifacts (all, or NODE's) under DEST, at
    DEST/<namespace>/<workflow>/<node id>/outputs/<artifact>."""
    if len(node_and_dest) > 2:
        raise click.UsageError("expected NAME [NODE] DEST")
    node, dest = (None, node_and_dest[0]) if len(node_and_dest) == 1 else node_and_dest
    app = app_of(ctx)
    obj = ops.get_workflow(app.store, name, app.namespace)
    default = app.default_repository
    chosen_none = False
    if app.kubernetes is not None and not (obj.get("status") or {}).get("artifactRepositoryRef"):
        # no built-in repository on a cluster: the one the controller would choose
        default = store_choice(app.store, obj)
        chosen_none = default is None
    try:
        done = copy_outputs(
            app.store, obj, default, Path(dest), node=node, artifact_name=artifact_name
        )
    except PermanentError as exc:
        if not chosen_none:
            raise
        # only artifacts with a complete location of their own could have been fetched
        raise NotFound(
            f"{exc}: workflow {name!r} recorded no artifact repository and namespace "
            f"{app.namespace!r} has no artifact-repositories default"
        ) from None
    for item in done:
        show(f"{item.node_id}/{item.artifact} -> {item.path}")


@click.group()
def secret() -> None:
    """Create, list and delete Secrets (artifact credentials)."""


@secret.command("create")
@click.argument("name")
@click.option("--from-literal", "literals", multiple=True, help="KEY=VALUE (repeatable)")
@click.option("--from-file", "files", multiple=True, help="KEY=PATH: the file's content")
@click.pass_context
def secret_create(
    ctx: click.Context, name: str, literals: tuple[str, ...], files: tuple[str, ...]
) -> None:
    """Store a Secret NAME from literal values and files."""
    app = app_of(ctx)
    values = dict(secrets.parse_literal(item) for item in literals)
    for item in files:
        key, path = secrets.parse_literal(item, "--from-file")
        try:
            values[key] = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(f"--from-file {key}", f"cannot read {path}: {exc.strerror}") from None
    secrets.create_secret(app.store, name, app.namespace, values)
    show(f"secret {name} created")


@secret.command("list")
@click.option("-A", "--all-namespaces", is_flag=True)
@click.pass_context
def secret_list(ctx: click.Context, all_namespaces: bool) -> None:
    """List Secrets: names and keys, never values."""
    app = app_of(ctx)
    items = secrets.list_secrets(app.store, None if all_namespaces else app.namespace)
    if not items:
        show("No secrets found")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("NAME", "NAMESPACE", "KEYS", "CREATED"):
        table.add_column(column, no_wrap=True)
    for item in items:
        table.add_row(item.name, item.namespace, ",".join(item.keys), item.created)
    show(table)


@secret.command("delete")
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def secret_delete(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Delete Secrets."""
    app = app_of(ctx)
    for name in names:
        secrets.delete_secret(app.store, name, app.namespace)
        show(f"secret {name} deleted")
