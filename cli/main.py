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

import click

from cli.app import App
from cli.artifacts import cp, secret
from cli.backend import backend_of, kubernetes_app, kubernetes_options
from cli.cluster_templates import cluster_template
from cli.configmaps import configmap
from cli.cron import cron
from cli.errors import WfGroup
from cli.gitops import gitops
from cli.install import convert, install
from cli.lifecycle import COMMANDS as LIFECYCLE
from cli.nodes import set_ as _node_set  # noqa: F401  (registers `wf node set`)
from cli.server import server
from cli.system import completion, controller, node, version
from cli.templates import template
from cli.trigger import trigger
from cli.workflows import COMMANDS
from workflow_engine.controller import FileEventLog, FileLogs, embedded, finished_pods
from workflow_engine.spec.limits import DocumentLimits
from workflow_engine.store import default_state_dir


def app_from_env(env: Mapping[str, str]) -> App:
    paths = embedded.StatePaths(default_state_dir(env))
    idle = float(env.get("WF_IDLE_EXIT") or embedded.DEFAULT_IDLE_EXIT)
    autostart = (env.get("WF_NO_CONTROLLER") or "").lower() not in ("1", "true", "yes")

    def ensure() -> None:
        if autostart:
            embedded.ensure_controller(paths, idle_exit=idle)

    return App(
        open_store=lambda: embedded.open_store(paths),
        ensure_controller=ensure,
        log_source=lambda store, name, ns: FileLogs(paths.runtime, finished_pods(store, name, ns)),
        state_dir=paths.root,
        namespace=env.get("WF_NAMESPACE") or "default",
        run_controller=lambda idle_exit: embedded.run(
            paths, embedded.EmbeddedOptions(idle_exit=idle_exit)
        ),
        describe=lambda: embedded.describe(paths),
        events=FileEventLog(paths.events),
        default_repository=embedded.artifact_repository(paths),
        limits=DocumentLimits.from_env(env),
    )


@click.group(cls=WfGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    if namespace:
        app.namespace = namespace
    ctx.call_on_close(app.close)


for _command in (
    *COMMANDS,
    *LIFECYCLE,
    cp,
    secret,
    configmap,
    template,
    cluster_template,
    cron,
    trigger,
    gitops,
    controller,
    node,
    server,
    version,
    completion,
    install,
    convert,
):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="wf")


if __name__ == "__main__":
    main()
