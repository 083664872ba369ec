"""`wf controller`, `wf version`, `wf completion`: the commands about `wf` itself."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from cli.output import show, show_data
from cli.workflows import app_of


@click.command()
@click.option(
    "--idle-exit",
    type=float,
    default=None,
    help="exit after this many idle seconds (default: run until stopped)",
)
@click.pass_context
def controller(ctx: click.Context, idle_exit: float | None) -> None:
    """Run the embedded controller in the foreground (Ctrl-C stops it)."""
    app = app_of(ctx)
    if app.run_controller is None:
        raise click.UsageError("no embedded controller here")
    ctx.exit(app.run_controller(idle_exit))


@click.command()
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]))
@click.pass_context
def version(ctx: click.Context, output: str | None) -> None:
    """Versions, the runtime's sandbox and the state directory."""
    info = app_of(ctx).describe()
    if output:
        show_data(info, output)
    else:
        width = max(len(k) for k in info) + 2 if info else 0
        for key, value in info.items():
            show(f"{key + ':':<{width}}{value}")


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script: `eval "$(wf completion bash)"`."""
    root = ctx.find_root()
    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - click knows all three
        raise click.UsageError(f"unsupported shell {shell}")
    show(cls(root.command, {}, "wf", "_WF_COMPLETE").source())
