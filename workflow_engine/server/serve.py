"""Serving the app: uvicorn on a host and port (or a socket a test bound), TLS
optional, and the rule that no authentication is allowed only on loopback.

The program edge of the server room: `wf server` and the tests call `serve`.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from workflow_engine.errors import SpecError
from workflow_engine.server.app import create_app
from workflow_engine.server.context import ServerContext


@dataclass(frozen=True)
class Listen:
    host: str = "127.0.0.1"
    port: int = 2746
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"

    def url(self, port: int | None = None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{port or self.port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen(listen: Listen, ctx: ServerContext) -> None:
    """Refuse what would be unsafe or broken before anything starts."""
    if ctx.auth is None and not is_loopback(listen.host):
        raise SpecError(
            "--no-auth",
            f"refused on {listen.host}: without tokens the server binds to loopback only",
        )
    if bool(listen.tls_cert) != bool(listen.tls_key):
        raise SpecError("--tls-cert", "--tls-cert and --tls-key go together")


def bind(listen: Listen) -> socket.socket:
    """A listening socket on the host and port (port 0: any free one)."""
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((listen.host, listen.port))
    except OSError as exc:
        sock.close()
        raise SpecError(
            "--port", f"cannot listen on {listen.host}:{listen.port}: {exc.strerror}"
        ) from None
    return sock


def make_server(ctx: ServerContext, listen: Listen, *, log_level: str = "info") -> uvicorn.Server:
    check_listen(listen, ctx)
    config = uvicorn.Config(
        create_app(ctx),
        host=listen.host,
        port=listen.port,
        ssl_certfile=str(listen.tls_cert) if listen.tls_cert else None,
        ssl_keyfile=str(listen.tls_key) if listen.tls_key else None,
        log_level=log_level,
        access_log=log_level == "debug",
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


class BackgroundServer:
    """The server on a socket bound here (port 0: any free port), in a thread; for
    tests and embedding. `url` is where it answers; `stop()` ends it."""

    def __init__(self, ctx: ServerContext, listen: Listen | None = None) -> None:
        listen = listen or Listen(port=0)
        self._socket = bind(listen)
        self.url = listen.url(self._socket.getsockname()[1])
        self._server = make_server(ctx, listen, log_level="warning")
        self._thread = threading.Thread(target=self._run, name="wf-server", daemon=True)

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    def start(self, timeout: float = 30.0) -> BackgroundServer:
        self._thread.start()
        pause = threading.Event()  # never set: a sleep that is not time.sleep
        deadline = timeout / 0.01
        while not self._server.started and self._thread.is_alive() and deadline > 0:
            pause.wait(0.01)
            deadline -= 1
        if not self._server.started:
            raise RuntimeError("wf server did not start")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(30)
        self._socket.close()
