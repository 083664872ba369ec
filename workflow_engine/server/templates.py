"""`/api/v1/workflow-templates` and `/api/v1/cluster-workflow-templates`: Argo
Server's WorkflowTemplateService and ClusterWorkflowTemplateService (create, get, list,
update, delete, lint). Every write is linted first, as `wf template create` is.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from workflow_engine.controller.resolver import CLUSTER_NAMESPACE
from workflow_engine.server import listing, objects
from workflow_engine.server.access import authorize, authorize_cluster, context_of
from workflow_engine.server.models import TemplateRequest
from workflow_engine.server.selectors import matches_selector, parse_label_selector
from workflow_engine.server.warnings import warned

Obj = dict[str, Any]
router = APIRouter(
    prefix="/api/v1/workflow-templates",
    tags=["WorkflowTemplateService"],
    dependencies=[Depends(authorize)],
)
cluster_router = APIRouter(
    prefix="/api/v1/cluster-workflow-templates",
    tags=["ClusterWorkflowTemplateService"],
    dependencies=[Depends(authorize_cluster)],
)
WT = objects.WORKFLOW_TEMPLATE
CWT = objects.CLUSTER_WORKFLOW_TEMPLATE


def list_of(
    request: Request, kind: str, namespace: str, selector: str | None, pattern: str | None
) -> Obj:
    result = context_of(request).store.list(kind, namespace)
    requirements = parse_label_selector(selector or "")
    items = [o for o in result.items if matches_selector(o, requirements)]
    items = listing.name_filter(items, pattern)
    if kind == CWT:
        items = [objects.cluster_view(o) for o in items]
    return {"metadata": {"resourceVersion": result.resource_version}, "items": items}


@router.get("/{namespace}")
def list_templates(
    request: Request,
    namespace: str,
    label_selector: Annotated[str | None, Query(alias="listOptions.labelSelector")] = None,
    name_pattern: Annotated[str | None, Query(alias="namePattern")] = None,
) -> Obj:
    return list_of(request, WT, namespace, label_selector, name_pattern)


@router.post("/{namespace}")
def create_template(
    request: Request, response: Response, namespace: str, body: TemplateRequest
) -> Obj:
    store = context_of(request).store
    created = store.create(objects.lint_template(store, body.template, WT, namespace))
    return warned(response, store, created)


@router.post("/{namespace}/lint")
def lint_template(
    request: Request, response: Response, namespace: str, body: TemplateRequest
) -> Obj:
    store = context_of(request).store
    return warned(response, store, objects.lint_template(store, body.template, WT, namespace))


@router.get("/{namespace}/{name}")
def get_template(request: Request, namespace: str, name: str) -> Obj:
    return objects.require(context_of(request).store, WT, name, namespace)


@router.put("/{namespace}/{name}")
def update_template(
    request: Request, response: Response, namespace: str, name: str, body: TemplateRequest
) -> Obj:
    store = context_of(request).store
    doc = objects.lint_template(store, body.template, WT, namespace)
    doc["metadata"]["name"] = name
    return warned(response, store, objects.replace(store, doc))


@router.delete("/{namespace}/{name}")
def delete_template(request: Request, namespace: str, name: str) -> Obj:
    store = context_of(request).store
    objects.require(store, WT, name, namespace)
    store.delete(WT, name, namespace)
    return {}


@cluster_router.get("")
def list_cluster_templates(
    request: Request,
    label_selector: Annotated[str | None, Query(alias="listOptions.labelSelector")] = None,
) -> Obj:
    return list_of(request, CWT, CLUSTER_NAMESPACE, label_selector, None)


@cluster_router.post("")
def create_cluster_template(request: Request, response: Response, body: TemplateRequest) -> Obj:
    store = context_of(request).store
    created = store.create(objects.lint_template(store, body.template, CWT, CLUSTER_NAMESPACE))
    return objects.cluster_view(warned(response, store, created))


@cluster_router.post("/lint")
def lint_cluster_template(request: Request, response: Response, body: TemplateRequest) -> Obj:
    store = context_of(request).store
    doc = objects.lint_template(store, body.template, CWT, CLUSTER_NAMESPACE)
    return objects.cluster_view(warned(response, store, doc))


@cluster_router.get("/{name}")
def get_cluster_template(request: Request, name: str) -> Obj:
    store = context_of(request).store
    return objects.cluster_view(objects.require(store, CWT, name, CLUSTER_NAMESPACE))


@cluster_router.put("/{name}")
def update_cluster_template(
    request: Request, response: Response, name: str, body: TemplateRequest
) -> Obj:
    store = context_of(request).store
    doc = objects.lint_template(store, body.template, CWT, CLUSTER_NAMESPACE)
    doc["metadata"]["name"] = name
    return objects.cluster_view(warned(response, store, objects.replace(store, doc)))


@cluster_router.delete("/{name}")
def delete_cluster_template(request: Request, name: str) -> Obj:
    store = context_of(request).store
    objects.require(store, CWT, name, CLUSTER_NAMESPACE)
    store.delete(CWT, name, CLUSTER_NAMESPACE)
    return {}
