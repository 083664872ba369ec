"""A small JSON-over-HTTPS client for the Kubernetes API, used by the node agent.

Part of `wf node` (workflow_engine.runtime.kubernetes_node): the agent needs a handful
of calls (get, create, patch, delete, a streaming watch) with exact control over
patch content types; the `kubernetes` package is used only to read the kubeconfig
(every auth form it knows), and its errors are mapped here to the project's taxonomy.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from workflow_engine.errors import (
    AlreadyExists,
    Conflict,
    Expired,
    NotFound,
    PermanentError,
    TransientError,
)

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"


@dataclass(frozen=True)
class Connection:
    """Where the API server is and how to authenticate to it."""

    server: str
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    token: str | None = None
    verify: bool = True

    @classmethod
    def from_kubeconfig(cls, path: str, context: str | None = None) -> Connection:
        from kubernetes import client, config  # only the kubeconfig reader

        cfg = client.Configuration()
        config.load_kube_config(  # type: ignore[no-untyped-call]  # the library has no types
            config_file=path, context=context, client_configuration=cfg
        )
        auth = (cfg.api_key or {}).get("authorization") or (cfg.api_key or {}).get("BearerToken")
        token = auth.removeprefix("Bearer ").strip() if auth else None
        return cls(
            server=cfg.host.rstrip("/"),
            ca_file=cfg.ssl_ca_cert,
            cert_file=cfg.cert_file,
            key_file=cfg.key_file,
            token=token,
            verify=bool(cfg.verify_ssl),
        )

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.cert_file:
            ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


def _error(status: int, body: str, what: str) -> Exception:
    try:
        message = json.loads(body).get("message") or body
    except ValueError:
        message = body
    text = f"{what}: {status} {message}".strip()
    if status == 404:
        return NotFound(text)
    if status == 409:
        return AlreadyExists(text) if "already exists" in message else Conflict(text)
    if status == 410:
        return Expired(text)
    if status == 429 or status >= 500:
        return TransientError(text)
    return PermanentError(text)


class Api:
    """JSON requests against one API server; errors raised as workflow_engine.errors."""

    def __init__(self, conn: Connection, timeout: float = 30.0) -> None:
        self.conn = conn
        self._ctx = conn.ssl_context()
        self._timeout = timeout
        self._streams_lock = threading.Lock()
        self._streams: set[Any] = set()  # open watch responses, for close_streams()
        self._streams_closed = False

    def _open(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None,
        body: Any,
        content_type: str,
        timeout: float | None,
    ) -> Any:
        url = self.conn.server + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        if self.conn.token:
            req.add_header("Authorization", f"Bearer {self.conn.token}")
        try:
            return urllib.request.urlopen(req, context=self._ctx, timeout=timeout or self._timeout)
        except urllib.error.HTTPError as err:
            raise _error(err.code, err.read().decode(errors="replace"), f"{method} {path}") from err
        except OSError as err:
            raise TransientError(f"{method} {path}: {err}") from err

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        with self._open(method, path, query, body, content_type, None) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else {}

    def get(self, path: str, **query: str) -> dict[str, Any]:
        return self.request("GET", path, query=query)

    def create(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.request("POST", path, body)

    def patch(self, path: str, body: Any, content_type: str = MERGE_PATCH) -> dict[str, Any]:
        return self.request("PATCH", path, body, content_type=content_type)

    def delete(self, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("DELETE", path, body)

    def watch(
        self, path: str, query: Mapping[str, str], timeout: float
    ) -> Iterator[dict[str, Any]]:
        """Stream watch events (`{"type": ..., "object": ...}`) until the server ends
        the watch (after about `timeout` seconds) or the connection drops."""
        q = {**query, "watch": "true", "timeoutSeconds": str(int(timeout))}
        with self._open("GET", path, q, None, "", timeout + 15) as resp:
            with self._streams_lock:
                if self._streams_closed:
                    return
                self._streams.add(resp)
            try:
                for line in resp:
                    if line.strip():
                        yield json.loads(line)
            finally:
                with self._streams_lock:
                    self._streams.discard(resp)

    def close_streams(self) -> None:
        """End every open watch now, and any opened later at once (from any thread):
        readers see their stream end. An API server does not finish shutting down while
        a watch is open, and a reader would otherwise sit until the watch times out."""
        with self._streams_lock:
            self._streams_closed = True
            streams = list(self._streams)
        for resp in streams:
            with contextlib.suppress(AttributeError, OSError, ValueError):  # already closed
                resp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
