"""The server room: `wf server`, an Argo-Server-compatible REST API over the Store port
and the controller's library functions (Hera works against it unchanged), plus the
events webhook.

    context, auth, access     what handlers share; bearer tokens; who may call what
    errors, models            Argo's error body; request bodies
    workflows, templates,     the routers of Argo Server's services
    cron, info
    objects, listing,         checking and storing bodies; pages and projections;
    selectors                 label selectors
    app                       create_app(ctx): the ASGI application

The CLI (`cli/server.py`) imports these names only.
"""

from workflow_engine.server.app import OPENAPI_PATH, create_app
from workflow_engine.server.auth import Principal, TokenAuth
from workflow_engine.server.context import ServerContext, WebhookSecrets

__all__ = [
    "OPENAPI_PATH",
    "Principal",
    "ServerContext",
    "TokenAuth",
    "WebhookSecrets",
    "create_app",
]
