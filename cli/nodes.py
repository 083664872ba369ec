"""`wf node set`: change a running suspend node of a workflow (Argo's `argo node set`).

A subcommand of the `wf node` group (whose own invocation runs the node agent, see
`cli.system`); the work is in `workflow_engine.controller.nodeset`.
"""

from __future__ import annotations

import click

from cli.app import app_of
from cli.output import show
from cli.system import node
from workflow_engine.controller import nodeset
from workflow_engine.errors import SpecError


def _outputs(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SpecError("--output-parameter", f"{pair!r}: expected NAME=VALUE")
        out[key] = value
    return out


@node.command("set")
@click.argument("name")
@click.option(
    "--node-field-selector",
    required=True,
    help="which suspend nodes (displayName=NAME, name=..., id=..., templateName=...)",
)
@click.option("--phase", type=click.Choice(nodeset.SETTABLE_PHASES), help="the node's new phase")
@click.option("-m", "--message", help="the node's message")
@click.option(
    "-p",
    "--output-parameter",
    "output_parameters",
    multiple=True,
    help="NAME=VALUE for an output parameter declared `valueFrom.supplied` (repeatable)",
)
@click.pass_context
def set_(
    ctx: click.Context,
    name: str,
    node_field_selector: str,
    phase: str | None,
    message: str | None,
    output_parameters: tuple[str, ...],
) -> None:
    """Set a suspend node's output parameters, message or phase."""
    outputs = _outputs(output_parameters)
    if not (outputs or phase or message is not None):
        raise click.UsageError("nothing to set: give --output-parameter, --phase or --message")
    app = app_of(ctx)
    obj = nodeset.set_node(
        app.store,
        name,
        app.namespace,
        now=app.now(),
        selector=node_field_selector,
        phase=phase,
        message=message,
        outputs=outputs,
    )
    show(f"workflow {obj['metadata']['name']} updated")
    app.ensure_controller()
