"""One reconcile of one workflow: read it, observe, `operate()`, apply the Decision once.

Sits in the controller between the work queue and the pure engine. The WorkflowTemplates
a decision needs are fetched before it (`operate()` names any it lacks, and is called
again with them: it never reads the store). The Decision is applied in the order that
makes a crash harmless: first the one status write (status and phase/completed labels
together), so the store records what is about to happen; then the runtime calls
(creating a pod that exists is a no-op, so a re-run after a crash repeats nothing) and
the artifact collection (its outcome goes to the next `operate()`, which records it);
then timers and events. A Conflict on the write means someone else (the CLI: suspend,
stop, retry) changed the workflow: re-read it and decide again, nothing was applied yet.

The last written workflow stays in memory (`WorkflowCache`) so the hot path re-reads
nothing: the store watch replaces the cached copy only when a newer version appears.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from workflow_engine.controller.background import BackgroundTasks
from workflow_engine.controller.cache import Cached, WorkflowCache, is_completed
from workflow_engine.controller.claims import Claims, NoClaims
from workflow_engine.controller.clock import Clock
from workflow_engine.controller.custom_metrics import MetricsRegistry
from workflow_engine.controller.data_sources import Lister, StoreLister
from workflow_engine.controller.events import Event, EventLog
from workflow_engine.controller.http_requests import perform
from workflow_engine.controller.indexes import (
    MissingResults,
    PodIndex,
    ResultIndex,
    WorkflowKey,
)
from workflow_engine.controller.locks import LockTable, lock_recheck, store_limits, sync_of
from workflow_engine.controller.memo import save_memo_logged
from workflow_engine.controller.observe import task_result
from workflow_engine.controller.observer import ControllerObserver, NoObserver
from workflow_engine.controller.resolver import decide_with_templates
from workflow_engine.controller.retry_requests import apply_retry_request
from workflow_engine.engine.artifact_gc import CollectArtifacts, Collected
from workflow_engine.engine.claims import CreateClaims, DeleteClaims
from workflow_engine.engine.data_io import DataListing, ListArtifact
from workflow_engine.engine.decision import (
    CreatePod,
    Decision,
    DeletePod,
    DeleteWorkflow,
    EmitEvent,
    RequeueAfter,
    error_decision,
)
from workflow_engine.engine.http_io import HTTPRequest, HTTPResponse
from workflow_engine.engine.memo import SaveMemo
from workflow_engine.engine.metrics import EmitMetrics
from workflow_engine.engine.observed import Observed, TaskResult
from workflow_engine.errors import Conflict, NotFound, TransientError, WorkflowEngineError
from workflow_engine.runtime.base import Runtime
from workflow_engine.spec.models import NodeStatus, Workflow, WorkflowStatus, format_time
from workflow_engine.spec.resolver import MappingResolver
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import (
    PODS_TO_DELETE,
    RETRY_REQUEST,
    TASK_RESULT_KIND,
    WORKFLOW_KIND,
    WORKFLOW_LABEL,
    is_completed_phase,
    phase_labels,
)

log = logging.getLogger(__name__)

_CONFLICT_ATTEMPTS = 8
FOREIGN_POD_RETRY = 0.2  # seconds: a pod being deleted frees its name
CREATE_POD_WORKERS = 8  # pods of one decision created at once
CREATE_ERROR = "CreateError"  # the reason of a pod the runtime refused or could not build

Operate = Callable[[Workflow, Observed, datetime, MappingResolver], Decision]
PodFactory = Callable[[Workflow, CreatePod, datetime], dict[str, Any]]
Collector = Callable[[Workflow, CollectArtifacts], Collected]


def no_collector(wf: Workflow, action: CollectArtifacts) -> Collected:
    """The collector of a controller with no artifact repository: every object stays."""
    return Collected(
        failed=tuple(f"{i.artifact.name}: no artifact repository" for i in action.artifacts)
    )


@dataclass(frozen=True)
class Engine:
    """The pure functions the controller drives (the real ones, or a test's)."""

    operate: Operate
    status_to_dict: Callable[[WorkflowStatus], dict[str, Any]]
    status_from_dict: Callable[[dict[str, Any]], WorkflowStatus]
    build_pod: PodFactory
    collect_artifacts: Collector = no_collector


@dataclass
class ReconcileResult:
    requeue_after: float | None = None
    deleted: bool = False
    skipped: bool = False
    completed: bool = False


@dataclass
class _Seen:
    rv: str
    pods: int
    results: int
    requeue_at: float | None = None
    news: int = -1  # the pod index's news_version (details do not move it)


class Reconciler:
    def __init__(
        self,
        store: Store,
        runtime: Runtime,
        engine: Engine,
        clock: Clock,
        events: EventLog,
        pods: PodIndex,
        results: ResultIndex,
        cache: WorkflowCache | None = None,
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.engine = engine
        self.clock = clock
        self.events = events
        self.pods = pods
        self.results = results
        self.cache = cache or WorkflowCache()
        self._seen: dict[WorkflowKey, _Seen] = {}
        self._collected: dict[WorkflowKey, Collected] = {}  # until a decision records it
        self.missing_results = MissingResults()
        self.observer: ControllerObserver = NoObserver()
        self.locks = LockTable()  # rebuilt from the statuses by the loop's start()
        self.lock_limits = store_limits(store)
        self.on_release: Callable[[WorkflowKey], None] = _ignore  # the loop queues it
        self._woken: set[WorkflowKey] = set()
        self.background = BackgroundTasks(
            lambda key: self._wake({key}), lambda why: HTTPResponse(error=why)
        )
        self.metrics = MetricsRegistry()  # the embedded controller's writes metrics.prom
        self.list_artifact: Lister = StoreLister(store)  # the embedded controller's: its repository
        self.claims: Claims = NoClaims()  # volume claims: each mode sets its own
        # How long pod details (PodIndex.details_since) wait for news before they are
        # worth a reconcile of their own; the loop sets its LoopOptions.details_delay.
        self.details_delay = 0.0

    # -- entry point -----------------------------------------------------------------

    def reconcile(self, key: WorkflowKey) -> ReconcileResult:
        try:
            entry = self._current(key)
        except (NotFound, Conflict, TransientError):
            raise
        except Exception as exc:  # a stored workflow the models refuse: end it, once
            try:
                obj = self.store.get(WORKFLOW_KIND, key[1], key[0])
            except NotFound:
                entry = None
            else:
                return self._fail(key, obj, exc)
        if entry is None:
            self.cleanup(key)
            return ReconcileResult(deleted=True)
        for _ in range(_CONFLICT_ATTEMPTS):
            try:
                annotations = entry.obj["metadata"].get("annotations") or {}
                if PODS_TO_DELETE in annotations:
                    entry = self._delete_requested_pods(key, entry)
                if RETRY_REQUEST in annotations:  # `wf retry` on a cluster
                    entry = apply_retry_request(self, key, entry)
                if self._nothing_new(key, entry):
                    return ReconcileResult(
                        requeue_after=self._timer_left(key),  # the queue keeps one timer
                        skipped=True,
                        completed=is_completed(entry.obj),
                    )
                return self._reconcile_entry(key, entry)
            except NotFound as exc:
                if not self._gone(key):  # something else was missing: as any failure
                    return self._fail(key, entry.obj, exc)
                self.cleanup(key)
                return ReconcileResult(deleted=True)
            except Conflict:
                self.observer.write_conflict()
                try:
                    entry = self._load(self.store.get(WORKFLOW_KIND, key[1], key[0]), None)
                except NotFound:
                    self.cleanup(key)
                    return ReconcileResult(deleted=True)
                self.cache.put(key, entry)
            except TransientError:
                raise  # the loop retries with backoff
            except Exception as exc:  # past operate(): writing, building, applying
                return self._fail(key, entry.obj, exc)
        return ReconcileResult(requeue_after=0.1)

    def _fail(self, key: WorkflowKey, obj: Obj, exc: Exception) -> ReconcileResult:
        """End the workflow Error with the cause, written straight into its stored status
        (the engine's serializer may be what failed), so the failure is not retried for
        ever; a workflow already completed keeps its status, and is left alone until
        something changes."""
        status = dict(obj.get("status") or {})
        if not is_completed_phase(status.get("phase")):
            message = failure_message(exc)
            try:
                obj = self._write_error(obj, message)
            except Conflict:  # `obj` predates this reconcile's own status write
                obj = self.store.get(WORKFLOW_KIND, key[1], key[0])
                if not is_completed_phase((obj.get("status") or {}).get("phase")):
                    obj = self._write_error(obj, message)
        else:
            log.warning("reconcile of completed workflow %s/%s failed: %r", *key, exc)
        self.cache.drop(key)
        self._wake(self.locks.record(key, obj))
        self._seen[key] = _Seen(obj["metadata"]["resourceVersion"], *self._versions(key))
        return ReconcileResult(completed=True)

    def _write_error(self, obj: Obj, message: str) -> Obj:
        status = dict(obj.get("status") or {})
        now = format_time(self.clock.now())
        status.update(phase="Error", message=message, finishedAt=now)
        status.setdefault("startedAt", now)
        labels = {**(obj["metadata"].get("labels") or {}), **dict(phase_labels("Error"))}
        meta = {**obj["metadata"], "labels": labels}
        return self.store.update_status(
            {
                "apiVersion": obj["apiVersion"],
                "kind": obj["kind"],
                "metadata": meta,
                "status": status,
            }
        )

    def _versions(self, key: WorkflowKey) -> tuple[int, int]:
        return self.pods.version(key), self.results.version(key)

    def _gone(self, key: WorkflowKey) -> bool:
        try:
            self.store.get(WORKFLOW_KIND, key[1], key[0])
        except NotFound:
            return True
        return False

    def cleanup(self, key: WorkflowKey) -> None:
        """The workflow is gone: delete its pods, TaskResults, events and caches."""
        for pod in self.pods.pods(key):
            self.runtime.delete_pod(pod, key[0])
        for obj in self.store.list(TASK_RESULT_KIND, key[0], {WORKFLOW_LABEL: key[1]}).items:
            with contextlib.suppress(NotFound):
                self.store.delete(TASK_RESULT_KIND, obj["metadata"]["name"], key[0])
        self.events.forget(key[0], key[1])
        self.claims.release(key[0], key[1])
        self.missing_results.forget(key)
        self.cache.drop(key)
        self.pods.forget(key)
        self.results.forget(key)
        self._seen.pop(key, None)
        self._collected.pop(key, None)
        self._wake(self.locks.forget(key))
        self.background.forget(key)

    def _wake(self, keys: set[WorkflowKey]) -> None:
        """Workflows waiting for a lock just released: reconcile them (each is decided
        again even if nothing else of it changed)."""
        for key in sorted(keys):
            self._woken.add(key)
            self.on_release(key)

    def _delete_requested_pods(self, key: WorkflowKey, entry: Cached) -> Cached:
        """`wf retry` asked for these pods to go before their nodes run again."""
        annotations = dict(entry.obj["metadata"].get("annotations") or {})
        try:
            names = json.loads(annotations.pop(PODS_TO_DELETE))
        except ValueError:
            names = []
        if not isinstance(names, list):  # written by hand, or by something else
            names = []
        for name in (n for n in names if isinstance(n, str)):
            node_id = self.pods.node_id(key[0], name)
            self.runtime.delete_pod(name, key[0], 0)
            self.pods.remove(key, name)
            if node_id is not None:
                self.missing_results.discard(key, node_id)
        obj = self.store.update(
            {**entry.obj, "metadata": {**entry.obj["metadata"], "annotations": annotations}}
        )
        written = Cached(obj=obj, model=entry.model, generation=entry.generation)
        self.cache.put(key, written)
        return written

    # -- reading -----------------------------------------------------------------------

    def _current(self, key: WorkflowKey) -> Cached | None:
        held, incoming = self.cache.take(key)
        if incoming is not None and not _older(incoming, held):
            held = self._load(incoming, held)
            self.cache.put(key, held)
        if held is None:
            try:
                held = self._load(self.store.get(WORKFLOW_KIND, key[1], key[0]), None)
            except NotFound:
                return None
            self.cache.put(key, held)
        return held

    def _load(self, obj: Obj, previous: Cached | None) -> Cached:
        generation = (obj["metadata"].get("uid"), obj["metadata"].get("generation"))
        status = self.engine.status_from_dict(obj.get("status") or {})
        if previous is not None and previous.generation == generation:
            model = previous.model.model_copy(update={"status": status})
        else:
            spec_only = {k: v for k, v in obj.items() if k != "status"}
            model = Workflow.model_validate(spec_only).model_copy(update={"status": status})
        return Cached(obj=obj, model=model, generation=generation)

    def _timer_left(self, key: WorkflowKey) -> float | None:
        seen = self._seen.get(key)
        if seen is None or seen.requeue_at is None:
            return None
        return max(0.0, seen.requeue_at - self.clock.monotonic())

    def _nothing_new(self, key: WorkflowKey, entry: Cached) -> bool:
        if key in self._woken:
            self._woken.discard(key)
            return False
        seen = self._seen.get(key)
        if seen is None or seen.rv != entry.obj["metadata"]["resourceVersion"]:
            return False
        if seen.requeue_at is not None and self.clock.monotonic() >= seen.requeue_at:
            return False
        if seen.results != self.results.version(key):
            return False
        if seen.pods == self.pods.version(key):
            return True
        # Only pod details changed (a watch echo of our own write woke it, say): they
        # wait for news, or for their own timer (the loop queued it details_delay on).
        since = self.pods.details_since(key)
        return (
            seen.news == self.pods.news_version(key)
            and since is not None
            and self.clock.monotonic() - since < self.details_delay
        )

    def _observed(self, key: WorkflowKey, uid: str | None) -> tuple[Observed, int]:
        """What operate() sees, and how many TaskResults this call fetched itself.
        Pods a deleted workflow of the same name left behind are deleted, not seen."""
        pods = self.pods.pods(key)
        foreign = self.pods.foreign(key, uid)
        active = self.pods.active(key)
        for name in foreign:
            log.info("deleting pod %s/%s of an earlier workflow %s", key[0], name, key[1])
            self.runtime.delete_pod(name, key[0], 0)
            del pods[name]
            active.pop(name, None)
        results = self.results.results(key)
        fetched = 0
        resolved = []
        for pod_name, node_id in self.pods.finished(key):
            if pod_name in foreign:
                continue
            if node_id in results:
                resolved.append(pod_name)  # not looked at again
            elif (key, node_id) not in self.missing_results:
                fetched += self._fetch_missing_result(key, pod_name, results)
        self.pods.resolved(key, resolved)
        observed = Observed(
            pods=pods,
            active=active,
            results=results,
            collected=self._collected.get(key),
            **_by_kind(self.background.results(key)),
        )
        return observed, fetched

    def _fetch_missing_result(
        self, key: WorkflowKey, pod_name: str, results: dict[str, TaskResult]
    ) -> int:
        # The watch may lag behind the pod's end; the executor wrote its result first.
        node_id = self.pods.node_id(key[0], pod_name)
        if node_id is None or node_id in results or (key, node_id) in self.missing_results:
            return 0
        try:
            obj = self.store.get(TASK_RESULT_KIND, node_id, key[0])
        except NotFound:
            self.missing_results.add(key, node_id)
            return 0
        results[node_id] = task_result(obj)
        return int(self.results.apply("ADDED", obj) is not None)

    # -- deciding and applying -----------------------------------------------------------

    def _reconcile_entry(self, key: WorkflowKey, entry: Cached) -> ReconcileResult:
        self.pods.taking_details(key)  # before the versions: a later detail is noted again
        pods_version, results_version = self.pods.version(key), self.results.version(key)
        news_version = self.pods.news_version(key)
        now = self.clock.now()
        observed, fetched = self._observed(key, entry.model.metadata.uid)
        if self.results.version(key) == results_version + fetched:
            results_version += fetched  # only our own fetches moved it
        if sync_of(entry.obj):
            view = self.locks.grants(key, entry.obj, self.lock_limits)
            observed = replace(observed, locks=view)
        decision = self._decide(entry.model, observed, now)
        written = self._write(key, entry, decision)
        self._wake(self.locks.record(key, written.obj))
        if observed.http or observed.data:  # the results this decision recorded
            nodes = decision.status.nodes or {}
            done = [i for i in (*observed.http, *observed.data) if _fulfilled(nodes.get(i))]
            self.background.recorded(key, done)
        if observed.collected is not None:
            self._collected.pop(key, None)  # the status written records it
        if written is not entry and not entry.obj.get("status"):
            # Its first status: events kept under its name are a deleted namesake's.
            self.events.forget(key[0], key[1])
        own, retry = self._apply_actions(key, written.model, decision, now)
        if self.pods.version(key) == pods_version + own:
            pods_version += own  # only our own notes moved it: nothing new to see
            news_version += own
        if is_completed(written.obj):
            self.missing_results.forget(key)  # a retry costs at most one more look each
        requeue = decision.requeue_after
        asked = lock_recheck(entry.obj, written.obj)
        if asked is not None:  # grant (or queue) them now, or look again later
            requeue = asked if requeue is None else min(requeue, asked)
        if retry is not None:  # operate() must see a failed create, or redo a deferred one
            requeue = retry if requeue is None else min(requeue, retry)
        self._seen[key] = _Seen(
            rv=written.obj["metadata"]["resourceVersion"],
            pods=pods_version,
            results=results_version,
            requeue_at=None if requeue is None else self.clock.monotonic() + requeue,
            news=news_version,
        )
        return ReconcileResult(requeue_after=requeue, completed=is_completed(written.obj))

    def _decide(self, wf: Workflow, observed: Observed, now: datetime) -> Decision:
        """operate(), with the WorkflowTemplates it asks for fetched first. Whatever it
        raises (a spec error, an illegal transition, an OverflowError...) ends the
        workflow Error with the cause, once: retrying would decide the same, for ever.
        Only a transient store error is left to the loop to retry."""
        try:
            decision = decide_with_templates(self.engine.operate, self.store, wf, observed, now)
        except TransientError:
            raise
        except Exception as exc:
            return _given_up(wf, now, failure_message(exc))
        return decision or _given_up(wf, now, "too many workflow templates referenced")

    def _write(self, key: WorkflowKey, entry: Cached, decision: Decision) -> Cached:
        """The Decision's one store write: status and labels together."""
        obj = entry.obj
        status = self.engine.status_to_dict(decision.status)
        labels = _labels(obj, decision)
        if status == (obj.get("status") or {}) and labels == (obj["metadata"].get("labels") or {}):
            return entry
        obj = self.store.update_status(
            {
                "apiVersion": obj["apiVersion"],
                "kind": obj["kind"],
                "metadata": {**obj["metadata"], "labels": labels},
                "status": status,
            }
        )
        model = entry.model.model_copy(update={"status": decision.status})
        written = Cached(obj=obj, model=model, generation=entry.generation)
        self.cache.put(key, written)
        return written

    def _apply_actions(
        self, key: WorkflowKey, wf: Workflow, decision: Decision, now: datetime
    ) -> tuple[int, float | None]:
        """Run the runtime actions and record events; returns how many pods were noted
        in the index (each moved its version), and when to reconcile again because a
        pod was not created (None: no such pod)."""
        events: list[Event] = []
        noted, retry = 0, None
        for action in _runs_of_creates(decision.actions):
            if isinstance(action, CreateClaims):  # before the pods that mount them
                for claim in action.claims:
                    self.claims.create(claim)
            elif isinstance(action, DeleteClaims):
                for name in action.names:
                    self.claims.delete(action.namespace, name)
            elif isinstance(action, list):  # consecutive CreatePods: made together
                for created in self._create_pods(key, wf, action, now):
                    if isinstance(created, float):
                        retry = created if retry is None else min(retry, created)
                    else:
                        noted += created
            elif isinstance(action, DeletePod):
                self.runtime.delete_pod(action.pod_name, key[0], action.grace_seconds)
            elif isinstance(action, EmitEvent):
                events.append(Event(format_time(now), action.type, action.reason, action.message))
                if action.node_id is not None:
                    self._node_completed(decision, action.node_id)
            elif isinstance(action, HTTPRequest):
                request = partial(perform, self.store, key[0], action)
                self.background.start(key, action.node_id, request)
            elif isinstance(action, ListArtifact):
                listing = partial(self.list_artifact, wf, action.artifact)
                self.background.start(key, action.node_id, listing)
            elif isinstance(action, EmitMetrics):
                self.metrics.record(action.samples)
            elif isinstance(action, SaveMemo):
                save_memo_logged(self.store, key[0], action, now)
            elif isinstance(action, CollectArtifacts) and action.event == "deletion":
                for failure in self.engine.collect_artifacts(wf, action).failed:
                    log.warning("%s/%s: artifact GC at deletion: %s", *key, failure)
            elif isinstance(action, CollectArtifacts):
                self._collected[key] = self.engine.collect_artifacts(wf, action)
                retry = 0.0  # the next operate() records the outcome
            elif isinstance(action, DeleteWorkflow):
                self._delete_workflow(key, wf, action)
            elif not isinstance(action, RequeueAfter):
                raise TypeError(f"unknown action {action!r}")
        if events:
            self.events.record(key[0], key[1], events)
        return noted, retry

    def _node_completed(self, decision: Decision, node_id: str) -> None:
        node = (decision.status.nodes or {}).get(node_id)
        if node is None:
            return
        seconds = None
        if node.started_at is not None and node.finished_at is not None:
            seconds = max((node.finished_at - node.started_at).total_seconds(), 0.0)
        self.observer.node_completed(node.phase, seconds)

    def _delete_workflow(self, key: WorkflowKey, wf: Workflow, action: DeleteWorkflow) -> None:
        """The workflow's time is up: delete it (only the copy decided on: one submitted
        again under its name meanwhile has another uid). Its pods and task results go
        when the watch reports it gone, as for `wf delete`."""
        log.info("deleting workflow %s/%s: %s", key[0], key[1], action.reason)
        with contextlib.suppress(NotFound):
            current = self.store.get(WORKFLOW_KIND, key[1], key[0])
            if current["metadata"].get("uid") == wf.metadata.uid:
                self.store.delete(WORKFLOW_KIND, key[1], key[0])

    def _create_pods(
        self, key: WorkflowKey, wf: Workflow, actions: list[CreatePod], now: datetime
    ) -> list[int | float]:
        """`_create_pod` of each action, several at once: a wide fan-out's pods cost one
        API round trip per pod, and one after another they were most of its time
        (bench/RESULTS.md). Every create is attempted; the first error is raised after."""
        if len(actions) <= 1:
            return [self._create_pod(key, wf, action, now) for action in actions]
        workers = min(CREATE_POD_WORKERS, len(actions))
        with ThreadPoolExecutor(workers, thread_name_prefix="wf-create-pod") as pool:
            futures = [pool.submit(self._create_pod, key, wf, a, now) for a in actions]
        return [future.result() for future in futures]

    def _create_pod(
        self, key: WorkflowKey, wf: Workflow, action: CreatePod, now: datetime
    ) -> int | float:
        """Build and create one pod; 1 when noting it moved the index's version. When
        it is not created, the float is when to reconcile again. A pod that can never
        be created (its spec is invalid once substituted) is noted as Failed instead,
        which moves the version as news: the next operate() ends its node with the
        cause, rather than this reconcile failing and retrying forever. A name still
        held by a deleted namesake workflow's pod is freed first (creating would be a
        no-op): the pod is created by a later reconcile."""
        if self.pods.owned_by_other(key[0], action.pod_name, wf.metadata.uid):
            self.runtime.delete_pod(action.pod_name, key[0], 0)
            return FOREIGN_POD_RETRY
        if self.pods.deleting(key[0], action.pod_name):  # `wf retry` removed it: wait
            return FOREIGN_POD_RETRY
        try:
            manifest = self.engine.build_pod(wf, action, now)
            self.runtime.create_pod(manifest)
        except TransientError:
            raise
        except Exception as exc:  # SpecError, PermanentError, or a bug
            message = failure_message(exc)
            log.warning("pod %s/%s cannot be created: %s", key[0], action.pod_name, message)
            reason = str(getattr(exc, "pod_reason", CREATE_ERROR))
            self.pods.note_failed(key, action.pod_name, action.node_id, reason, message)
            return 0.0
        self.observer.pod_created()
        return int(self.pods.note_created(key, action.pod_name, action.node_id))


def _runs_of_creates(actions: Iterable[object]) -> Iterator[object]:
    """The actions in order, each run of consecutive CreatePods as one list."""
    run: list[CreatePod] = []
    for action in actions:
        if isinstance(action, CreatePod):
            run.append(action)
            continue
        if run:
            yield run
            run = []
        yield action
    if run:
        yield run


def _older(incoming: Obj, held: Cached | None) -> bool:
    """A watched copy no newer than the one held: the echo of the first of our own two
    writes (status, then labels) that arrives after the second was cached. Taking it
    would decide on a stale version and cost a 409, a re-read and a write again."""
    if held is None:
        return False
    try:
        theirs = int(incoming["metadata"]["resourceVersion"])
        ours = int(held.obj["metadata"]["resourceVersion"])
    except (KeyError, TypeError, ValueError):
        return False
    return theirs <= ours


def _by_kind(results: dict[str, object]) -> dict[str, Any]:
    """Background results as Observed takes them: HTTP responses, data listings."""
    return {
        "http": {i: r for i, r in results.items() if isinstance(r, HTTPResponse)},
        "data": {i: r for i, r in results.items() if isinstance(r, DataListing)},
    }


def _fulfilled(node: NodeStatus | None) -> bool:
    return node is None or node.fulfilled


def _ignore(key: WorkflowKey) -> None:
    return None


def _labels(obj: Obj, decision: Decision) -> dict[str, str]:
    labels = dict(obj["metadata"].get("labels") or {})
    labels.update(dict(decision.labels))
    labels.update(phase_labels(decision.status.phase))
    return labels


def failure_message(exc: Exception) -> str:
    """What a workflow's (or pod's) status says about an exception that ended it: the
    message of our own errors, and the type too of anything else (a bug, logged once
    with its traceback, which the status cannot hold)."""
    if isinstance(exc, WorkflowEngineError):
        return str(exc)
    log.error("unexpected error, ending the workflow", exc_info=exc)
    return f"internal error: {type(exc).__name__}: {exc}"


def _given_up(wf: Workflow, now: datetime, message: str) -> Decision:
    """`error_decision`, but a workflow that ended already keeps its status (no new
    finish time, message or event): once is enough."""
    if wf.status is not None and is_completed_phase(wf.status.phase):
        return Decision(status=wf.status)
    return error_decision(wf, now, message)
