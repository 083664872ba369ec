"""What an HTTP template's node asks the controller for (`HTTPRequest`) and what comes
back (`HTTPResponse`): plain values, see `http_node.py` for how the engine uses them."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

from workflow_engine.spec.models import HTTPTemplate

DEFAULT_TIMEOUT_SECONDS = 30.0  # Argo's default


@dataclass(frozen=True)
class HTTPHeaderValue:
    name: str
    value: str | None = None
    secret: tuple[str, str] | None = None  # (secret name, key): read by the controller


@dataclass(frozen=True)
class HTTPRequest:
    """Make this request for node `node_id` and report its HTTPResponse."""

    node_id: str
    method: str
    url: str
    headers: tuple[HTTPHeaderValue, ...] = ()
    body: bytes | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    insecure_skip_verify: bool = False


@dataclass(frozen=True)
class HTTPResponse:
    status_code: int | None = None
    body: str = ""
    headers: Mapping[str, list[str]] = field(default_factory=dict)
    error: str | None = None  # no response at all: the reason


def request_of(node_id: str, http: HTTPTemplate) -> HTTPRequest:
    """The request of a substituted `http` block. ValueError for a bad header or body."""
    headers = []
    for header in http.headers or ():
        secret = None
        if header.value_from is not None:
            ref = (header.value_from.model_dump().get("secretKeyRef")) or {}
            if not ref.get("name") or not ref.get("key"):
                raise ValueError(
                    f"http.headers[{header.name}].valueFrom.secretKeyRef needs a name and a key"
                )
            secret = (str(ref["name"]), str(ref["key"]))
        headers.append(HTTPHeaderValue(header.name, header.value, secret))
    body = http.body.encode() if http.body is not None else None
    if body is None and http.body_from is not None:
        raw = http.body_from.model_dump().get("bytes")
        if raw is not None:
            try:
                body = base64.b64decode(str(raw), validate=True)
            except binascii.Error as err:
                raise ValueError(f"http.bodyFrom.bytes is not base64: {err}") from err
    timeout = float(http.timeout_seconds) if http.timeout_seconds else DEFAULT_TIMEOUT_SECONDS
    return HTTPRequest(
        node_id=node_id,
        method=(http.method or "GET").upper(),
        url=http.url,
        headers=tuple(headers),
        body=body,
        timeout_seconds=timeout,
        insecure_skip_verify=bool(http.insecure_skip_verify),
    )
