"""Printing for `wf` (the one place output is written): strings and rich renderables
to stdout, with colour only on a terminal."""

from __future__ import annotations

import shutil
import sys
from typing import Any

import click
from rich.console import RenderableType

from cli.format import render, to_json, to_yaml


def show(renderable: RenderableType | str) -> None:
    if isinstance(renderable, str):
        click.echo(renderable)
        return
    width = max(80, shutil.get_terminal_size((160, 24)).columns)
    click.echo(render(renderable, width=width, color=sys.stdout.isatty()), nl=False)


def show_data(data: Any, fmt: str) -> None:
    click.echo(to_json(data) if fmt == "json" else to_yaml(data), nl=fmt != "yaml")
