"""Printing for `wf` (the one place output is written): strings and rich renderables
to stdout, with colour only on a terminal."""

from __future__ import annotations

import shutil
import sys
from typing import TYPE_CHECKING, Any

import click

from cli.dumps import to_json, to_yaml

if TYPE_CHECKING:
    from rich.console import RenderableType

# cli.format (rich, the models) is imported on first use: `wf version` prints plain text


def show(renderable: RenderableType | str) -> None:
    if isinstance(renderable, str):
        click.echo(renderable)
        return
    from cli.format import render

    width = max(80, shutil.get_terminal_size((160, 24)).columns)
    click.echo(render(renderable, width=width, color=sys.stdout.isatty()), nl=False)


def show_data(data: Any, fmt: str) -> None:
    click.echo(to_json(data) if fmt == "json" else to_yaml(data), nl=fmt != "yaml")


def show_object(data: dict[str, Any] | list[dict[str, Any]], output: str | None) -> bool:
    """`-o json|yaml|name` for an object or a list of them; False when `output` is
    none of these, so the command shows its own form."""
    if output in ("json", "yaml"):
        show_data(data, output)
        return True
    if output == "name":
        for obj in data if isinstance(data, list) else [data]:
            show(obj["metadata"]["name"])
        return True
    return False
