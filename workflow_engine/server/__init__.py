"""The server room: `wf server`, an Argo-Server-compatible REST API over the Store port
and the controller's library functions (Hera works against it unchanged), plus the
events webhook.

    context, auth, access     what handlers share; bearer tokens; who may call what
    errors, models            Argo's error body; request bodies
    workflows, templates,     the routers of Argo Server's services
    cron, info
    events, bindings          the events webhook; which bindings an event selects
    nodeset, downloads        `set` on suspend nodes; output artifact downloads
    objects, listing,         checking and storing bodies; pages and projections;
    selectors                 label selectors
    ui, layout, static/       the web UI: page, graph layout, live graph stream
    app, serve                create_app(ctx): the ASGI application; uvicorn

The CLI (`cli/server.py`) imports these names only.
"""

from workflow_engine.server.app import OPENAPI_PATH, create_app
from workflow_engine.server.auth import Principal, TokenAuth
from workflow_engine.server.context import ServerContext, WebhookSecrets
from workflow_engine.server.serve import BackgroundServer, Listen, bind, check_listen, make_server

__all__ = [
    "OPENAPI_PATH",
    "BackgroundServer",
    "Listen",
    "Principal",
    "ServerContext",
    "TokenAuth",
    "WebhookSecrets",
    "bind",
    "check_listen",
    "create_app",
    "make_server",
]
