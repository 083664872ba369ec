"""HTTP templates' requests, made by the controller (never a pod), each in a thread of
its own so a slow server never holds a reconcile worker: the engine's `HTTPRequest`
action starts one (once per node while it is in flight), its `HTTPResponse` is kept
until a decision has recorded it, and the workflow is woken when it arrives.

Header values named by `secretKeyRef` are read from the store's Secrets here, at
request time, and never written anywhere. A response body is kept up to
`MAX_BODY_BYTES` (the node's `outputs.result` lives in the workflow's status).
"""

from __future__ import annotations

import logging
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from email.message import Message

from workflow_engine.artifacts import StoreSecrets
from workflow_engine.controller.indexes import WorkflowKey
from workflow_engine.engine.http_io import HTTPRequest, HTTPResponse
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.store.base import Store

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
MAX_PARALLEL = 8  # requests in flight at once, across workflows


def _headers(message: Message) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in message.items():
        out.setdefault(name, []).append(value)
    return out


def perform(store: Store, namespace: str, request: HTTPRequest) -> HTTPResponse:
    """Make `request`; any failure to get a response is the response's `error`."""
    secrets = StoreSecrets(store, namespace)
    headers: dict[str, str] = {}
    try:
        for header in request.headers:
            if header.secret is not None:
                headers[header.name] = secrets.secret(*header.secret)
            else:
                headers[header.name] = header.value or ""
    except WorkflowEngineError as err:
        return HTTPResponse(error=f"http header: {err}")
    outgoing = urllib.request.Request(
        request.url, data=request.body, headers=headers, method=request.method
    )
    context = None
    if request.insecure_skip_verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(
            outgoing, timeout=request.timeout_seconds, context=context
        ) as answer:
            body = answer.read(MAX_BODY_BYTES)
            return HTTPResponse(answer.status, _text(body), _headers(answer.headers))
    except urllib.error.HTTPError as answer:  # a response, with a non-2xx code
        body = answer.read(MAX_BODY_BYTES) if answer.fp is not None else b""
        return HTTPResponse(answer.code, _text(body), _headers(answer.headers))
    except (TimeoutError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return HTTPResponse(error=f"{request.method} {request.url}: {reason}")


def _text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


class HTTPRunner:
    def __init__(self, store: Store, wake: Callable[[WorkflowKey], None]) -> None:
        self._store = store
        self._wake = wake
        self._mutex = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_PARALLEL)
        self._in_flight: set[tuple[WorkflowKey, str]] = set()
        self._done: dict[WorkflowKey, dict[str, HTTPResponse]] = {}
        self._forgotten: set[WorkflowKey] = set()

    def start(self, key: WorkflowKey, request: HTTPRequest) -> None:
        """Make the request in a thread, unless it is in flight or answered already."""
        with self._mutex:
            if (key, request.node_id) in self._in_flight:
                return
            if request.node_id in self._done.get(key, {}):
                return
            self._in_flight.add((key, request.node_id))
            self._forgotten.discard(key)
        name = f"wf-http-{request.node_id}"
        threading.Thread(target=self._run, args=(key, request), name=name, daemon=True).start()

    def _run(self, key: WorkflowKey, request: HTTPRequest) -> None:
        try:
            with self._slots:
                response = perform(self._store, key[0], request)
        except Exception as exc:  # a bug: still an answer, so the node ends
            log.exception("http request of %s/%s failed", *key)
            response = HTTPResponse(error=f"internal error: {type(exc).__name__}: {exc}")
        with self._mutex:
            self._in_flight.discard((key, request.node_id))
            if key in self._forgotten:
                return
            self._done.setdefault(key, {})[request.node_id] = response
        self._wake(key)

    def responses(self, key: WorkflowKey) -> dict[str, HTTPResponse]:
        with self._mutex:
            return dict(self._done.get(key, {}))

    def recorded(self, key: WorkflowKey, node_ids: Iterable[str]) -> None:
        """These nodes' responses are in the status now: drop them."""
        with self._mutex:
            done = self._done.get(key)
            if not done:
                return
            for node_id in node_ids:
                done.pop(node_id, None)
            if not done:
                del self._done[key]

    def forget(self, key: WorkflowKey) -> None:
        """The workflow is gone: drop its responses, and any still to come."""
        with self._mutex:
            self._done.pop(key, None)
            if any(k == key for k, _ in self._in_flight):
                self._forgotten.add(key)
