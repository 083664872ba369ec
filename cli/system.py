"""`wf controller`, `wf node`, `wf version`, `wf completion`: the commands about `wf`
itself and the processes it runs."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from click.shell_completion import get_completion_class

from cli.app import app_of
from cli.leader import election_config, lease_options
from cli.output import show, show_data
from workflow_engine.controller import StatePaths, daemon

NOT_RUNNING = 3  # `status` of a stopped service, as init scripts report it


@click.group(invoke_without_command=True)
@click.option(
    "--idle-exit",
    type=float,
    default=None,
    help="exit after this many idle seconds (default: run until stopped)",
)
@click.option(
    "--namespaced",
    is_flag=True,
    help="Kubernetes backend: watch only the namespace of -n (default: every namespace)",
)
@click.option(
    "--executor-command",
    help="Kubernetes backend: the executor program in the pods (default: wf-exec on their PATH)",
)
@click.option("--executor-image", help="Kubernetes backend: the image holding the executor")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    envvar="WF_METRICS_PORT",
    help="serve Prometheus metrics at /metrics on this port (0: any free one; default: none)",
)
@click.option(
    "--metrics-address",
    envvar="WF_METRICS_ADDRESS",
    help="the address the metrics endpoint listens on (default: 0.0.0.0 with the "
    "Kubernetes backend, 127.0.0.1 embedded)",
)
@lease_options
@click.pass_context
def controller(
    ctx: click.Context,
    /,
    idle_exit: float | None,
    namespaced: bool,
    executor_command: str | None,
    executor_image: str | None,
    metrics_port: int | None,
    metrics_address: str | None,
    **lease: Any,
) -> None:
    """Run the controller in the foreground (Ctrl-C stops it): over the state directory,
    or with the Kubernetes backend (`wf --kubeconfig ... controller`, WF_BACKEND=kubernetes,
    or in a pod) against the cluster. `wf controller status` and `wf controller stop` are
    about the embedded one running in the background."""
    if ctx.invoked_subcommand is not None:
        return
    app = app_of(ctx)
    if app.kubernetes is not None:
        if idle_exit is not None:
            raise click.UsageError("--idle-exit is for the embedded controller")
        # imported here: the Kubernetes client costs every other command its start-up time
        from workflow_engine.controller import kube

        # a long-running server: say what it does (lease changes, start, stop) on stderr
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )

        options = kube.KubeOptions(
            namespace=app.namespace if namespaced else None,
            executor_command=(executor_command or "wf-exec",),
            executor_image=executor_image or "",
            election=election_config(lease, app.namespace if namespaced else None),
            metrics_port=metrics_port,
            metrics_address=metrics_address or "0.0.0.0",
        )
        ctx.exit(kube.serve(app.kubernetes, options))
    if namespaced or executor_command or executor_image:
        raise click.UsageError(
            "--namespaced, --executor-command and --executor-image are for the Kubernetes "
            "backend (wf --kubeconfig FILE controller, or WF_BACKEND=kubernetes)"
        )
    if app.run_controller is None:
        raise click.UsageError("no embedded controller here")
    ctx.exit(app.run_controller(idle_exit, metrics_port, metrics_address or "127.0.0.1"))


def _state_paths(ctx: click.Context) -> StatePaths:
    root = app_of(ctx).state_dir
    if root is None:
        raise click.UsageError("no embedded controller here")
    return StatePaths(root)


@controller.command("status")
@click.option("-o", "--output", type=click.Choice(["json", "yaml"]))
@click.pass_context
def controller_status(ctx: click.Context, output: str | None) -> None:
    """Is a controller running for this state directory, and what is it doing?
    Exit code 0 when one runs, 3 when none does."""
    paths = _state_paths(ctx)
    status = daemon.read_status(paths)
    info = _status_info(status, paths, app_of(ctx).now())
    if output:
        show_data(info, output)
    elif status is None:
        show(f"no controller is running for {paths.root}")
    else:
        width = max(len(k) for k in info) + 2
        for key, value in info.items():
            show(f"{key + ':':<{width}}{'-' if value is None else value}")
    ctx.exit(0 if status is not None else NOT_RUNNING)


def _status_info(
    status: daemon.ControllerStatus | None, paths: StatePaths, now: datetime
) -> dict[str, Any]:
    if status is None:
        return {"running": False, "state dir": str(paths.root)}
    uptime = status.uptime(now)
    return {
        "running": True,
        "pid": status.pid,
        "uptime": None if uptime is None else format_seconds(uptime),
        "state": status.state,
        "state dir": str(status.state_dir),
        "workflows": status.workflows,
        "pods": status.pods,
    }


@controller.command("stop")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="seconds to wait for it to stop",
)
@click.pass_context
def controller_stop(ctx: click.Context, timeout: float) -> None:
    """Stop the background controller gracefully, as SIGTERM or Ctrl-C does: running
    pods go on, and the next controller (any `wf submit`) adopts them. Exit code 0 once
    it stopped (or when none was running), 1 when it still runs after --timeout."""
    paths = _state_paths(ctx)
    result = daemon.stop_controller(paths, timeout)
    if result.pid is None:
        show(f"no controller is running for {paths.root}")
    elif result.stopped:
        show(f"controller (pid {result.pid}) stopped")
    else:
        click.echo(f"controller (pid {result.pid}) still runs after {timeout:g}s", err=True)
        ctx.exit(1)


def format_seconds(seconds: float) -> str:
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m")]
    text = "".join(f"{n}{unit}" for n, unit in parts if n)
    return f"{text}{secs}s"


@click.group(invoke_without_command=True)
@click.option(
    "--kubeconfig",
    envvar="KUBECONFIG",
    type=click.Path(exists=True, dir_okay=False),
    help="the cluster to join (default: $KUBECONFIG)",
)
@click.option(
    "--name",
    default=lambda: socket.gethostname().lower(),
    show_default="the host name",
    help="the Node's name",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="default: <wf state dir>/node/<name>",
)
@click.option("--address", default="127.0.0.1", show_default=True, help="the Node's InternalIP")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="kubelet API port (0: any)")
@click.option("--tls-cert-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tls-private-key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--slots", type=click.IntRange(min=1), help="pods run at once (default: 4 per CPU)")
@click.option(
    "--sandbox", type=click.Choice(["overlay", "plain", "auto"]), default="auto", show_default=True
)
@click.option(
    "--crash-backoff",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="seconds before a crashing container's second restart (then doubling)",
)
@click.option(
    "--crash-backoff-max",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    help="the longest back-off between restarts",
)
@click.pass_context
def node(
    ctx: click.Context,
    kubeconfig: str | None,
    name: str,
    state_dir: Path | None,
    address: str,
    port: int,
    tls_cert_file: Path | None,
    tls_private_key_file: Path | None,
    slots: int | None,
    sandbox: str,
    crash_backoff: float,
    crash_backoff_max: float,
) -> None:
    """Run a Kubernetes node whose pods run as local processes (Ctrl-C stops it);
    `wf node set` changes a workflow's suspend node instead."""
    if ctx.invoked_subcommand is not None:
        return
    if kubeconfig is None:
        raise click.UsageError("Missing option '--kubeconfig' (or $KUBECONFIG).")
    if (tls_cert_file is None) != (tls_private_key_file is None):
        raise click.UsageError("--tls-cert-file and --tls-private-key-file go together")
    if crash_backoff > crash_backoff_max:
        raise click.UsageError("--crash-backoff is longer than --crash-backoff-max")
    # imported here: the node agent brings the Kubernetes client (slow to import)
    from workflow_engine.runtime.kubernetes_node import Backoff, default_node_state_dir, serve_node

    root = app_of(ctx).state_dir
    state = state_dir or (
        root / "node" / name if root else default_node_state_dir(name, os.environ)
    )
    ctx.exit(
        serve_node(
            kubeconfig,
            name,
            state,
            address=address,
            port=port,
            tls_cert=tls_cert_file,
            tls_key=tls_private_key_file,
            slots=slots,
            sandbox=sandbox,  # type: ignore[arg-type]
            backoff=Backoff(crash_backoff, crash_backoff_max),
        )
    )


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
