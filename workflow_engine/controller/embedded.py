"""Embedded mode: everything on one machine under one state directory.

Sits at the top of the controller room, wiring the real pieces together:
    <state>/store.db        SqliteStore (the CLI, the controller and executors share it)
    <state>/runtime/        ProcessRuntime (pods as local processes, their logs)
    <state>/artifacts/      the local artifact repository
    <state>/events/         the events operate() emitted, one file per workflow
    <state>/claims/         volume claims, a directory each (controller/claims.py)
    <state>/controller.lock one controller per state directory (fcntl lock, holds a pid)
    <state>/controller.log  the on-demand controller's output

`run()` is `wf controller` (foreground); `ensure_controller()` (defined in `autostart`,
so a command need not import this module) is what mutating `wf` commands call: it
starts a detached controller when none holds the lock, and that one exits by itself
after `idle_exit` idle seconds (no unfinished workflow, no live pod, no CronWorkflow
that still fires).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from executor.handler import make_container_handler
from workflow_engine.artifacts import (
    REPOSITORIES_FILE,
    ArtifactRepository,
    RepositoryConfig,
    load_repositories_file,
)
from workflow_engine.controller.about import describe as describe  # re-exported
from workflow_engine.controller.autostart import DEFAULT_IDLE_EXIT as DEFAULT_IDLE_EXIT
from workflow_engine.controller.autostart import ensure_controller as ensure_controller
from workflow_engine.controller.cache import is_completed
from workflow_engine.controller.claims import DirectoryClaims
from workflow_engine.controller.clock import Clock, SystemClock
from workflow_engine.controller.cron import CRON_KIND, CronLoop, schedules_keep_running
from workflow_engine.controller.custom_metrics import METRICS_FILE, MetricsRegistry
from workflow_engine.controller.daemon import StatusReport
from workflow_engine.controller.data_sources import StoreLister
from workflow_engine.controller.events import FileEventLog
from workflow_engine.controller.indexes import PodIndex, ResultIndex
from workflow_engine.controller.loop import Controller, LoopOptions
from workflow_engine.controller.podsources import PodSources
from workflow_engine.controller.reconcile import Engine, Reconciler
from workflow_engine.controller.repositories import ArtifactWiring
from workflow_engine.controller.resources import ResourceCluster, ResourceRuntime, with_resources
from workflow_engine.controller.result_writer import ResultWriter
from workflow_engine.controller.serialized import SerializedWrites
from workflow_engine.controller.statedir import ControllerLock as ControllerLock  # re-exported
from workflow_engine.controller.statedir import StatePaths as StatePaths  # re-exported
from workflow_engine.controller.statuscache import StatusSerializer
from workflow_engine.controller.triggers import TriggerLoop
from workflow_engine.controller.volumes import VolumeSubstitution
from workflow_engine.cron import TRIGGER_KIND
from workflow_engine.engine import operate
from workflow_engine.engine.decision import CreatePod
from workflow_engine.errors import SpecError, WorkflowEngineError
from workflow_engine.podbuilder import PodConfig, build_pod
from workflow_engine.runtime.process import ProcessRuntime
from workflow_engine.runtime.process.profiles import entrypoint_for
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status_codec import status_from_dict
from workflow_engine.store import SqliteStore
from workflow_engine.store.base import Store
from workflow_engine.vocabulary import WORKFLOW_KIND

log = logging.getLogger(__name__)
EXECUTOR_COMMAND = "wf-exec"
# seconds a starting controller keeps trying a held lock: `wf` commands probe it (for an
# instant each), and a probe must not pass for a running controller
LOCK_PATIENCE = 5.0


class ControllerRunning(WorkflowEngineError):
    """Another controller holds this state directory's lock."""


@dataclass(frozen=True)
class EmbeddedOptions:
    idle_exit: float | None = None  # seconds; None: run until stopped
    workers: int = 3
    slots: int | None = None  # pods running at once; the runtime's default when None
    sandbox: str = "auto"
    pod_network: str = "host"  # "private": pods without hostNetwork get loopback only
    metrics_port: int | None = None  # Prometheus /metrics; None: none, 0: any free port
    metrics_address: str = "127.0.0.1"
    # The cluster resource templates act on (WF_RESOURCE_KUBECONFIG at the CLI's edge);
    # None: resource nodes end Error saying none is configured.
    resource_kubeconfig: str | None = None
    # TaskResults written by a child process (controller/result_writer.py), off the
    # controller's interpreter; False: by the executor's handler threads in this one.
    result_process: bool = True


def open_store(paths: StatePaths) -> SqliteStore:
    return paths.open_store()


def artifact_repository(paths: StatePaths) -> dict[str, Any]:
    return paths.default_repository


# -- building and running ------------------------------------------------------------------


def load_wiring(paths: StatePaths, store: Store | None = None) -> ArtifactWiring:
    """The artifact repositories of this state directory (read once, at start): the
    ConfigMaps of `<state>/artifact-repositories.yaml`, the local directory as default.
    A malformed file is logged and errors each new workflow with its reason."""
    broken = None
    try:
        config = load_repositories_file(paths.root / REPOSITORIES_FILE)
    except SpecError as exc:
        log.error("%s: %s", REPOSITORIES_FILE, exc)
        config, broken = RepositoryConfig(), "; ".join(str(exc).splitlines())
    return ArtifactWiring(
        config,
        ArtifactRepository.model_validate(artifact_repository(paths)),
        PodConfig(executor_command=(EXECUTOR_COMMAND,), entrypoint_for=entrypoint_for),
        store,
        broken,
    )


def make_engine(
    paths: StatePaths, wiring: ArtifactWiring | None = None, sources: PodSources | None = None
) -> Engine:
    wiring = wiring or load_wiring(paths)
    volumes = VolumeSubstitution()
    claims = DirectoryClaims(paths.claims)

    def pod(wf: Workflow, action: CreatePod, now: datetime) -> dict[str, Any]:
        manifest = claims.mount(_build(wf, action, now))
        return manifest if sources is None else sources.resolve(manifest)

    def _build(wf: Workflow, action: CreatePod, now: datetime) -> dict[str, Any]:
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
        operate=wiring.wrap(operate),
        status_to_dict=StatusSerializer(),
        status_from_dict=status_from_dict,
        build_pod=with_resources(pod),
        collect_artifacts=wiring.collect_artifacts,
    )


def build_controller(
    paths: StatePaths,
    options: EmbeddedOptions,
    clock: Clock | None = None,
    store: Store | None = None,
) -> tuple[Controller, list[Any]]:
    """A controller over the state directory; the second value lists what to close."""
    own_store = store is None
    store = SerializedWrites(store or open_store(paths))
    results: Store = store
    closers: list[Any] = []
    if own_store and options.result_process:
        results = ResultWriter(store, paths.db)
        closers.append(results)
    runtime = ProcessRuntime(
        paths.runtime,
        slots=options.slots,
        handlers={EXECUTOR_COMMAND: make_container_handler(results)},
        sandbox=options.sandbox,  # type: ignore[arg-type]
        pod_network=options.pod_network,  # type: ignore[arg-type]
    )
    clock = clock or SystemClock()
    wiring = load_wiring(paths, store)
    resources = ResourceRuntime(
        runtime,
        store,
        _resource_cluster(options.resource_kubeconfig),
        load_artifact=wiring.load_artifact,
    )
    reconciler = Reconciler(
        store,
        resources,
        make_engine(paths, wiring, PodSources(store, runtime.pod_directory)),
        clock,
        FileEventLog(paths.events),
        PodIndex(),
        ResultIndex(),
    )
    reconciler.list_artifact = StoreLister(store, wiring.repository)  # data templates' sources
    reconciler.metrics = MetricsRegistry(paths.root / METRICS_FILE)  # custom metrics
    claims = DirectoryClaims(paths.claims)
    claims.sweep(store.list(WORKFLOW_KIND, None).items)  # owners deleted while none of us ran
    reconciler.claims = claims
    controller = Controller(reconciler, clock, LoopOptions(workers=options.workers))
    controller.companions.append(CronLoop(store, clock))
    controller.companions.append(TriggerLoop(store, clock, paths.root / "triggers"))
    return controller, [resources, runtime, *closers, store]


def _resource_cluster(kubeconfig: str | None) -> ResourceCluster:
    """Resource templates act on the kubeconfig's cluster; the workflow is no object
    there, so no ownerReference can point at it."""
    if not kubeconfig:
        return ResourceCluster()
    from workflow_engine.runtime.kubernetes import load_api_client

    return ResourceCluster(client=lambda: load_api_client(kubeconfig))


def run(paths: StatePaths, options: EmbeddedOptions, stop: threading.Event | None = None) -> int:
    """Run the controller until stopped (SIGTERM/SIGINT, `stop`) or idle for
    `options.idle_exit` seconds. Raises ControllerRunning when another one runs."""
    lock = ControllerLock(paths.lock)
    if not lock.acquire(patience=LOCK_PATIENCE):
        raise ControllerRunning(f"a controller (pid {lock.holder()}) already runs for {paths.root}")
    stop = stop or threading.Event()
    _stop_on_signals(stop)
    try:
        while True:
            version = _serve(paths, options, stop)
            if stop.is_set():
                return 0
            # Idle exit: release first, then look once more, so a workflow submitted (or
            # changed) in between is either seen here or finds the lock free and starts
            # a controller of its own.
            lock.release()
            if not _changed_since(paths, version) or not lock.acquire(patience=LOCK_PATIENCE):
                return 0
    finally:
        lock.release()


def _serve(
    paths: StatePaths,
    options: EmbeddedOptions,
    stop: threading.Event,
    after_idle: Callable[[], None] | None = None,
) -> int:
    """Run one controller until stopped or idle; returns the store version up to which
    the controller had seen every workflow when it judged itself idle. `after_idle`
    (tests) runs between that judgement and the shutdown."""
    controller, closers = build_controller(paths, options)
    clock = controller.clock
    idle_since: list[float | None] = [None]
    seen = [0]
    report = StatusReport(paths, clock.now())

    def done() -> bool:
        if stop.is_set():
            return True
        _report(controller, report)
        if options.idle_exit is None:
            return False
        version = controller.idle_version()
        if version is None:
            idle_since[0] = None
            return False
        seen[0] = version
        since = idle_since[0] = idle_since[0] or clock.monotonic()
        return clock.monotonic() - since >= options.idle_exit

    log.info("controller started (pid %d) for %s", os.getpid(), paths.root)
    if options.metrics_port is not None:
        from workflow_engine.controller.metrics import serve_controller  # only when asked for

        closers.append(serve_controller(controller, options.metrics_port, options.metrics_address))
    try:
        controller.start()
        controller.run_until(done)
        if after_idle is not None:
            after_idle()
    finally:
        controller.signal_stop()
        for item in reversed(closers):  # the store first: its close ends the watches
            if isinstance(item, ProcessRuntime):
                item.detach()  # running pods go on; the next controller adopts them
            else:
                item.close()
        controller.stop()
        report.remove()
    log.info("controller stopped after %d reconciles", controller.reconciles)
    return seen[0]


def _report(controller: Controller, report: StatusReport) -> None:
    """Keep `controller.status` current for `wf controller status` (cheap: the counts
    come from memory, and the file is rewritten only when they change)."""
    unfinished = sum(not is_completed(obj) for obj in controller.reconciler.cache.objects())
    busy = not controller.is_idle()
    report.update("busy" if busy else "idle", unfinished, controller.pods.active_count())


def _changed_since(paths: StatePaths, version: int) -> bool:
    """Was a workflow, or a CronWorkflow or WorkflowTrigger that still fires, created
    or changed after `version`? (Other kinds' writes move the store's version too:
    they must not keep an idle controller alive.)"""
    store = open_store(paths)
    try:
        items = store.list(WORKFLOW_KIND, None).items
        crons = [c for c in store.list(CRON_KIND, None).items if schedules_keep_running(c)]
        crons += [t for t in store.list(TRIGGER_KIND, None).items if not t["spec"].get("suspend")]
        return any(int(obj["metadata"]["resourceVersion"]) > version for obj in items + crons)
    finally:
        store.close()


def _stop_on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
