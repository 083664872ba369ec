"""`wf server` integration tests. Everything is real: the embedded controller runs in a
thread over a temporary state directory (SqliteStore, ProcessRuntime, the executor),
and the server is uvicorn on a socket bound to 127.0.0.1 (any free port) in a thread,
reached over real HTTP by Hera, httpx or requests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.controller.conftest import Embedded, embedded, state  # noqa: F401
from workflow_engine.controller import FileLogs, finished_pods
from workflow_engine.controller import embedded as embedded_mode
from workflow_engine.server import ServerContext, TokenAuth, WebhookSecrets
from workflow_engine.server.serve import BackgroundServer
from workflow_engine.store.base import Store

TOKEN = "s3cret-token"
SCOPED = "team-a-token"  # may use namespace team-a only
HOOK_SECRET = b"hook-secret"
GITLAB_TOKEN = b"gitlab-secret"
pytestmark = pytest.mark.integration


@dataclass
class Served:
    url: str
    store: Store
    embedded: Embedded

    def headers(self, token: str = TOKEN) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def make_context(env: Embedded, store: Store, **extra: Any) -> ServerContext:
    runtime = env.paths.runtime
    fields: dict[str, Any] = {
        "store": store,
        "auth": TokenAuth.from_text(f"{TOKEN}\n{SCOPED} team-a\n"),
        "log_source": lambda s, name, ns: FileLogs(runtime, finished_pods(s, name, ns)),
        "webhooks": WebhookSecrets(HOOK_SECRET, GITLAB_TOKEN),
        "version": "test",
        "artifact_repository": embedded_mode.artifact_repository(env.paths),
    }
    return ServerContext(**{**fields, **extra})


@pytest.fixture
def quiet(state: Embedded) -> Iterator[Served]:  # noqa: F811
    """The server over a state directory with no controller: objects are stored, never
    run (for tests that count what a request created)."""
    store = embedded_mode.open_store(state.paths)
    server = BackgroundServer(make_context(state, store)).start()
    yield Served(server.url, store, state)
    server.stop()
    store.close()


@pytest.fixture
def served(embedded: Embedded) -> Iterator[Served]:  # noqa: F811
    """The server over the state directory a running embedded controller serves."""
    store = embedded_mode.open_store(embedded.paths)
    server = BackgroundServer(make_context(embedded, store)).start()
    yield Served(server.url, store, embedded)
    server.stop()
    store.close()
