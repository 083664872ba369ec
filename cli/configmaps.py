"""`wf configmap create|list|get|delete`: the ConfigMaps pods read through
`configMapKeyRef`, `envFrom.configMapRef` and `configMap` volumes. Each command parses
its options and calls one library function of `workflow_engine.controller`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from cli.app import app_of
from cli.output import show, show_data
from workflow_engine.controller import configmaps, secrets
from workflow_engine.errors import SpecError


@click.group()
def configmap() -> None:
    """Create, list, show and delete ConfigMaps."""


@configmap.command("create")
@click.argument("name")
@click.option("--from-literal", "literals", multiple=True, help="KEY=VALUE (repeatable)")
@click.option(
    "--from-file",
    "files",
    multiple=True,
    help="[KEY=]PATH: the file's content (KEY: the file's name unless given)",
)
@click.pass_context
def configmap_create(
    ctx: click.Context, name: str, literals: tuple[str, ...], files: tuple[str, ...]
) -> None:
    """Store a ConfigMap NAME from literal values and files."""
    app = app_of(ctx)
    values = dict(secrets.parse_literal(item) for item in literals)
    for item in files:
        key, path = (
            secrets.parse_literal(item, "--from-file") if "=" in item else (Path(item).name, item)
        )
        try:
            values[key] = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(f"--from-file {key}", f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise SpecError(f"--from-file {key}", f"{path} is not UTF-8 text") from None
    configmaps.create_config_map(app.store, name, app.namespace, values)
    show(f"configmap {name} created")


@configmap.command("list")
@click.option("-A", "--all-namespaces", is_flag=True)
@click.pass_context
def configmap_list(ctx: click.Context, all_namespaces: bool) -> None:
    """List ConfigMaps: names and keys."""
    app = app_of(ctx)
    items = configmaps.list_config_maps(app.store, None if all_namespaces else app.namespace)
    if not items:
        show("No configmaps found")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("NAME", "NAMESPACE", "KEYS", "CREATED"):
        table.add_column(column, no_wrap=True)
    for item in items:
        table.add_row(item.name, item.namespace, ",".join(item.keys), item.created)
    show(table)


@configmap.command("get")
@click.argument("name")
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]), default="yaml")
@click.pass_context
def configmap_get(ctx: click.Context, name: str, output: str) -> None:
    """Show a ConfigMap, values included."""
    app = app_of(ctx)
    show_data(configmaps.get_config_map(app.store, name, app.namespace), output)


@configmap.command("delete")
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def configmap_delete(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Delete ConfigMaps."""
    app = app_of(ctx)
    for name in names:
        configmaps.delete_config_map(app.store, name, app.namespace)
        show(f"configmap {name} deleted")
