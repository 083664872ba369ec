"""The ASGI application of `wf server`: routers, error handlers, the OpenAPI document.

`create_app(ctx)` is all a program edge needs (uvicorn serves it; tests may drive it
over real HTTP or through an ASGI client). The OpenAPI document is at
`/api/v1/openapi.json`; no interactive docs page is served (it would load assets from
the network).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from workflow_engine.errors import WorkflowEngineError
from workflow_engine.server import cron, downloads, events, info, templates, ui, workflows
from workflow_engine.server.context import ServerContext
from workflow_engine.server.errors import (
    ApiError,
    handle_engine_error,
    handle_http,
    handle_validation,
)
from workflow_engine.server.limits import BodyLimit

OPENAPI_PATH = "/api/v1/openapi.json"


def create_app(ctx: ServerContext) -> FastAPI:
    app = FastAPI(
        title="wf server",
        version=ctx.version,
        description="Argo Server compatible REST API of the wf workflow engine",
        openapi_url=OPENAPI_PATH,
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.add_middleware(BodyLimit, limit=max(ctx.max_api_body_bytes, ctx.max_body_bytes))
    for router in (
        workflows.router,
        templates.router,
        templates.cluster_router,
        cron.router,
        info.router,
        events.router,
        events.binding_router,
        downloads.router,
        ui.router,
        ui.page_router,
    ):
        app.include_router(router)
    app.mount("/ui", StaticFiles(directory=ui.STATIC), name="ui")
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(HTTPException, handle_http)
    app.add_exception_handler(ApiError, handle_engine_error)
    app.add_exception_handler(WorkflowEngineError, handle_engine_error)
    app.add_exception_handler(Exception, handle_engine_error)
    return app
