"""The `wf` command: the program edge of the CLI.

`main()` reads the environment once (WF_HOME, WF_NAMESPACE, WF_IDLE_EXIT,
WF_NO_CONTROLLER), builds an `App` over the embedded state directory, and runs the
click group. Tests call `cli` with their own `App` as `obj`.

    WF_HOME           the state directory (default: $XDG_STATE_HOME/wf or ~/.local/state/wf)
    WF_NAMESPACE      the namespace (default: default)
    WF_IDLE_EXIT      seconds an on-demand controller stays up idle (default: 5)
    WF_NO_CONTROLLER  1: never start a controller on demand
    WF_BACKEND        embedded (default) | kubernetes (see cli.backend; also --kubeconfig,
                      --context)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from cli.app import App
from cli.backend import backend_of, kubernetes_app, kubernetes_options
from cli.commands import LazyGroup
from workflow_engine.controller import FileEventLog, StatePaths
from workflow_engine.spec.limits import DocumentLimits, set_max_expression_length
from workflow_engine.store import default_state_dir

if TYPE_CHECKING:
    from workflow_engine.controller import LogSource
    from workflow_engine.store.base import Store


def app_from_env(env: Mapping[str, str]) -> App:
    """The embedded App. The controller's modules load only when a command uses them."""
    paths = StatePaths(default_state_dir(env))
    idle_text = env.get("WF_IDLE_EXIT")
    idle = float(idle_text) if idle_text else None
    autostart = (env.get("WF_NO_CONTROLLER") or "").lower() not in ("1", "true", "yes")
    limits = DocumentLimits.from_env(env)
    resource_kubeconfig = env.get("WF_RESOURCE_KUBECONFIG") or None

    started: list[int] = []  # the controller this command started, if it did

    def ensure() -> None:
        if not autostart:
            return
        # not controller.embedded: finding a controller running imports none of it
        from workflow_engine.controller import autostart as starting

        if started:  # an earlier call started one: not to start a second, let it lock
            starting.await_start(paths, started[-1])
        pid = starting.ensure_controller(
            paths,
            idle_exit=starting.DEFAULT_IDLE_EXIT if idle is None else idle,
            max_expression_length=limits.max_expression_length,
            resource_kubeconfig=resource_kubeconfig,
        )
        if pid is not None:
            started.append(pid)

    def log_source(store: Store, name: str, namespace: str) -> LogSource:
        from workflow_engine.controller import FileLogs, finished_pods

        return FileLogs(paths.runtime, finished_pods(store, name, namespace))

    def run_controller(idle_exit: float | None, metrics_port: int | None, address: str) -> int:
        from workflow_engine.controller import embedded

        options = embedded.EmbeddedOptions(
            idle_exit=idle_exit,
            metrics_port=metrics_port,
            metrics_address=address,
            resource_kubeconfig=resource_kubeconfig,
        )
        return embedded.run(paths, options)

    def describe() -> dict[str, str]:
        from workflow_engine.controller import about

        return about.describe(paths)

    return App(
        open_store=paths.open_store,
        ensure_controller=ensure,
        log_source=log_source,
        state_dir=paths.root,
        namespace=env.get("WF_NAMESPACE") or "default",
        run_controller=run_controller,
        describe=describe,
        events=FileEventLog(paths.events),
        default_repository=paths.default_repository,
        limits=limits,
    )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="show tracebacks")
@click.option("-n", "--namespace", help="the namespace (default: $WF_NAMESPACE or default)")
@click.option("--kubeconfig", help="use the cluster of this kubeconfig (Kubernetes backend)")
@click.option("--context", help="the kubeconfig context (Kubernetes backend)")
@click.pass_context
def cli(
    ctx: click.Context,
    debug: bool,
    namespace: str | None,
    kubeconfig: str | None,
    context: str | None,
) -> None:
    """wf: run Argo Workflows YAML on this machine, or on Kubernetes."""
    if ctx.obj is None:
        env = os.environ
        if backend_of(env, kubeconfig, context) == "kubernetes":
            ctx.obj = kubernetes_app(env, kubernetes_options(env, kubeconfig, context))
        else:
            ctx.obj = app_from_env(env)
    app: App = ctx.obj
    app.debug = app.debug or debug
    # lint here and a controller run in this process (`wf controller`, `wf server`)
    # evaluate expressions under the same bound
    set_max_expression_length(app.limits.max_expression_length)
    if namespace:
        app.namespace = namespace
    ctx.call_on_close(app.close)


def main() -> None:
    cli(prog_name="wf")


if __name__ == "__main__":
    main()
