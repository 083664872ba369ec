"""`wf server`: the Argo-Server-compatible REST API (and the events webhook) over the
embedded state directory. Parses options, builds a ServerContext from the App, serves.
"""

from __future__ import annotations

import sys
import threading
from importlib import metadata
from pathlib import Path

import click

from cli.app import app_of
from cli.output import show
from workflow_engine.server import (
    Listen,
    ServerContext,
    TokenAuth,
    WebhookSecrets,
    bind,
    check_listen,
    make_server,
)


def _read_secret(path: Path | None, option: str) -> bytes | None:
    if path is None:
        return None
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise click.BadParameter(f"{path}: {exc.strerror or exc}", param_hint=option) from None
    if not secret:
        raise click.BadParameter(f"{path} is empty", param_hint=option)
    return secret.encode()


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to bind")
@click.option("--port", type=click.IntRange(0, 65535), default=2746, show_default=True)
@click.option("--auth-token-file", type=_FILE, help="bearer tokens: TOKEN [NS,...] per line")
@click.option("--no-auth", is_flag=True, help="accept every request (loopback only)")
@click.option("--tls-cert", type=_FILE, help="serve HTTPS with this certificate (PEM)")
@click.option("--tls-key", type=_FILE, help="the certificate's private key (PEM)")
@click.option("--webhook-secret-file", type=_FILE, help="HMAC secret of X-Hub-Signature-256")
@click.option("--gitlab-token-file", type=_FILE, help="the value X-Gitlab-Token must carry")
@click.option(
    "--max-body-bytes", type=click.IntRange(min=1), default=1024 * 1024, show_default=True
)
@click.pass_context
def server(
    ctx: click.Context,
    host: str,
    port: int,
    auth_token_file: Path | None,
    no_auth: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
    webhook_secret_file: Path | None,
    gitlab_token_file: Path | None,
    max_body_bytes: int,
) -> None:
    """Serve the Argo Server REST API (Hera works against it) and the web UI."""
    app = app_of(ctx)
    if bool(auth_token_file) == no_auth:
        raise click.UsageError("give --auth-token-file, or --no-auth (loopback only)")
    kick_lock = threading.Lock()

    def kick() -> None:
        with kick_lock:  # concurrent submits start at most one controller
            app.ensure_controller()

    context = ServerContext(
        store=app.store,
        auth=TokenAuth.from_file(auth_token_file) if auth_token_file else None,
        kick=kick,
        log_source=app.log_source,
        now=app.now,
        max_body_bytes=max_body_bytes,
        webhooks=WebhookSecrets(
            _read_secret(webhook_secret_file, "--webhook-secret-file"),
            _read_secret(gitlab_token_file, "--gitlab-token-file"),
        ),
        version=_version(),
        artifact_repository=app.default_repository,
    )
    listen = Listen(host, port, tls_cert, tls_key)
    check_listen(listen, context)
    uvicorn_server = make_server(context, listen)
    sock = bind(listen)
    url = listen.url(sock.getsockname()[1])
    show(f"wf server: API at {url}/api/v1, web UI at {url}/")
    sys.stdout.flush()
    try:
        uvicorn_server.run(sockets=[sock])
    finally:
        sock.close()


def _version() -> str:
    try:
        return metadata.version("wf-engine")
    except metadata.PackageNotFoundError:
        return "unknown"
