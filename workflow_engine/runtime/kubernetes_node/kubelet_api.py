"""The part of the kubelet's HTTPS API that `wf node` serves: container logs.

Part of `wf node` (workflow_engine.runtime.kubernetes_node). The API server proxies
`kubectl logs` (and the pods/log subresource) to
`https://<node InternalIP>:<daemonEndpoints.kubeletEndpoint.Port>/containerLogs/NS/POD/CONTAINER`;
this server answers from ProcessRuntime.logs(). Clients must present a certificate
signed by the cluster CA (the API server's kubelet client certificate is); unlike a
kubelet, no SubjectAccessReview is made on top of that.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from workflow_engine.errors import NotFound
from workflow_engine.runtime.base import Runtime

log = logging.getLogger(__name__)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _lines(
    runtime: Runtime, ns: str, pod: str, container: str, query: dict[str, list[str]]
) -> Iterator[bytes]:
    def flag(name: str) -> bool:
        return (query.get(name) or ["false"])[0] in ("true", "1")

    follow = flag("follow")
    lines = runtime.logs(
        pod,
        ns,
        container,
        follow=follow,
        timestamps=flag("timestamps"),
        since=_since(next(iter(query.get("sinceTime") or ()), None)),
    )
    tail = next(iter(query.get("tailLines") or ()), None)
    if tail is not None and not follow:
        return iter(deque(lines, maxlen=max(0, int(tail))))
    return lines


class KubeletApi:
    """A TLS server for /containerLogs and /healthz, in a daemon thread."""

    def __init__(
        self,
        runtime: Runtime,
        address: str,
        port: int,
        cert: Path,
        key: Path,
        client_ca: str | None,
    ) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert), str(key))
        if client_ca:
            ctx.load_verify_locations(cafile=client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        handler = _handler(runtime)
        self._server = ThreadingHTTPServer((address, port), handler)
        self._server.daemon_threads = True
        self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wf-node-kubelet-api", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(runtime: Runtime) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            parts = [unquote(p) for p in url.path.strip("/").split("/")]
            if parts == ["healthz"]:
                self._reply(200, b"ok")
            elif len(parts) == 4 and parts[0] == "containerLogs":
                self._logs(parts[1], parts[2], parts[3], parse_qs(url.query))
            else:
                self._reply(404, b"not found")

        def _logs(self, ns: str, pod: str, container: str, query: dict[str, list[str]]) -> None:
            try:
                lines = _lines(runtime, ns, pod, container, query)
                first = next(lines, b"")
            except NotFound as err:
                self._reply(404, str(err).encode())
                return
            except ValueError as err:
                self._reply(400, str(err).encode())
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                self.wfile.write(first)
                for line in lines:
                    self.wfile.write(line)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped following

        def _reply(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("kubelet api: " + format, *args)

    return Handler
