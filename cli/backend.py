"""Which backend a `wf` invocation talks to: the embedded state directory (the
default) or a Kubernetes cluster. Part of the program edge (`cli.main`): reads the
environment it is handed, never `os.environ` itself. On a cluster the App's store is
the API server, its pod logs come through the pods/log API (`cluster_logs`) and its
events are the Kubernetes Events the controller posts (`ClusterEvents`).

    WF_BACKEND     embedded (default) | kubernetes; --kubeconfig or --context imply kubernetes
    KUBECONFIG     the kubeconfig (first of a list); in a pod: its service account
    WF_API_GROUP   argoproj.io | wfengine.io (default: whichever the cluster serves, ours first)
    WF_KUBE_QPS, WF_KUBE_BURST   client-side rate limit (default 50 and 100)
    WF_KUBE_OFFLOAD_OVER   bytes of compressed node map past which a workflow's nodes
                   are stored in WorkflowNodeChunk objects (default 524288)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from cli.app import App
from workflow_engine.spec.limits import DocumentLimits
from workflow_engine.store.kubernetes import GROUPS, KubernetesOptions

if TYPE_CHECKING:
    from workflow_engine.controller import Event, KubernetesEventLog, LogSource
    from workflow_engine.store.base import Store
    from workflow_engine.store.kubernetes import KubernetesStore

BACKENDS = ("embedded", "kubernetes")


def backend_of(env: Mapping[str, str], kubeconfig: str | None, context: str | None) -> str:
    chosen = (env.get("WF_BACKEND") or "").strip().lower()
    if chosen and chosen not in BACKENDS:
        raise click.UsageError(f"WF_BACKEND={chosen!r}: expected one of {', '.join(BACKENDS)}")
    if kubeconfig or context:
        if chosen == "embedded":
            raise click.UsageError("--kubeconfig/--context need WF_BACKEND=kubernetes (or unset)")
        return "kubernetes"
    return chosen or "embedded"


def kubernetes_options(
    env: Mapping[str, str], kubeconfig: str | None, context: str | None
) -> KubernetesOptions:
    group = env.get("WF_API_GROUP") or None
    if group is not None and group not in GROUPS:
        raise click.UsageError(f"WF_API_GROUP={group!r}: expected one of {', '.join(GROUPS)}")
    path = kubeconfig or (env.get("KUBECONFIG") or "").split(os.pathsep)[0] or None
    try:
        qps = float(env.get("WF_KUBE_QPS") or KubernetesOptions.qps)
        burst = int(env.get("WF_KUBE_BURST") or KubernetesOptions.burst)
    except ValueError as err:
        raise click.UsageError(f"WF_KUBE_QPS/WF_KUBE_BURST: {err}") from None
    if qps <= 0 or burst < 1:
        raise click.UsageError("WF_KUBE_QPS must be positive and WF_KUBE_BURST at least 1")
    return KubernetesOptions(
        kubeconfig=path,
        context=context,
        group=group,
        qps=qps,
        burst=burst,
        offload_over=_offload_over(env),
    )


def _offload_over(env: Mapping[str, str]) -> int:
    text = (env.get("WF_KUBE_OFFLOAD_OVER") or "").strip()
    if not text:
        return KubernetesOptions.offload_over
    if not text.isdigit() or int(text) < 1:
        raise click.UsageError(
            f"WF_KUBE_OFFLOAD_OVER={text!r}: expected a positive number of bytes"
        )
    return int(text)


def kubernetes_app(env: Mapping[str, str], options: KubernetesOptions) -> App:
    """An App on the cluster: the store is the API server; the controller runs there."""

    def open_store() -> KubernetesStore:
        from workflow_engine.store.kubernetes import KubernetesStore  # slow import: on use

        return KubernetesStore(options)

    # one pod log reader per workflow and command (`get -o junit` asks once per node)
    readers: dict[tuple[str, str], LogSource] = {}

    def log_source(store: Store, name: str, namespace: str) -> LogSource:
        if (name, namespace) not in readers:
            readers[name, namespace] = cluster_logs(options, store, name, namespace)
        return readers[name, namespace]

    where = options.kubeconfig or "in-cluster or default kubeconfig"
    return App(
        open_store=open_store,
        log_source=log_source,
        namespace=env.get("WF_NAMESPACE") or "default",
        describe=lambda: {
            "backend": "kubernetes",
            "kubeconfig": where,
            "context": options.context or "(current)",
        },
        kubernetes=options,
        limits=DocumentLimits.from_env(env),
        events=ClusterEvents(options),
    )


def cluster_logs(options: KubernetesOptions, store: Store, name: str, namespace: str) -> LogSource:
    """The pods/log API for the pods of workflow `name`, read through the Kubernetes
    runtime (its pod informer watches this workflow's pods only); closed with the
    command."""
    from workflow_engine.controller import ClusterLogs, finished_pods
    from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
    from workflow_engine.vocabulary import WORKFLOW_LABEL

    runtime = KubernetesRuntime(
        load_api_client(options.kubeconfig, options.context),
        namespace=namespace,
        label_selector=f"{WORKFLOW_LABEL}={name}",
    )
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(runtime.close)
    return ClusterLogs(runtime, finished_pods(store, name, namespace))


class ClusterEvents:
    """The EventLog of `wf` on a cluster: the core/v1 Events the controller posts about
    each Workflow (what `wf get` lists), through a KubernetesEventLog opened on first
    use and closed with the command. Events are informational: one that cannot be read
    is left out, never an error of the command."""

    def __init__(self, options: KubernetesOptions) -> None:
        self._options = options
        self._opened: KubernetesEventLog | None = None
        self._api: Any = None

    def _log(self) -> KubernetesEventLog:
        if self._opened is None:
            from workflow_engine.controller import KubernetesEventLog
            from workflow_engine.runtime.kubernetes import load_api_client

            self._api = load_api_client(self._options.kubeconfig, self._options.context)
            self._opened = KubernetesEventLog(self._api)
            context = click.get_current_context(silent=True)
            if context is not None:
                context.call_on_close(self._close)
        return self._opened

    def _close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._api.close()
            self._opened = None

    def record(self, namespace: str, workflow: str, events: list[Event]) -> None:
        self._log().record(namespace, workflow, events)

    def list(self, namespace: str, workflow: str) -> list[Event]:
        from workflow_engine.errors import WorkflowEngineError

        try:
            return self._log().list(namespace, workflow)
        except WorkflowEngineError:
            return []

    def forget(self, namespace: str, workflow: str) -> None:
        self._log().forget(namespace, workflow)
