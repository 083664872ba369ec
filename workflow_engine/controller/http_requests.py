"""HTTP templates' requests, made by the controller (never a pod), in a thread of its
own (`background.py`) so a slow server never holds a reconcile worker.

Header values named by `secretKeyRef` are read from the store's Secrets here, at
request time, and never written anywhere. A response body is kept up to
`MAX_BODY_BYTES` (the node's `outputs.result` lives in the workflow's status).
"""

from __future__ import annotations

import logging
import ssl
import urllib.error
import urllib.request
from email.message import Message

from workflow_engine.artifacts import StoreSecrets
from workflow_engine.engine.http_io import HTTPRequest, HTTPResponse
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.store.base import Store

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


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
