"""The controller's in-memory view of pods and TaskResults, grouped by workflow.

Fed by the runtime (`PodIndex.refresh` with each `observe()`) and by the store's
TaskResult watch (`ResultIndex.apply`); read by the reconciler to build `Observed`
without asking the runtime or the store again. Each workflow's entry carries a version
that moves when anything in it changes, so a reconcile can tell when nothing did.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from workflow_engine.controller.observe import pod_state, task_result
from workflow_engine.engine.observed import PodState, TaskResult
from workflow_engine.runtime.base import PodChanges, PodObservation
from workflow_engine.vocabulary import NODE_ID_ANNOTATION, WORKFLOW_LABEL, WORKFLOW_UID_LABEL

WorkflowKey = tuple[str, str]  # (namespace, name)
ACTIVE_POD_PHASES = frozenset({"Pending", "Running", "Unknown"})
ENDED_POD_PHASES = frozenset({"Succeeded", "Failed"})


class PodNews(NamedTuple):
    """The workflows whose pods changed in one refresh, by how soon they want a
    reconcile: `urgent` (a pod ended or vanished: the next step waits on it), `lazy`
    (a pod started: it shows as Running a little later) and `details` (only what a
    pod that is still Pending, or still Running, shows changed: its message, its node,
    its IP; each is a status write on a cluster, so they wait for the pod's next real
    change, or a while). A workflow is in one set only, the most urgent."""

    urgent: set[WorkflowKey]
    lazy: set[WorkflowKey]
    details: set[WorkflowKey]


class PodIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._raw: dict[tuple[str, str], PodObservation] = {}
        self._owner: dict[tuple[str, str], WorkflowKey] = {}
        self._by_wf: dict[WorkflowKey, dict[str, PodState]] = {}
        self._versions: dict[WorkflowKey, int] = {}
        # moves with `_versions` but for details (PodNews.details), which instead note
        # when the first of them came (`details_since`) until the next reconcile
        self._news: dict[WorkflowKey, int] = {}
        self._details_at: dict[WorkflowKey, float] = {}
        self._node_ids: dict[tuple[str, str], str] = {}  # (namespace, pod) -> node id
        # ended pods' node ids, until the reconciler has their TaskResults (`resolved`)
        self._ended: dict[WorkflowKey, dict[str, str]] = {}
        # each workflow's pods still Pending, Running or Unknown (the engine's
        # `Observed.active`: no reconcile passes over every pod a workflow ran)
        self._active: dict[WorkflowKey, dict[str, PodState]] = {}
        self._deleting: set[tuple[str, str]] = set()  # removed on purpose, not yet gone
        # (namespace, workflow label) -> workflow uid label -> names of the pods observed
        # with both labels: `foreign` looks at other uids' pods, not at every pod
        self._uids: dict[WorkflowKey, dict[str, set[str]]] = {}

    def refresh(self, pods: Iterable[PodObservation]) -> set[WorkflowKey]:
        """Take a full observation; return the workflows whose pods changed."""
        news = self.refresh_split(pods)
        return news.urgent | news.lazy | news.details

    def refresh_split(self, pods: Iterable[PodObservation], now: float = 0.0) -> PodNews:
        """Take a full observation; return the workflows whose pods changed, split by
        how urgent the change is (PodNews). Runs on every runtime wake-up over every
        pod, so the common case (the very same, finished, observation as last time)
        costs one lookup. `now` (the loop clock's monotonic time) dates details."""
        pods = pods if isinstance(pods, list) else list(pods)
        changed: set[WorkflowKey] = set()
        urgent: set[WorkflowKey] = set()
        lazy: set[WorkflowKey] = set()
        with self._lock:
            before = len(self._raw)
            kept = 0  # observed pods that were known before this call
            raw = self._raw
            for pod in pods:
                if raw.get((pod.namespace, pod.name)) is pod:  # the common case, inline
                    kept += 1
                    continue
                kept += self._file(pod, changed, urgent, lazy)
            if kept < before:
                seen = {(p.namespace, p.name) for p in pods}
                self._drop([k for k in self._raw if k not in seen], changed, urgent)
            return self._sorted(changed, urgent, lazy, now)

    def refresh_changes(self, changes: PodChanges, now: float = 0.0) -> PodNews:
        """As `refresh_split`, from an incremental observation (a runtime's PodFeed):
        the pods that may have changed and those gone, so the cost is what changed."""
        changed: set[WorkflowKey] = set()
        urgent: set[WorkflowKey] = set()
        lazy: set[WorkflowKey] = set()
        with self._lock:
            self._drop([k for k in changes.gone if k in self._raw], changed, urgent)
            for pod in changes.changed:
                self._file(pod, changed, urgent, lazy)
            return self._sorted(changed, urgent, lazy, now)

    def _sorted(
        self,
        changed: set[WorkflowKey],
        urgent: set[WorkflowKey],
        lazy: set[WorkflowKey],
        now: float,
    ) -> PodNews:
        """Move the changed workflows' versions (lock held); what the refresh found."""
        lazy = lazy - urgent
        details = changed - urgent - lazy
        for wf in changed:
            self._bump(wf, news=wf not in details)
        for wf in details:
            self._details_at.setdefault(wf, now)
        return PodNews(urgent, lazy, details)

    def _bump(self, wf: WorkflowKey, news: bool = True) -> None:
        """(lock held)"""
        self._versions[wf] = self._versions.get(wf, 0) + 1
        if news:
            self._news[wf] = self._news.get(wf, 0) + 1

    def _file(
        self,
        pod: PodObservation,
        changed: set[WorkflowKey],
        urgent: set[WorkflowKey],
        lazy: set[WorkflowKey],
    ) -> bool:
        """Take one observation (lock held); returns whether the pod was known. A
        changed workflow goes into `urgent` when the pod ended, into `lazy` when its
        phase moved otherwise, and only into `changed` when just its details did."""
        key = (pod.namespace, pod.name)
        old = self._raw.get(key)
        if old is pod:
            return True
        self._raw[key] = pod
        if old == pod:
            return True
        if old is not None:
            self._unfile_uid(old)
        self._file_uid(pod)
        taken = self._take(key, pod)
        if taken is not None:
            wf, moved = taken
            changed.add(wf)
            if pod.phase not in ACTIVE_POD_PHASES:
                urgent.add(wf)
            elif moved:
                lazy.add(wf)
        return old is not None

    def _take(self, key: tuple[str, str], pod: PodObservation) -> tuple[WorkflowKey, bool] | None:
        """File a changed observation under its workflow (lock held); the workflow
        when what the engine sees of the pod changed, and whether more than its
        details did (its phase, or a containerSet's containers)."""
        owner = pod.labels.get(WORKFLOW_LABEL)
        if owner is None or key in self._deleting:
            return None
        wf = (pod.namespace, owner)
        self._owner[key] = wf
        node_id = pod.annotations.get(NODE_ID_ANNOTATION)
        if node_id:
            self._node_ids[key] = node_id
        states = self._by_wf.setdefault(wf, {})
        state = pod_state(pod)
        before = states.get(pod.name)
        if before == state:
            return None  # e.g. Pending, as noted when it was created
        moved = (
            before is None or before.phase != state.phase or before.containers != state.containers
        )
        states[pod.name] = state
        self._note_active(wf, state)
        ended = self._ended.setdefault(wf, {})
        node = self._node_ids.get(key)
        if state.phase in ENDED_POD_PHASES and node is not None:
            ended[pod.name] = node
        else:
            ended.pop(pod.name, None)
        return wf, moved

    def _drop(
        self, keys: list[tuple[str, str]], changed: set[WorkflowKey], urgent: set[WorkflowKey]
    ) -> None:
        """Pods the runtime no longer has (lock held)."""
        for key in keys:
            self._unfile_uid(self._raw.pop(key))
            self._deleting.discard(key)
            self._node_ids.pop(key, None)
            wf_key = self._owner.pop(key, None)
            if wf_key is not None:
                self._by_wf.get(wf_key, {}).pop(key[1], None)
                self._active.get(wf_key, {}).pop(key[1], None)
                self._ended.get(wf_key, {}).pop(key[1], None)
                changed.add(wf_key)
                urgent.add(wf_key)

    def _note_active(self, wf: WorkflowKey, state: PodState) -> None:
        """Keep `_active` in step with a pod's new state (lock held)."""
        if state.phase in ACTIVE_POD_PHASES:
            self._active.setdefault(wf, {})[state.name] = state
        else:
            self._active.get(wf, {}).pop(state.name, None)

    def finished(self, wf: WorkflowKey) -> list[tuple[str, str]]:
        """(pod name, node id) of the workflow's ended pods (kept as they end) whose
        TaskResults were not reported `resolved`."""
        with self._lock:
            return list(self._ended.get(wf, {}).items())

    def resolved(self, wf: WorkflowKey, pod_names: Iterable[str]) -> None:
        """These ended pods' TaskResults are in hand: `finished` lists them no more."""
        with self._lock:
            ended = self._ended.get(wf)
            if ended is not None:
                for name in pod_names:
                    ended.pop(name, None)

    def active(self, wf: WorkflowKey) -> dict[str, PodState]:
        """The workflow's pods still Pending, Running or Unknown."""
        with self._lock:
            return dict(self._active.get(wf, {}))

    def note_created(self, wf: WorkflowKey, pod_name: str, node_id: str) -> bool:
        """A pod was just created: until the runtime reports it, show it Pending.
        Returns True when that moved the workflow's version."""
        with self._lock:
            self._node_ids.setdefault((wf[0], pod_name), node_id)
            pods = self._by_wf.setdefault(wf, {})
            if pod_name in pods:
                return False
            pods[pod_name] = PodState(name=pod_name, phase="Pending")
            self._note_active(wf, pods[pod_name])
            self._bump(wf)
            return True

    def note_failed(
        self, wf: WorkflowKey, pod_name: str, node_id: str, reason: str, message: str
    ) -> None:
        """A pod could not be created: show it Failed with the cause (no runtime will
        ever report it), so the engine ends its node. Moves the workflow's version."""
        with self._lock:
            self._node_ids[(wf[0], pod_name)] = node_id
            self._by_wf.setdefault(wf, {})[pod_name] = PodState(
                name=pod_name, phase="Failed", reason=reason, message=message
            )
            self._active.get(wf, {}).pop(pod_name, None)
            self._ended.setdefault(wf, {})[pod_name] = node_id
            self._bump(wf)

    def remove(self, wf: WorkflowKey, pod_name: str) -> None:
        """A pod was deleted on purpose: the workflow stops seeing it now. Its name
        stays taken (see `deleting`) until the runtime reports it gone, which then
        counts as news for the workflow."""
        key = (wf[0], pod_name)
        with self._lock:
            if key in self._raw:
                self._deleting.add(key)
            self._node_ids.pop(key, None)
            self._ended.get(wf, {}).pop(pod_name, None)
            self._active.get(wf, {}).pop(pod_name, None)
            if self._by_wf.get(wf, {}).pop(pod_name, None) is not None:
                self._bump(wf)

    def deleting(self, namespace: str, pod_name: str) -> bool:
        """Is this pod name still held by a pod deleted on purpose? Creating it now
        would be a no-op (the runtime still has the old pod)."""
        with self._lock:
            return (namespace, pod_name) in self._deleting

    def foreign(self, wf: WorkflowKey, uid: str | None) -> set[str]:
        """The workflow's pods (by name) labelled with another workflow uid: left by a
        deleted workflow of the same name. Unlabelled pods count as the workflow's."""
        if not uid:
            return set()
        with self._lock:
            by_uid = self._uids.get(wf)
            if not by_uid or (len(by_uid) == 1 and uid in by_uid):
                return set()
            names = self._by_wf.get(wf, {})
            return {
                name
                for other, pods in by_uid.items()
                if other != uid
                for name in pods
                if name in names and self._uid((wf[0], name)) not in (None, uid)
            }

    def _file_uid(self, pod: PodObservation) -> None:
        owner, uid = pod.labels.get(WORKFLOW_LABEL), pod.labels.get(WORKFLOW_UID_LABEL)
        if owner is not None and uid is not None:
            by_uid = self._uids.setdefault((pod.namespace, owner), {})
            by_uid.setdefault(uid, set()).add(pod.name)

    def _unfile_uid(self, pod: PodObservation) -> None:
        owner, uid = pod.labels.get(WORKFLOW_LABEL), pod.labels.get(WORKFLOW_UID_LABEL)
        if owner is None or uid is None:
            return
        by_uid = self._uids.get((pod.namespace, owner))
        names = by_uid.get(uid) if by_uid is not None else None
        if by_uid is None or names is None:
            return
        names.discard(pod.name)
        if not names:
            del by_uid[uid]
            if not by_uid:
                del self._uids[(pod.namespace, owner)]

    def owned_by_other(self, namespace: str, pod_name: str, uid: str | None) -> bool:
        """Is this pod name taken, in the runtime, by another workflow uid's pod?"""
        with self._lock:
            return bool(uid) and self._uid((namespace, pod_name)) not in (None, uid)

    def _uid(self, key: tuple[str, str]) -> str | None:
        pod = self._raw.get(key)
        return None if pod is None else pod.labels.get(WORKFLOW_UID_LABEL)

    def node_id(self, namespace: str, pod_name: str) -> str | None:
        with self._lock:
            return self._node_ids.get((namespace, pod_name))

    def pods(self, wf: WorkflowKey) -> dict[str, PodState]:
        with self._lock:
            return dict(self._by_wf.get(wf, {}))

    def version(self, wf: WorkflowKey) -> int:
        with self._lock:
            return self._versions.get(wf, 0)

    def news_version(self, wf: WorkflowKey) -> int:
        """As `version`, but details (PodNews.details) do not move it."""
        with self._lock:
            return self._news.get(wf, 0)

    def details_since(self, wf: WorkflowKey) -> float | None:
        """When the first detail change not yet `taking_details` came, if any."""
        with self._lock:
            return self._details_at.get(wf)

    def taking_details(self, wf: WorkflowKey) -> None:
        """A reconcile is about to look at the workflow's pods: their details with them."""
        with self._lock:
            self._details_at.pop(wf, None)

    def workflows(self) -> set[WorkflowKey]:
        with self._lock:
            return {wf for wf, pods in self._by_wf.items() if pods}

    def active_count(self) -> int:
        with self._lock:
            return sum(len(pods) for pods in self._active.values())

    def forget(self, wf: WorkflowKey) -> None:
        with self._lock:
            self._ended.pop(wf, None)
            self._active.pop(wf, None)
            for pod_name in self._by_wf.pop(wf, {}):
                self._node_ids.pop((wf[0], pod_name), None)
            self._details_at.pop(wf, None)
            self._bump(wf)


class ResultIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_wf: dict[WorkflowKey, dict[str, TaskResult]] = {}
        self._owner: dict[tuple[str, str], WorkflowKey] = {}
        self._versions: dict[WorkflowKey, int] = {}

    def apply(self, event_type: str, obj: Mapping[str, Any]) -> WorkflowKey | None:
        """One store change of a TaskResult; returns the workflow it belongs to, or None
        when nothing changed (the reconciler often reads a result before its watch event
        arrives: that event must not cost the workflow another reconcile)."""
        meta = obj.get("metadata") or {}
        namespace, name = str(meta.get("namespace") or "default"), str(meta.get("name") or "")
        owner = (meta.get("labels") or {}).get(WORKFLOW_LABEL)
        if not owner:
            return None
        wf = (namespace, str(owner))
        result = None if event_type == "DELETED" else task_result(obj)
        with self._lock:
            results = self._by_wf.setdefault(wf, {})
            if result is None:
                if results.pop(name, None) is None:
                    return None
                self._owner.pop((namespace, name), None)
            else:
                if results.get(name) == result:
                    return None
                results[name] = result
                self._owner[(namespace, name)] = wf
            self._versions[wf] = self._versions.get(wf, 0) + 1
        return wf

    def reset(self, objs: Iterable[Mapping[str, Any]]) -> set[WorkflowKey]:
        """Replace everything with a fresh list (after a re-list); returns all workflows."""
        with self._lock:
            before = set(self._by_wf)
            self._by_wf.clear()
            self._owner.clear()
        touched = set(before)
        for obj in objs:
            wf = self.apply("ADDED", obj)
            if wf is not None:
                touched.add(wf)
        with self._lock:
            for wf in touched:
                self._versions[wf] = self._versions.get(wf, 0) + 1
        return touched

    def results(self, wf: WorkflowKey) -> dict[str, TaskResult]:
        with self._lock:
            return dict(self._by_wf.get(wf, {}))

    def version(self, wf: WorkflowKey) -> int:
        with self._lock:
            return self._versions.get(wf, 0)

    def forget(self, wf: WorkflowKey) -> None:
        with self._lock:
            for node_id in self._by_wf.pop(wf, {}):
                self._owner.pop((wf[0], node_id), None)
            self._versions[wf] = self._versions.get(wf, 0) + 1


class MissingResults:
    """Per workflow, the node ids whose pod ended but whose TaskResult the store did
    not have when asked (the executor wrote none): asked once, not at every reconcile.
    Worker threads share it, so every access holds the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_wf: dict[WorkflowKey, set[str]] = {}

    def __contains__(self, item: tuple[WorkflowKey, str]) -> bool:
        wf, node_id = item
        with self._lock:
            return node_id in self._by_wf.get(wf, ())

    def add(self, wf: WorkflowKey, node_id: str) -> None:
        with self._lock:
            self._by_wf.setdefault(wf, set()).add(node_id)

    def discard(self, wf: WorkflowKey, node_id: str) -> None:
        with self._lock:
            self._by_wf.get(wf, set()).discard(node_id)

    def of(self, wf: WorkflowKey) -> set[str]:
        with self._lock:
            return set(self._by_wf.get(wf, ()))

    def forget(self, wf: WorkflowKey) -> None:
        with self._lock:
            self._by_wf.pop(wf, None)
