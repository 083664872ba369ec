"""The web UI: one page of hand-written JavaScript, CSS and SVG served from the Python
package (no CDN, works offline), and the two endpoints made for it: a workflow's graph
laid out by the server, and the same graph streamed as server-sent events on every
change until the workflow completes.

The page itself holds no data and needs no token; everything it shows comes from the
API with the token the user gives it (kept in the browser's localStorage).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from workflow_engine.controller import operations as ops
from workflow_engine.controller.cache import is_completed
from workflow_engine.errors import Expired
from workflow_engine.server.access import authorize, context_of
from workflow_engine.server.layout import graph
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import WORKFLOW_KIND

STATIC = Path(str(resources.files("workflow_engine.server") / "static"))
page_router = APIRouter(include_in_schema=False)
_KEEPALIVE = 5.0
router = APIRouter(prefix="/api/v1/ui", tags=["UI"], dependencies=[Depends(authorize)])


@page_router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))


@router.get("/graph/{namespace}/{name}")
def workflow_graph(request: Request, namespace: str, name: str) -> dict[str, object]:
    return graph(ops.get_workflow(context_of(request).store, name, namespace))


@router.get("/watch/{namespace}/{name}")
def watch_graph(request: Request, namespace: str, name: str) -> StreamingResponse:
    store = context_of(request).store
    ops.get_workflow(store, name, namespace)  # 404 before the stream starts
    return StreamingResponse(_events(store, name, namespace), media_type="text/event-stream")


def _events(store: Store, name: str, namespace: str) -> Iterator[bytes]:
    """The graph now and after every change of this workflow; a comment line at least
    every few seconds, so a client that went away is noticed (the write fails)."""
    obj = ops.get_workflow(store, name, namespace)
    yield _event(obj)
    version = obj["metadata"]["resourceVersion"]
    while not is_completed(obj):
        try:
            for event in store.watch(WORKFLOW_KIND, namespace, version, timeout=_KEEPALIVE):
                version = event.object["metadata"]["resourceVersion"]
                if event.object["metadata"]["name"] != name:
                    continue
                if event.type == "DELETED":
                    yield b"event: deleted\ndata: {}\n\n"
                    return
                obj = ops.expand_nodes(event.object)
                yield _event(obj)
                if is_completed(obj):
                    return
        except Expired:
            obj = ops.get_workflow(store, name, namespace)
            version = obj["metadata"]["resourceVersion"]
            yield _event(obj)
        yield b": keep-alive\n\n"


def _event(obj: Obj) -> bytes:
    return f"data: {json.dumps(graph(obj))}\n\n".encode()
