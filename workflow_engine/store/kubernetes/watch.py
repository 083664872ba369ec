"""Following a Kubernetes watch as the Store port's `watch` promises.

Under `KubernetesStore.watch`. The API server ends a watch when it likes (its
`timeoutSeconds`, a restart, a dropped connection); the port's watch ends only after
`idle` seconds without a change. So this loop reconnects from the last
resourceVersion it saw (kept fresh by bookmarks, which the server sends while
nothing changes) with backoff on transient errors, until the idle deadline passes.
A 410 Gone (the version was compacted) is raised as `Expired`: the caller lists
again and watches from the list's version.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import urllib3

from workflow_engine.errors import Expired, TransientError
from workflow_engine.store.base import WatchEvent, WatchEventType
from workflow_engine.store.kubernetes.client import Http
from workflow_engine.store.kubernetes.errors import error_for
from workflow_engine.store.kubernetes.kinds import Resource

_CONNECT_TIMEOUT = 10.0
_BACKOFF_FIRST = 0.1
_BACKOFF_MAX = 5.0

_EVENT_TYPES: dict[str, WatchEventType] = {
    "ADDED": "ADDED",
    "MODIFIED": "MODIFIED",
    "DELETED": "DELETED",
}

Clean = Callable[[dict[str, Any]], dict[str, Any]]


def follow(
    http: Http,
    resource: Resource,
    namespace: str | None,
    resource_version: str,
    idle: float,
    clean: Clean,
) -> Iterator[WatchEvent]:
    """Every change after `resource_version`, until `idle` seconds pass without one."""
    what = f"watch {resource.kind}"
    version = resource_version
    deadline = time.monotonic() + idle
    backoff = _BACKOFF_FIRST
    while (remaining := deadline - time.monotonic()) > 0:
        query = [
            ("watch", "1"),
            ("resourceVersion", version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(max(1, math.ceil(remaining)))),
        ]
        try:
            response = http.open(
                "GET",
                resource.collection(namespace),
                what,
                query=query,
                timeout=(_CONNECT_TIMEOUT, remaining),
            )
        except TransientError:
            time.sleep(min(backoff, max(0.0, deadline - time.monotonic())))
            backoff = min(backoff * 2, _BACKOFF_MAX)
            continue
        try:
            for kind, obj in _lines(response, what):
                version = obj.get("metadata", {}).get("resourceVersion") or version
                backoff = _BACKOFF_FIRST
                event_type = _EVENT_TYPES.get(kind)
                if event_type is not None:
                    yield WatchEvent(type=event_type, object=clean(obj))
                    deadline = time.monotonic() + idle
        except TransientError:
            time.sleep(min(backoff, max(0.0, deadline - time.monotonic())))
            backoff = min(backoff * 2, _BACKOFF_MAX)
        finally:
            response.close()
            response.release_conn()


def _lines(response: urllib3.HTTPResponse, what: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event type, object) per line of a watch stream; a read timeout ends it quietly."""
    pending = b""
    try:
        for chunk in response.stream(64 * 1024, decode_content=True):
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.strip():
                    yield _event(json.loads(line), what)
    except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ProtocolError) as err:
        if isinstance(err, urllib3.exceptions.ReadTimeoutError) or "timed out" in str(err):
            return
        raise TransientError(f"{what}: stream broken: {err}") from err


def _event(data: dict[str, Any], what: str) -> tuple[str, dict[str, Any]]:
    kind = str(data.get("type") or "")
    obj = data.get("object") or {}
    if kind == "ERROR":
        code = int(obj.get("code") or 500)
        error = error_for(code, obj, what)
        if isinstance(error, Expired):
            raise error
        raise TransientError(str(error))
    return kind, obj
