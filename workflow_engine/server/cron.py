"""`/api/v1/cron-workflows`: Argo Server's CronWorkflowService over the store (create,
get, list, update, delete, lint, suspend, resume). Scheduling is the controller's
(`wf cron`); this only keeps the objects, linted.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from workflow_engine.server import objects
from workflow_engine.server.access import authorize, context_of
from workflow_engine.server.models import CronWorkflowRequest, NamedRequest
from workflow_engine.server.selectors import matches_selector, parse_label_selector
from workflow_engine.server.warnings import warned

Obj = dict[str, Any]
CRON = objects.CRON_WORKFLOW
router = APIRouter(
    prefix="/api/v1/cron-workflows", tags=["CronWorkflowService"], dependencies=[Depends(authorize)]
)


@router.get("/{namespace}")
def list_cron_workflows(
    request: Request,
    namespace: str,
    label_selector: Annotated[str | None, Query(alias="listOptions.labelSelector")] = None,
) -> Obj:
    result = context_of(request).store.list(CRON, namespace)
    requirements = parse_label_selector(label_selector or "")
    items = [o for o in result.items if matches_selector(o, requirements)]
    return {"metadata": {"resourceVersion": result.resource_version}, "items": items}


def _linted(request: Request, namespace: str, body: CronWorkflowRequest) -> Obj:
    store = context_of(request).store
    return objects.lint_object(store, body.cron_workflow, "cronWorkflow", CRON, namespace)


def _warned(request: Request, response: Response, obj: Obj) -> Obj:
    return warned(response, context_of(request).store, obj)


@router.post("/{namespace}")
def create_cron_workflow(
    request: Request, response: Response, namespace: str, body: CronWorkflowRequest
) -> Obj:
    created = context_of(request).store.create(_linted(request, namespace, body))
    return _warned(request, response, created)


@router.post("/{namespace}/lint")
def lint_cron_workflow(
    request: Request, response: Response, namespace: str, body: CronWorkflowRequest
) -> Obj:
    return _warned(request, response, _linted(request, namespace, body))


@router.get("/{namespace}/{name}")
def get_cron_workflow(request: Request, namespace: str, name: str) -> Obj:
    return objects.require(context_of(request).store, CRON, name, namespace)


@router.put("/{namespace}/{name}")
def update_cron_workflow(
    request: Request, response: Response, namespace: str, name: str, body: CronWorkflowRequest
) -> Obj:
    doc = _linted(request, namespace, body)
    doc["metadata"]["name"] = name
    return _warned(request, response, objects.replace(context_of(request).store, doc))


@router.delete("/{namespace}/{name}")
def delete_cron_workflow(request: Request, namespace: str, name: str) -> Obj:
    store = context_of(request).store
    objects.require(store, CRON, name, namespace)
    store.delete(CRON, name, namespace)
    return {}


@router.put("/{namespace}/{name}/suspend")
def suspend_cron_workflow(
    request: Request, namespace: str, name: str, body: NamedRequest | None = None
) -> Obj:
    objects.require(context_of(request).store, CRON, name, namespace)
    return objects.set_suspended(context_of(request).store, CRON, name, namespace, True)


@router.put("/{namespace}/{name}/resume")
def resume_cron_workflow(
    request: Request, namespace: str, name: str, body: NamedRequest | None = None
) -> Obj:
    objects.require(context_of(request).store, CRON, name, namespace)
    return objects.set_suspended(context_of(request).store, CRON, name, namespace, False)
