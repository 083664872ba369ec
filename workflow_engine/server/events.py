"""`POST /api/v1/events/{namespace}/{discriminator}`: the events webhook, and the
WorkflowEventBinding objects it dispatches to (`/api/v1/workflow-event-bindings`).

A request is checked in this order, and nothing is created unless all pass: the body
size (413), the credentials (a bearer token, or a webhook secret: GitHub's
`X-Hub-Signature-256` HMAC of the raw body or GitLab's `X-Gitlab-Token`; 401 without
any, 403 when one is wrong or the token may not use the namespace), the JSON (400).
Then a delivery id (`X-GitHub-Delivery`, `X-Gitlab-Event-UUID` or `X-Wf-Delivery`) is
claimed once in the store, so a redelivery creates nothing, and every binding of the
namespace whose selector holds submits its template. As in Argo, a binding that fails
is logged and does not fail the request; the answer is `{}`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from workflow_engine.controller.submit import SubmitOptions, submit_from
from workflow_engine.errors import AlreadyExists, NotFound, SpecError, WorkflowEngineError
from workflow_engine.server import bindings, objects
from workflow_engine.server.access import authorize, check_namespace, context_of
from workflow_engine.server.context import ServerContext
from workflow_engine.server.errors import (
    INVALID_ARGUMENT,
    PERMISSION_DENIED,
    UNAUTHENTICATED,
    ApiError,
)
from workflow_engine.server.limits import TOO_LARGE
from workflow_engine.server.models import BindingRequest
from workflow_engine.store.base import Obj, Store

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/events", tags=["EventService"])
binding_router = APIRouter(
    prefix="/api/v1/workflow-event-bindings",
    tags=["EventSourceService"],
    dependencies=[Depends(authorize)],
)
DELIVERY_KIND = "EventDelivery"
DELIVERY_HEADERS = ("x-github-delivery", "x-gitlab-event-uuid", "x-wf-delivery")
_ANY_JSON = {"requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}}


@router.post("/{namespace}/", openapi_extra=_ANY_JSON)
async def receive_event_without_discriminator(request: Request, namespace: str) -> Obj:
    return await receive_event(request, namespace, "")


@router.post("/{namespace}/{discriminator}", openapi_extra=_ANY_JSON)
async def receive_event(request: Request, namespace: str, discriminator: str) -> Obj:
    ctx = context_of(request)
    body = await read_body(request, ctx.max_body_bytes)
    check_credentials(request, ctx, namespace, body)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(INVALID_ARGUMENT, f"the body is not JSON: {exc}") from None
    env = bindings.environment(payload, discriminator, namespace, request.headers.items())
    delivery = next((request.headers[h] for h in DELIVERY_HEADERS if h in request.headers), None)
    await run_in_threadpool(deliver, ctx, namespace, discriminator, delivery, env)
    return {}


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(TOO_LARGE, f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(TOO_LARGE, f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def check_credentials(request: Request, ctx: ServerContext, namespace: str, body: bytes) -> None:
    """A valid bearer token (allowed in the namespace), or a valid webhook secret."""
    header = request.headers.get("authorization")
    if ctx.auth is not None and header:
        principal = ctx.auth.authenticate(header)
        if principal is not None:
            check_namespace(principal, namespace)
            return
    presented = False
    signature = request.headers.get("x-hub-signature-256")
    if signature is not None and ctx.webhooks.hmac_secret:
        presented = True
        expected = "sha256=" + hmac.new(ctx.webhooks.hmac_secret, body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected.encode(), signature.strip().encode()):
            return
    gitlab = request.headers.get("x-gitlab-token")
    if gitlab is not None and ctx.webhooks.gitlab_token:
        presented = True
        if hmac.compare_digest(ctx.webhooks.gitlab_token, gitlab.strip().encode()):
            return
    if presented:
        raise ApiError(PERMISSION_DENIED, "the webhook signature or token is wrong")
    if ctx.auth is None:  # --no-auth (loopback only): no credentials needed
        return
    raise ApiError(UNAUTHENTICATED, "missing or invalid bearer token")


def deliver(
    ctx: ServerContext, namespace: str, discriminator: str, delivery: str | None, env: Obj
) -> list[str]:
    """Dispatch the event once per delivery id; returns the workflows created."""
    marker = _claim(ctx.store, namespace, discriminator, delivery)
    if marker is False:
        return []
    try:
        created = dispatch(ctx, namespace, env)
    except BaseException:
        if isinstance(marker, str):  # let a redelivery try again
            with contextlib.suppress(NotFound):
                ctx.store.delete(DELIVERY_KIND, marker, namespace)
        raise
    if created:
        ctx.kick()
    return created


def _claim(store: Store, namespace: str, discriminator: str, delivery: str | None) -> str | bool:
    """True: no delivery id; False: seen before; else the name of the claim made now."""
    if not delivery:
        return True
    digest = hashlib.sha256(f"{discriminator}\0{delivery}".encode()).hexdigest()[:40]
    name = f"delivery-{digest}"
    try:
        store.create(
            {
                "apiVersion": "v1",
                "kind": DELIVERY_KIND,
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"discriminator": discriminator, "delivery": delivery[:200]},
            }
        )
    except AlreadyExists:
        log.info("event delivery %r in %s seen before: ignored", delivery, namespace)
        return False
    return name


def dispatch(ctx: ServerContext, namespace: str, env: Obj) -> list[str]:
    created = []
    for binding in ctx.store.list(objects.EVENT_BINDING, namespace).items:
        name = binding["metadata"]["name"]
        try:
            if not bindings.selects(binding, env):
                continue
            plan = bindings.submission(binding, env)
            if plan is not None:
                created.append(_submit(ctx, namespace, plan))
        except (SpecError, WorkflowEngineError) as exc:
            log.error("WorkflowEventBinding %s/%s: %s", namespace, name, exc)
    return created


def _submit(ctx: ServerContext, namespace: str, plan: bindings.Submission) -> str:
    kind = "clusterworkflowtemplate" if plan.cluster_scope else "workflowtemplate"
    options = SubmitOptions(
        parameters=plan.parameters,
        name=plan.name,
        generate_name=plan.generate_name,
        labels=plan.labels,
        namespace=namespace,
    )
    obj = submit_from(ctx.store, f"{kind}/{plan.template}", options, ctx.now())
    return str(obj["metadata"]["name"])


@binding_router.get("/{namespace}")
def list_bindings(request: Request, namespace: str) -> Obj:
    result = context_of(request).store.list(objects.EVENT_BINDING, namespace)
    return {"metadata": {"resourceVersion": result.resource_version}, "items": result.items}


@binding_router.post("/{namespace}")
def create_binding(request: Request, namespace: str, body: BindingRequest) -> Obj:
    """Our addition (Argo's bindings are created with kubectl)."""
    store = context_of(request).store
    doc = objects.lint_object(store, body.binding, "binding", objects.EVENT_BINDING, namespace)
    return store.create(doc)


@binding_router.get("/{namespace}/{name}")
def get_binding(request: Request, namespace: str, name: str) -> Obj:
    return objects.require(context_of(request).store, objects.EVENT_BINDING, name, namespace)


@binding_router.delete("/{namespace}/{name}")
def delete_binding(request: Request, namespace: str, name: str) -> dict[str, Any]:
    store = context_of(request).store
    objects.require(store, objects.EVENT_BINDING, name, namespace)
    store.delete(objects.EVENT_BINDING, name, namespace)
    return {}
