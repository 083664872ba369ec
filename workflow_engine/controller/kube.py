"""Kubernetes mode: the same controller loop over the Kubernetes Store and Runtime.

Sits at the top of the controller room, beside `embedded.py`, wiring the real pieces:
    store      Workflows, TaskResults, Secrets as objects on the API server (given)
    runtime    KubernetesRuntime: real Pods, observed through a pod informer that only
               sees workflow pods (the `workflows.argoproj.io/workflow` label)
    events     KubernetesEventLog: core/v1 Events on each Workflow
    pods       built by the pod builder with the executor as a program (`wf-exec` in the
               pod's image, or `executor_command`), reporting through `pod_store_url`
               (the Kubernetes store, in-cluster, with the pod's service account)
    artifacts  the `artifact-repositories` ConfigMaps of the cluster, read at start
    metrics    Prometheus metrics (`metrics.py`) on `metrics_port`, when given
    lint       a workflow that never started is linted first (`kube_lint.py`); a
               valid one's unhonoured fields become a SpecWarning condition and
               Warning events on its first decision (`spec_warnings.py`)
    crons      the CronLoop of embedded mode, over the CronWorkflow objects
    election   with `KubeOptions.election`, a Lease (`leader.py`): the loop and the
               crons start only once this replica leads, stop when it loses the
               lease (exit code 1, the Deployment restarts it as a standby), and the
               lease is released when it is stopped
A restarted controller rebuilds everything from the store and the pods it lists, so a
crash loses nothing and creates no pod twice (pod names are deterministic).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubernetes import client

from workflow_engine.artifacts import ArtifactRepository, RepositoryConfig
from workflow_engine.artifacts.repositories import CONFIG_MAP_NAME
from workflow_engine.controller.api_metrics import instrument
from workflow_engine.controller.clock import Clock, SystemClock
from workflow_engine.controller.cron import CronLoop
from workflow_engine.controller.data_sources import StoreLister
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.kube_budgets import KubernetesBudgets
from workflow_engine.controller.kube_claims import KubernetesClaims
from workflow_engine.controller.kube_events import KubernetesEventLog
from workflow_engine.controller.kube_lint import lint_first
from workflow_engine.controller.leader import ElectionConfig, LeaderElector
from workflow_engine.controller.lease_api import KubernetesLeases
from workflow_engine.controller.loop import Controller, LoopOptions
from workflow_engine.controller.metrics import ControllerMetrics, MetricsServer
from workflow_engine.controller.reconcile import CREATE_POD_WORKERS, Engine, Reconciler
from workflow_engine.controller.repositories import ArtifactWiring
from workflow_engine.controller.resources import ResourceCluster, ResourceRuntime, with_resources
from workflow_engine.controller.spec_warnings import warn_first
from workflow_engine.controller.statuscache import StatusSerializer
from workflow_engine.controller.volumes import VolumeSubstitution
from workflow_engine.engine import operate
from workflow_engine.engine.decision import CreatePod
from workflow_engine.errors import SpecError, WorkflowEngineError
from workflow_engine.podbuilder import WORKFLOW_LABEL, PodConfig, build_pod
from workflow_engine.runtime.kubernetes import KubernetesRuntime, load_api_client
from workflow_engine.runtime.kubernetes.client import POOL_SIZE, call
from workflow_engine.runtime.process.profiles import entrypoint_for
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status_codec import status_from_dict
from workflow_engine.store import kubernetes_url
from workflow_engine.store.base import Store
from workflow_engine.store.kubernetes import KubernetesOptions, KubernetesStore

log = logging.getLogger(__name__)
POD_STORE_URL = "kubernetes://"
# A pod that started running shows in the status this much later, so that a short pod's
# start and end often cost one status write: on a cluster every write is a rate-limited
# request (bench/kube_requests.py: 9 status writes per two-step workflow with 0.25 s).
STARTED_DELAY = 1.0
# What a pod shows before it runs (scheduled to a node, PodInitializing, its IP) changes
# two or three times in its first second: those changes wait for the pod's Running (or
# its end) and are written with it, or are written alone after this long (a pod stuck
# Pending still shows why). bench/kube_scale.py: status writes per pod.
DETAILS_DELAY = 5.0
# A TaskResult arrives just before its pod ends (wf-exec writes it, then exits), and the
# reconcile of the pod's end reads it (from the index, or from the API when the watch
# is late): a reconcile of its own, before the end, was one more status write per pod.
# It wakes its workflow alone only after this long (a daemon's, a pod's progress).
RESULT_DELAY = 5.0


@dataclass(frozen=True)
class KubeOptions:
    namespace: str | None = None  # None: every namespace
    # Reconciles at once. On a cluster a reconcile mostly waits for the API server (its
    # status write, a pod create): with 3, 200 workflows ending a step together queued
    # behind each other (bench/kube_scale.py: p90 6 s from a pod's end to the next pod,
    # the controller process at 4% of a core). Argo's default is 32.
    workers: int = 8
    executor_command: tuple[str, ...] = ("wf-exec",)
    executor_image: str = ""
    pod_store_url: str | None = None  # WF_STORE of the pods; None: from the store's group
    default_repository: Mapping[str, Any] = field(default_factory=dict)  # Argo's shape
    events_api_version: str = "argoproj.io/v1alpha1"
    loop: LoopOptions | None = None
    election: ElectionConfig | None = None  # None: act without a Lease (one replica)
    metrics_port: int | None = None  # None: no metrics endpoint; 0: any free port
    metrics_address: str = "0.0.0.0"
    cron_resync: float = 5.0


def cluster_repositories(api_client: client.ApiClient, namespace: str | None) -> RepositoryConfig:
    """The `artifact-repositories` ConfigMaps the controller can see."""
    core = client.CoreV1Api(api_client)
    selector = f"metadata.name={CONFIG_MAP_NAME}"
    if namespace is None:
        found = call(core.list_config_map_for_all_namespaces, field_selector=selector)
    else:
        found = call(core.list_namespaced_config_map, namespace, field_selector=selector)
    items = [{"kind": "ConfigMap", "apiVersion": "v1", **obj} for obj in found.get("items") or []]
    return RepositoryConfig.from_objects(items)


def make_engine(wiring: ArtifactWiring, store: Store) -> Engine:
    volumes = VolumeSubstitution()

    def pod(wf: Workflow, action: CreatePod, now: datetime) -> dict[str, Any]:
        return build_pod(
            volumes.apply(wf),
            action.template,
            node_id=action.node_id,
            node_name=action.node_name,
            pod_name=action.pod_name,
            now=now,
            deadline=action.deadline,
            config=wiring.pod_config(wf),
        )

    return Engine(
        operate=lint_first(warn_first(wiring.wrap(operate), store), store),
        status_to_dict=StatusSerializer(),
        status_from_dict=status_from_dict,
        build_pod=with_resources(pod),
    )


def load_wiring(api_client: client.ApiClient, store: Store, options: KubeOptions) -> ArtifactWiring:
    broken = None
    try:
        config = cluster_repositories(api_client, options.namespace)
    except (SpecError, WorkflowEngineError) as exc:
        log.error("%s ConfigMaps: %s", CONFIG_MAP_NAME, exc)
        config, broken = RepositoryConfig(), "; ".join(str(exc).splitlines())
    base = PodConfig(
        store_url=options.pod_store_url or pod_store_url(store),
        executor_command=options.executor_command,
        executor_image=options.executor_image,
        # the images whose programs `wf node` stands in for (argosay): their entrypoints
        entrypoint_for=entrypoint_for,
    )
    fallback = ArtifactRepository.model_validate(dict(options.default_repository))
    return ArtifactWiring(config, fallback, base, store, broken)


def build_controller(
    store: Store,
    api_client: client.ApiClient,
    options: KubeOptions,
    clock: Clock | None = None,
) -> tuple[Controller, list[Any]]:
    """A controller over the cluster; the second value lists what to close."""
    runtime = KubernetesRuntime(
        api_client, namespace=options.namespace, label_selector=WORKFLOW_LABEL
    )
    group = getattr(store, "group", None)  # the events name the Workflow in the store's group
    api_version = f"{group}/v1alpha1" if isinstance(group, str) else options.events_api_version
    events = KubernetesEventLog(api_client, api_version)
    clock = clock or SystemClock()
    wiring = load_wiring(api_client, store, options)
    cluster = ResourceCluster(client=lambda: api_client, owner_api_version=api_version)
    # resource templates act with the controller's own client
    resources = ResourceRuntime(runtime, store, cluster, load_artifact=wiring.load_artifact)
    reconciler = Reconciler(
        store,
        resources,
        make_engine(wiring, store),
        clock,
        events,
        PodIndex(),
        ResultIndex(),
    )
    # data templates' sources: key-only locations in the workflow's repository, as embedded
    reconciler.list_artifact = StoreLister(store, wiring.repository)
    reconciler.claims = KubernetesClaims(api_client)  # PersistentVolumeClaims
    reconciler.budgets = KubernetesBudgets(api_client)  # spec.podDisruptionBudget
    loop = options.loop or LoopOptions(
        workers=options.workers,
        namespace=options.namespace,
        started_delay=STARTED_DELAY,
        details_delay=DETAILS_DELAY,
        result_delay=RESULT_DELAY,
    )
    controller = Controller(reconciler, clock, loop)
    controller.companions.append(CronLoop(store, clock, options.namespace, options.cron_resync))
    return controller, [events, resources, runtime]


def run(
    store: Store,
    api_client: client.ApiClient,
    options: KubeOptions,
    stop: threading.Event,
    on_started: Callable[[Controller], None] | None = None,
) -> int:
    """Run the controller until `stop` is set (0), or until its lease is lost (1);
    closes what it built (not the store). With an election, nothing is read or acted
    on before this replica holds the Lease. The metrics endpoint (if a port is given)
    serves from the start, a standby's too."""
    metrics = ControllerMetrics()
    server = None
    if options.metrics_port is not None:
        server = MetricsServer(metrics, options.metrics_port, options.metrics_address)
        log.info("metrics on %s:%d", options.metrics_address, server.port)
    clients = [api_client, *([store.api_client] if isinstance(store, KubernetesStore) else [])]
    try:
        with instrument(clients, metrics.api_error):
            return _run_elected(store, api_client, options, stop, on_started, metrics)
    finally:
        if server is not None:
            server.close()


def _run_elected(
    store: Store,
    api_client: client.ApiClient,
    options: KubeOptions,
    stop: threading.Event,
    on_started: Callable[[Controller], None] | None,
    metrics: ControllerMetrics,
) -> int:
    if options.election is None:
        _run_loop(store, api_client, options, stop, on_started, metrics)
        return 0
    config = options.election
    leases = KubernetesLeases(api_client, config.name, config.namespace)
    elector = LeaderElector(leases, config, SystemClock())
    metrics.leading = lambda: elector.leading
    log.info("%s waits for lease %s/%s", config.identity, config.namespace, config.name)
    if not elector.acquire(stop):
        return 0
    lost, ended = threading.Event(), threading.Event()

    def keep() -> None:
        if not elector.hold(ended):
            lost.set()

    holder = threading.Thread(target=keep, name="wf-lease", daemon=True)
    holder.start()
    try:
        _run_loop(store, api_client, options, stop, on_started, metrics, lost)
    finally:
        ended.set()  # ends the renewals (when the lease was lost, they ended already)
        holder.join()
        if not lost.is_set():
            elector.release()
    return 1 if lost.is_set() else 0


def _run_loop(
    store: Store,
    api_client: client.ApiClient,
    options: KubeOptions,
    stop: threading.Event,
    on_started: Callable[[Controller], None] | None,
    metrics: ControllerMetrics,
    lost: threading.Event | None = None,
) -> None:
    controller, closers = build_controller(store, api_client, options)
    log.info("controller started against the cluster (namespace %s)", options.namespace or "*")
    metrics.attach(controller)
    try:
        controller.start()
        if on_started is not None:
            on_started(controller)
        controller.run_until(lambda: stop.is_set() or (lost is not None and lost.is_set()))
    finally:
        controller.signal_stop()
        for item in closers:
            item.close()
        controller.stop()
        metrics.detach()
    log.info("controller stopped after %d reconciles", controller.reconciles)


def api_pool_size(options: KubeOptions) -> int:
    """Connections the controller's API client keeps: every pod create of its workers
    at once (`CREATE_POD_WORKERS` each), its watches and the rest beside them."""
    return max(POOL_SIZE, options.workers * CREATE_POD_WORKERS + 16)


def pod_store_url(store: Store) -> str:
    """What the pods' executors open: the same API group as the controller's store, with
    the pod's own service account (no kubeconfig)."""
    group = getattr(store, "group", None)
    return kubernetes_url(group=group) if isinstance(group, str) else POD_STORE_URL


def serve(cluster: KubernetesOptions, options: KubeOptions) -> int:
    """`wf controller` with the Kubernetes backend, in the foreground until SIGINT or
    SIGTERM. A kubeconfig that cannot be read raises SpecError (before anything starts)."""
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    api_client = load_api_client(cluster.kubeconfig, cluster.context, api_pool_size(options))
    try:
        store = KubernetesStore(cluster)
    except BaseException:
        api_client.close()  # type: ignore[no-untyped-call]
        raise
    try:
        return run(store, api_client, options, stop)
    finally:
        store.close()
        api_client.close()  # type: ignore[no-untyped-call]
