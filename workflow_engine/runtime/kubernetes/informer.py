"""A pod informer: the API server's pods, listed then watched, kept in memory.

Part of the Kubernetes runtime (workflow_engine.runtime.kubernetes). One thread lists
the pods (in a namespace or all, optionally by label selector), then watches from the
list's resourceVersion; a watch that ends is resumed from the last version seen
(bookmarks included), a 410 Gone (the version was compacted) lists again, and any other
failure lists again after an exponential backoff. Every change converts the pod once
(convert.observation) and calls the listeners, so `observe()` only copies a dict, and
tells each feed (`feed()`, runtime.base.PodFeed) which pod it was, so a consumer's
wake-up costs the pods that changed since its last take, not a copy of every pod.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from kubernetes import client

from workflow_engine.errors import Expired, WorkflowEngineError
from workflow_engine.runtime.base import PodChanges, PodObservation
from workflow_engine.runtime.kubernetes.client import call, lines, stream
from workflow_engine.runtime.kubernetes.convert import observation

log = logging.getLogger(__name__)
Key = tuple[str, str]  # (namespace, name)


def key_of(pod: Mapping[str, Any]) -> Key:
    meta = pod.get("metadata") or {}
    return (str(meta.get("namespace") or "default"), str(meta.get("name")))


def selects(selector: str, labels: Mapping[str, str]) -> bool:
    """Does an equality-based label selector (`a`, `!a`, `a=b`, `a==b`, `a!=b`, joined
    by commas) select these labels? Set-based terms (`in`, `notin`) answer False."""
    for term in (t.strip() for t in selector.split(",") if t.strip()):
        if "!=" in term:
            key, value = (p.strip() for p in term.split("!=", 1))
            ok = labels.get(key) != value
        elif "=" in term:
            key, value = (p.strip() for p in term.replace("==", "=").split("=", 1))
            ok = labels.get(key) == value
        elif term.startswith("!"):
            ok = term[1:].strip() not in labels
        else:
            ok = " " not in term and term in labels
        if not ok:
            return False
    return True


class Backoff:
    """Exponential delays between failed attempts: first, first*2, ... up to `cap`."""

    def __init__(self, first: float = 0.2, cap: float = 5.0) -> None:
        self.first, self.cap, self._next = first, cap, first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first


class InformerFeed:
    """The pods changed and gone since the last `take()`, for one consumer; the
    informer notes each change with its lock held, and `take()` takes that lock."""

    def __init__(self, lock: threading.Condition, pods: dict[Key, Any]) -> None:
        self._lock = lock
        self._pods = pods  # the informer's table (replaced on a re-list: see `relisted`)
        self._changed: set[Key] = set(pods)  # the first take reports every pod
        self._gone: set[Key] = set()

    def changed(self, key: Key) -> None:
        self._changed.add(key)

    def removed(self, key: Key) -> None:
        self._changed.discard(key)
        self._gone.add(key)

    def relisted(self, pods: dict[Key, Any]) -> None:
        """A fresh list replaced the table: pods missing from it are gone, and every
        listed one may have changed."""
        for key in self._pods.keys() - pods.keys():
            self.removed(key)
        self._pods = pods
        self._changed = set(pods)

    def take(self) -> PodChanges:
        with self._lock:
            pods = self._pods
            changed = [pods[key][1] for key in self._changed if key in pods]
            gone, self._gone, self._changed = self._gone, set(), set()
        return PodChanges(changed, gone)


class PodInformer:
    def __init__(
        self,
        core: client.CoreV1Api,
        namespace: str | None,
        label_selector: str | None,
        on_change: Callable[[], None],
        watch_timeout: int = 30,
        backoff: Backoff | None = None,
    ) -> None:
        self._core, self._namespace, self._selector = core, namespace, label_selector
        self._on_change, self._watch_timeout = on_change, watch_timeout
        self._backoff = backoff or Backoff()
        self._lock = threading.Condition()
        self._pods: dict[Key, tuple[dict[str, Any], PodObservation]] = {}
        self._feeds: list[InformerFeed] = []
        self._synced = threading.Event()
        self._stop = threading.Event()
        self._response: Any = None
        self._thread = threading.Thread(target=self._run, name="wf-k8s-pods", daemon=True)
        self.relists = 0

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def wait_synced(self, timeout: float) -> bool:
        return self._synced.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        response = self._response
        if response is not None:
            getattr(response, "shutdown", response.close)()  # unblocks the watch thread
        self._thread.join(timeout)

    # -- reading ------------------------------------------------------------------------

    def observations(self) -> list[PodObservation]:
        with self._lock:
            return [obs for _, obs in self._pods.values()]

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._pods.get((namespace, name))
        return found[0] if found else None

    def put(self, pod: dict[str, Any]) -> None:
        """A pod we just created, known before its watch event arrives (never replaces
        what the watch already delivered; ignored when outside the selector)."""
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if self._selector and not selects(self._selector, labels):
            return
        if self._namespace is not None and key_of(pod)[0] != self._namespace:
            return
        with self._lock:
            key = key_of(pod)
            if key not in self._pods:
                self._pods[key] = (pod, observation(pod))
                for feed in self._feeds:
                    feed.changed(key)
                self._lock.notify_all()

    def feed(self) -> InformerFeed:
        """A new consumer's incremental view of the pods (runtime.base.PodFeed)."""
        with self._lock:
            feed = InformerFeed(self._lock, self._pods)
            self._feeds.append(feed)
        return feed

    def wait_change(self, timeout: float) -> None:
        """Block until the next change of any pod (or `timeout`)."""
        with self._lock:
            self._lock.wait(timeout)

    # -- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                version = self._list()
                self._backoff.reset()
                while not self._stop.is_set():
                    version = self._watch(version)
            except Expired:
                continue  # the version was compacted away: list again at once
            except Exception as exc:  # whatever broke, the informer must go on
                if self._stop.is_set():
                    return
                delay = self._backoff.next()
                if isinstance(exc, (WorkflowEngineError, ValueError, KeyError)):
                    log.warning("pod informer: %s; listing again in %.1fs", exc, delay)
                else:
                    log.exception("pod informer failed; listing again in %.1fs", delay)
                self._stop.wait(delay)

    def _scope(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if self._selector:
            kwargs["label_selector"] = self._selector
        if self._namespace is None:
            return self._core.list_pod_for_all_namespaces, (), kwargs
        return self._core.list_namespaced_pod, (self._namespace,), kwargs

    def _list(self) -> str:
        fn, args, kwargs = self._scope()
        listed = call(fn, *args, **kwargs)
        pods = {}
        for item in listed.get("items") or []:
            item.setdefault("apiVersion", "v1")
            item.setdefault("kind", "Pod")
            pods[key_of(item)] = (item, observation(item))
        with self._lock:
            self._pods = pods
            for feed in self._feeds:
                feed.relisted(pods)
            self._lock.notify_all()
        self.relists += 1
        self._synced.set()
        self._on_change()
        return str(listed["metadata"]["resourceVersion"])

    def _watch(self, version: str) -> str:
        """Watch from `version` until the server ends the watch; returns the last
        version seen."""
        fn, args, kwargs = self._scope()
        response = stream(
            fn,
            *args,
            watch=True,
            resource_version=version,
            allow_watch_bookmarks=True,
            timeout_seconds=self._watch_timeout,
            _request_timeout=(10, self._watch_timeout + 30),
            **kwargs,
        )
        self._response = response
        try:
            for line in lines(response):
                if self._stop.is_set():
                    break
                if line.strip():
                    version = self._apply(json.loads(line)) or version
        finally:
            self._response = None
        return version

    def _apply(self, event: Mapping[str, Any]) -> str | None:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise Expired(str(obj.get("message") or "resource version too old"))
            raise WorkflowEngineError(f"watch error: {obj.get('message') or obj}")
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if kind == "BOOKMARK":
            return str(version) if version else None
        key = key_of(obj)
        with self._lock:
            if kind == "DELETED":
                if self._pods.pop(key, None) is not None:
                    for feed in self._feeds:
                        feed.removed(key)
            elif kind in ("ADDED", "MODIFIED"):
                self._pods[key] = (obj, observation(obj))
                for feed in self._feeds:
                    feed.changed(key)
            self._lock.notify_all()
        self._on_change()
        return str(version) if version else None
