"""How `wf` turns the project's errors into one clear line and an exit code.

Exit codes (CI relies on them, docs/ci.md):
    0  ok (for --wait/watch/wait: the workflow Succeeded)
    1  an operation failed, or the workflow ended Failed or Error
    2  usage errors and SpecErrors (every error on its own line, `path: reason`)
    3  the backend is unreachable (the store cannot be opened or answers with an
       infrastructure error: TransientError, PermanentError)
    4  `--timeout` passed before the workflow finished (it goes on running)
Tracebacks only with `--debug`.
"""

from __future__ import annotations

import traceback
from typing import Any

import click

from cli.app import BackendUnreachable
from workflow_engine.controller import OperationError, WaitTimedOut
from workflow_engine.errors import (
    PermanentError,
    SpecError,
    SpecErrors,
    TransientError,
    WorkflowEngineError,
)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_TIMEOUT = 4


def spec_error_lines(exc: SpecError) -> list[str]:
    errors = exc.errors if isinstance(exc, SpecErrors) else [exc]
    return [str(e) for e in errors]


class WfGroup(click.Group):
    """A click group that reports the project's errors as described above."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except SpecError as exc:
            _debug(ctx)
            for line in spec_error_lines(exc):
                click.echo(line, err=True)
            ctx.exit(EXIT_USAGE)
        except WaitTimedOut as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_TIMEOUT)
        except (BackendUnreachable, TransientError, PermanentError) as exc:
            _debug(ctx)
            click.echo(f"error: backend unreachable: {exc}", err=True)
            ctx.exit(EXIT_UNREACHABLE)
        except (OperationError, WorkflowEngineError, OSError) as exc:
            _debug(ctx)
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_FAILED)
        except Exception as exc:
            _debug(ctx)
            click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
            ctx.exit(EXIT_FAILED)


def _debug(ctx: click.Context) -> None:
    root = ctx.find_root()
    app = root.obj
    if getattr(app, "debug", False) or root.params.get("debug"):
        traceback.print_exc()
