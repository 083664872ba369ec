"""`wf logs`: the lines of a workflow's pods, one stream, each line prefixed with its
node's display name.

Sits between the CLI and the runtime's log files. The controller process owns the pods,
but their logs are files under the runtime's state directory, so any process can read
them (`FileLogs`); tests may pass any object with the Runtime port's `logs` signature.
With `follow`, pods that start later join the stream, which ends when the workflow is
completed and every pod's log is drained.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from workflow_engine.controller.names import is_completed
from workflow_engine.controller.operations import expand_nodes, get_workflow
from workflow_engine.engine.naming import pod_name
from workflow_engine.errors import NotFound
from workflow_engine.runtime.process.logs import read_log
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import WORKFLOW_KIND


class LogSource(Protocol):
    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class LogLine:
    prefix: str  # the node's display name
    pod: str
    text: str  # without the newline
    notice: bool = False  # not the pod's output: a word about it (its logs are gone)


def gone_notice(ref: PodRef) -> LogLine:
    """What `wf logs` says of a finished node whose pod no longer exists (deleted by
    podGC, or by hand): its logs went with it; this is not an error."""
    text = f"pod {ref.pod} no longer exists (deleted after it ended, e.g. by podGC): no logs"
    return LogLine(ref.display_name, ref.pod, text, notice=True)


@dataclass(frozen=True)
class PodRef:
    pod: str
    node_id: str
    display_name: str
    started_at: str
    fulfilled: bool
    container: str | None = None  # a containerSet member's node: its container's log
    aliases: tuple[str, ...] = ()  # more names `wf logs` may select it by


class FileLogs:
    """Reads the process runtime's log files (`<runtime>/pods/<ns>/<pod>/logs/<c>.log`)
    from any process; `finished(pod)` says when following can stop."""

    def __init__(self, runtime_dir: Path, finished: Callable[[str], bool]) -> None:
        self._dir = runtime_dir
        self._finished = finished

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]:
        pod_dir = self._dir / "pods" / namespace / name
        if not pod_dir.exists() and (not follow or self._finished(name)):
            raise NotFound(f"no logs for pod {name!r}")
        return read_log(
            pod_dir / "logs" / f"{container}.log",
            timestamps=timestamps,
            since=since,
            follow=follow,
            finished=lambda: self._finished(name),
            wait=time.sleep,
        )


def pod_refs(obj: Obj, selector: str | None = None) -> list[PodRef]:
    """The workflow's pod nodes (those `selector` names: node id, name, display name or
    pod name), in start order. A containerSet's members are nodes of their own (type
    Container, each its container's log); its pod node, whose log is its `main`
    container's, is listed only when `selector` names it."""
    refs = _refs(obj)
    if selector:
        return [r for r in refs if selector in _names(r)]
    sets = {r.pod for r in refs if r.container is not None}
    return [r for r in refs if r.container is not None or r.pod not in sets]


def _names(ref: PodRef) -> set[str]:
    return {ref.node_id, ref.display_name, *ref.aliases}


def _refs(obj: Obj) -> list[PodRef]:
    wf_name = obj["metadata"]["name"]
    nodes = (obj.get("status") or {}).get("nodes") or {}
    refs: list[PodRef] = []
    for node_id, node in nodes.items():
        kind = node.get("type")
        owner = nodes.get(node.get("boundaryID") or "") if kind == "Container" else node
        if kind not in ("Pod", "Container") or not owner:
            continue
        template = owner.get("templateName") or (owner.get("templateRef") or {}).get("template")
        owner_id = node_id if kind == "Pod" else node.get("boundaryID")
        pod = pod_name(wf_name, owner["name"], template, owner_id)
        container = node["name"][len(owner["name"]) + 1 :] if kind == "Container" else None
        refs.append(
            PodRef(
                pod=pod,
                node_id=node_id,
                display_name=node.get("displayName") or node["name"],
                started_at=node.get("startedAt") or "",
                fulfilled=node.get("phase")
                in ("Succeeded", "Failed", "Error", "Skipped", "Omitted"),
                container=container,
                aliases=(node["name"], pod) if container is None else (node["name"],),
            )
        )
    return sorted(refs, key=lambda r: (r.started_at, r.display_name))


def finished_pods(store: Store, name: str, namespace: str) -> Callable[[str], bool]:
    """A `finished(pod)` for FileLogs: true once the pod's node is fulfilled (or gone)."""

    def finished(pod: str) -> bool:
        try:
            obj = expand_nodes(store.get(WORKFLOW_KIND, name, namespace))
        except NotFound:
            return True
        refs = {r.pod: r for r in _refs(obj) if r.container is None}
        return pod not in refs or refs[pod].fulfilled or is_completed(obj)

    return finished


def _lines(
    source: LogSource,
    ref: PodRef,
    namespace: str,
    container: str,
    follow: bool,
    timestamps: bool,
    since: datetime | None,
    notices: bool = False,
) -> Iterator[LogLine]:
    try:
        own = ref.container or container
        for raw in source.logs(ref.pod, namespace, own, follow, timestamps, since):
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            yield LogLine(ref.display_name, ref.pod, text)
    except NotFound:
        if notices and ref.fulfilled:
            yield gone_notice(ref)


def workflow_logs(
    store: Store,
    source: LogSource,
    name: str,
    namespace: str = "default",
    *,
    selector: str | None = None,
    container: str = "main",
    follow: bool = False,
    since: datetime | None = None,
    grep: str | None = None,
    timestamps: bool = False,
    poll: float = 0.5,
    notices: bool = False,
) -> Iterator[LogLine]:
    """The lines of the workflow's pods; with `notices`, a `notice` line for each
    finished node whose pod is gone (so a caller can say so instead of nothing)."""
    obj = get_workflow(store, name, namespace)
    name = obj["metadata"]["name"]
    pattern = re.compile(grep) if grep else None
    stream = (
        _follow_all(
            store, source, obj, namespace, selector, container, timestamps, since, poll, notices
        )
        if follow
        else (
            line
            for ref in pod_refs(obj, selector)
            for line in _lines(source, ref, namespace, container, False, timestamps, since, notices)
        )
    )
    for line in stream:
        if line.notice or pattern is None or pattern.search(line.text):
            yield line


def _follow_all(
    store: Store,
    source: LogSource,
    obj: Obj,
    namespace: str,
    selector: str | None,
    container: str,
    timestamps: bool,
    since: datetime | None,
    poll: float,
    notices: bool,
) -> Iterator[LogLine]:
    lines: queue.Queue[LogLine | None] = queue.Queue()
    started: set[tuple[str, str | None]] = set()
    running = [0]
    lock = threading.Lock()

    def pump(ref: PodRef) -> None:
        try:
            for line in _lines(source, ref, namespace, container, True, timestamps, since, notices):
                lines.put(line)
        finally:
            with lock:
                running[0] -= 1
            lines.put(None)

    name = obj["metadata"]["name"]
    while True:
        for ref in pod_refs(obj, selector):
            if (ref.pod, ref.container) not in started:
                started.add((ref.pod, ref.container))
                with lock:
                    running[0] += 1
                threading.Thread(target=pump, args=(ref,), daemon=True).start()
        done = is_completed(obj)
        deadline = time.monotonic() + poll
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                item = lines.get(timeout=remaining)
            except queue.Empty:
                break
            if item is not None:
                yield item
        with lock:
            idle = running[0] == 0
        if done and idle and lines.empty():
            return
        try:
            obj = expand_nodes(store.get(WORKFLOW_KIND, name, namespace))
        except NotFound:
            return
