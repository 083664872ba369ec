"""What every handler of `wf server` shares: the store, auth, the clock, the hooks.

Built once at the program edge (`cli/server.py`, or a test) and put on the app's
state; handlers read it from there. The server is store-agnostic: it sees only the
Store port and the controller's library functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from workflow_engine.controller import LogSource
from workflow_engine.server.auth import TokenAuth
from workflow_engine.store.base import Store

MIB = 1024 * 1024


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebhookSecrets:
    """Shared secrets of the events endpoint besides bearer tokens: GitHub's
    `X-Hub-Signature-256` HMAC of the raw body, GitLab's `X-Gitlab-Token` header."""

    hmac_secret: bytes | None = None
    gitlab_token: bytes | None = None


@dataclass
class ServerContext:
    """`auth` None: no authentication (only on loopback, when asked for explicitly).
    `kick` is called after anything that a controller must act on (a workflow created,
    retried, resumed...): embedded mode starts a controller there when none runs."""

    store: Store
    auth: TokenAuth | None
    kick: Callable[[], None] = lambda: None
    log_source: Callable[[Store, str, str], LogSource] | None = None
    now: Callable[[], datetime] = utcnow
    max_body_bytes: int = MIB  # the events endpoint
    max_api_body_bytes: int = 8 * MIB  # every other endpoint
    webhooks: WebhookSecrets = field(default_factory=WebhookSecrets)
    version: str = "unknown"
    # the repository of workflows that recorded none (embedded: <state>/artifacts)
    artifact_repository: dict[str, Any] | None = None
    managed_namespace: str = ""
