"""The controller loop: event sources -> work queue -> reconcile workers.

Sits at the top of the controller room. Three kinds of sources mark workflows dirty:
the store's watch of Workflows (from a resourceVersion; on `Expired` it lists again),
the store's watch of TaskResults, and the runtime's listener (per wake-up, the pods
that changed, from the runtime's `pod_feed()` when it has one, else one `observe()`
diffed against the last; a full `observe()` at each resync either way), so a burst of
pod changes costs one observation and one reconcile per affected workflow. No fixed
delay stands between a pod's end and the reconcile that starts the next step: changes
are only held while a reconcile is in flight (it could not take them before it ends),
then drained together. Pod starts and TaskResults the reconcile already read only
refresh what is shown, so they wait for a batch. Requeue timers run on the injected
clock.

Restart-safe: `start()` lists every workflow, TaskResult and pod before the first
reconcile, and every unfinished workflow is reconciled once, which rebuilds all state
from the store and the runtime.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from workflow_engine.controller.cache import is_completed, key_of
from workflow_engine.controller.clock import Clock
from workflow_engine.controller.indexes import PodIndex, ResultIndex, WorkflowKey
from workflow_engine.controller.queue import ShutDown, WorkQueue
from workflow_engine.controller.reconcile import Reconciler
from workflow_engine.errors import Expired
from workflow_engine.runtime.base import PodFeed
from workflow_engine.spec.status_codec import decompress_nodes
from workflow_engine.store.base import ObjectList, WatchEvent
from workflow_engine.vocabulary import TASK_RESULT_KIND, WORKFLOW_KIND

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoopOptions:
    workers: int = 3
    namespace: str | None = None  # None: every namespace
    watch_timeout: float = 5.0
    resync_seconds: float = 10.0  # observe pods at least this often, listener or not
    error_backoff: float = 1.0
    # Changes the next step does not wait on are batched: a pod that only started shows
    # as Running this much later (unless something else wakes the workflow first), and a
    # TaskResult is read by the reconcile its pod's end triggers (this is the fallback).
    started_delay: float = 0.25
    # A pod's changes that leave its phase as it was (scheduled, initializing, its IP)
    # wait this long, or for its next real change (Running, its end). On a cluster each
    # would be a status write of its own, so kube.py waits longer (DETAILS_DELAY).
    details_delay: float = 0.25
    result_delay: float = 0.25
    # Pod changes wait at most this long for a reconcile in flight to end before they
    # are observed (when other workflows keep the workers busy).
    max_observe_gap: float = 0.02
    cooldown_factor: float = 1.0


class Companion(Protocol):
    """Something that runs beside the workflow loop (the cron loop, triggers): started
    after it, stopped with it, told of every workflow change, and keeping the
    controller from its idle exit while `busy()`."""

    def start(self) -> None: ...

    def signal_stop(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...

    def busy(self) -> bool: ...

    def on_workflow(self, obj: dict[str, Any]) -> None: ...


class Controller:
    def __init__(
        self, reconciler: Reconciler, clock: Clock, options: LoopOptions | None = None
    ) -> None:
        self.reconciler = reconciler
        self.clock = clock
        self.options = options or LoopOptions()
        self.queue: WorkQueue[WorkflowKey] = WorkQueue(clock)
        self._stop = threading.Event()
        self._pods_dirty = threading.Event()
        self._pod_feed: PodFeed | None = None
        self._threads: list[threading.Thread] = []
        self._started = threading.Event()
        self.reconciles = 0
        # The store version up to which the workflow watch has offered every change to
        # the cache: what the idle exit may safely say it has seen.
        self.workflows_version = 0
        self.companions: list[Companion] = []
        # Told of every reconcile: its seconds and what it raised (None: it went well).
        self.reconcile_hooks: list[Callable[[float, Exception | None], None]] = []
        reconciler.on_release = self.queue.add  # waiters of a released lock
        reconciler.details_delay = self.options.details_delay

    @property
    def pods(self) -> PodIndex:
        return self.reconciler.pods

    @property
    def results(self) -> ResultIndex:
        return self.reconciler.results

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """List everything, queue unfinished workflows, then start the threads."""
        store = self.reconciler.store
        ns = self.options.namespace
        results = store.list(TASK_RESULT_KIND, ns)
        self.results.reset(results.items)
        # made before the first full observation, so no change falls between the two
        make_feed = getattr(self.reconciler.runtime, "pod_feed", None)
        self._pod_feed = make_feed() if make_feed is not None else None
        self.pods.refresh(self.reconciler.runtime.observe())
        workflows = store.list(WORKFLOW_KIND, ns)
        self.reconciler.locks.rebuild(workflows.items)  # who holds and waits, from statuses
        self._adopt(workflows)
        self.workflows_version = int(workflows.resource_version)
        self.reconciler.runtime.add_listener(self._pods_dirty.set)
        self._spawn("wf-watch", lambda: self._watch_workflows(str(self.workflows_version)))
        self._spawn("wf-results", lambda: self._watch_results(results.resource_version))
        self._spawn("wf-pods", self._sync_pods)
        for index in range(self.options.workers):
            self._spawn(f"wf-worker-{index}", self._work)
        for companion in self.companions:
            companion.start()
        self._started.set()

    def signal_stop(self) -> None:
        """Ask every thread to end; watches end at their next event, timeout or when
        the store is closed."""
        self._stop.set()
        self._pods_dirty.set()
        self.queue.shut_down()
        for companion in self.companions:
            companion.signal_stop()

    def stop(self, timeout: float = 10.0) -> None:
        self.signal_stop()
        for thread in self._threads:
            thread.join(timeout)
        for companion in self.companions:
            companion.stop(timeout)

    def is_idle(self) -> bool:
        """Nothing to do: no queued work, no timer, no live pod, no workflow that can
        move without a person (suspended ones wait for `wf resume`), no companion
        (cron, triggers) with a schedule to keep."""
        if any(companion.busy() for companion in self.companions):
            return False
        if self.queue.busy() or self.queue.pending_timers() or self.pods.active_count():
            return False
        return all(
            is_completed(obj) or waits_for_user(obj) for obj in self.reconciler.cache.objects()
        )

    def idle_version(self) -> int | None:
        """The store version whose workflows are all accounted for, when idle (None
        when busy). Read before looking, so a change the watch processes meanwhile is
        newer than the version returned, and a change processed before is in the cache
        the idleness was judged on."""
        version = self.workflows_version
        return version if self.is_idle() else None

    def run_until(self, done: Callable[[], bool], poll: float = 0.2) -> None:
        """Block until `done()` or stop(); used by `wf controller` and the idle exit."""
        while not self._stop.is_set() and not done():
            self._stop.wait(poll)

    # -- sources -----------------------------------------------------------------------

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=self._guard(target), name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _guard(self, target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            while not self._stop.is_set():
                try:
                    target()
                    return
                except ShutDown:
                    return
                except Exception:
                    log.exception("controller thread failed; restarting it")
                    self._stop.wait(self.options.error_backoff)

        return run

    def _adopt(self, listing: ObjectList) -> None:
        keys = []
        for obj in listing.items:
            self.reconciler.cache.offer(obj)
            keys.append(key_of(obj))
        known = set(keys)
        for entry in self.reconciler.cache.snapshot():
            key = key_of(entry.obj)
            if key not in known:
                self.reconciler.cache.drop(key)  # deleted while we were not watching
                keys.append(key)
        for key in self.pods.workflows():
            if key not in known:
                keys.append(key)  # orphaned pods
        self.queue.add_many(keys)

    def _watch_workflows(self, version: str) -> None:
        store, ns = self.reconciler.store, self.options.namespace
        while not self._stop.is_set():
            try:
                for event in store.watch(WORKFLOW_KIND, ns, version, self.options.watch_timeout):
                    version = event.object["metadata"]["resourceVersion"]
                    self._on_workflow(event)
                    self.workflows_version = int(version)
                    if self._stop.is_set():
                        return
            except Expired:
                listing = store.list(WORKFLOW_KIND, ns)
                self._adopt(listing)
                version = listing.resource_version
                self.workflows_version = int(version)

    def _on_workflow(self, event: WatchEvent) -> None:
        key = key_of(event.object)
        for companion in self.companions:
            companion.on_workflow(event.object)
        if event.type == "DELETED":
            self.reconciler.cache.drop(key)
            self.queue.add(key)
        elif self.reconciler.cache.offer(event.object):
            self.queue.add(key)

    def _watch_results(self, version: str) -> None:
        store, ns = self.reconciler.store, self.options.namespace
        while not self._stop.is_set():
            try:
                for event in store.watch(TASK_RESULT_KIND, ns, version, self.options.watch_timeout):
                    version = event.object["metadata"]["resourceVersion"]
                    key = self.results.apply(event.type, event.object)
                    if key is not None and event.type != "DELETED":
                        self.queue.add_after(key, self.options.result_delay)
                    if self._stop.is_set():
                        return
            except Expired:
                listing = store.list(TASK_RESULT_KIND, ns)
                self.queue.add_many(sorted(self.results.reset(listing.items)))
                version = listing.resource_version

    def _sync_pods(self) -> None:
        runtime = self.reconciler.runtime
        while not self._stop.is_set():
            woken = self._pods_dirty.wait(self.options.resync_seconds)
            # A reconcile in flight cannot take new pod changes before it ends: observing
            # now would only mark its workflow dirty again. Observe once it is done (or
            # after a bounded wait, when other workflows keep the workers busy).
            self.queue.wait_quiet(self.options.max_observe_gap)
            self._pods_dirty.clear()
            if self._stop.is_set():
                return
            started = time.perf_counter()
            feed, now = self._pod_feed, self.clock.monotonic()
            if feed is not None and woken:  # what changed; a full pass at each resync
                news = self.pods.refresh_changes(feed.take(), now)
            else:
                news = self.pods.refresh_split(runtime.observe(), now)
            # observe() costs O(all pods): with thousands of pods, spend at most about a
            # third of the time observing, batching the changes that arrive meanwhile.
            pause = min(self.options.max_observe_gap, 2 * (time.perf_counter() - started))
            self.queue.add_many(list(news.urgent))
            for key in news.lazy:
                self.queue.add_after(key, self.options.started_delay)
            for key in news.details:
                self.queue.add_after(key, self.options.details_delay)
            if pause > 0.001:
                self._stop.wait(pause)

    def _work(self) -> None:
        while True:
            key = self.queue.get()
            if key is None:
                continue
            started = time.perf_counter()
            failure: Exception | None = None
            try:
                result = self.reconciler.reconcile(key)
                self.reconciles += 1
                log.debug("reconciled %s/%s: %s", *key, result)
                if result.requeue_after is not None:
                    self.queue.add_after(key, result.requeue_after)
            except Exception as exc:
                failure = exc
                if self._stop.is_set():
                    continue  # shutting down: the store or runtime may be closed already
                log.exception("reconcile of %s/%s failed; retrying", *key)
                self.queue.add_after(key, self.options.error_backoff)
            finally:
                # The workflow rests as long as this reconcile took before the next one
                # (whatever wakes it): a big workflow is reconciled once per batch of
                # changes, not once per pod, and a small one loses next to nothing.
                cost = time.perf_counter() - started
                self.queue.done(key, min(cost * self.options.cooldown_factor, 0.05))
                for hook in self.reconcile_hooks:
                    hook(cost, failure)


def waits_for_user(obj: dict[str, Any]) -> bool:
    """Suspended (spec.suspend, or a suspend step without a duration running): only a
    person's `wf resume` moves it on."""
    if (obj.get("spec") or {}).get("suspend"):
        return True
    status = obj.get("status") or {}
    packed = status.get("compressedNodes")
    nodes = (decompress_nodes(packed) if packed else status.get("nodes") or {}).values()
    return any(n.get("type") == "Suspend" and n.get("phase") == "Running" for n in nodes)


__all__ = ["Companion", "Controller", "LoopOptions"]
