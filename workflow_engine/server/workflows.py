"""`/api/v1/workflows`: Argo Server's WorkflowService (what Hera's WorkflowsService
calls): create, get, list, delete, lint, submit from a template, the lifecycle verbs,
and logs as newline-delimited JSON.

Thin handlers: each takes the namespace and name from the path, calls one function of
`workflow_engine.controller` (or `server.objects`) and returns the stored object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from workflow_engine.controller import operations as ops
from workflow_engine.controller import parse_labels, workflow_logs
from workflow_engine.controller.submit import SubmitOptions, resubmit_object, submit_from
from workflow_engine.engine import NotRetryable
from workflow_engine.errors import SpecError, WorkflowEngineError
from workflow_engine.server import listing, nodeset, objects
from workflow_engine.server.access import authorize, context_of
from workflow_engine.server.errors import (
    FAILED_PRECONDITION,
    INVALID_ARGUMENT,
    UNIMPLEMENTED,
    ApiError,
)
from workflow_engine.server.layout import progress
from workflow_engine.server.models import (
    NamedRequest,
    SubmitOpts,
    WorkflowCreateRequest,
    WorkflowLintRequest,
    WorkflowResubmitRequest,
    WorkflowResumeRequest,
    WorkflowRetryRequest,
    WorkflowSetRequest,
    WorkflowStopRequest,
    WorkflowSubmitRequest,
)
from workflow_engine.server.selectors import matches_selector, parse_label_selector
from workflow_engine.server.warnings import warned
from workflow_engine.store.base import Store

router = APIRouter(
    prefix="/api/v1/workflows", tags=["WorkflowService"], dependencies=[Depends(authorize)]
)
Obj = dict[str, Any]
_SUBMIT_KINDS = {
    "workflowtemplate": objects.WORKFLOW_TEMPLATE,
    "clusterworkflowtemplate": objects.CLUSTER_WORKFLOW_TEMPLATE,
    "cronworkflow": objects.CRON_WORKFLOW,
}


@router.get("/{namespace}")
def list_workflows(
    request: Request,
    namespace: str,
    label_selector: Annotated[str | None, Query(alias="listOptions.labelSelector")] = None,
    limit: Annotated[int | None, Query(alias="listOptions.limit", ge=0)] = None,
    continue_: Annotated[str | None, Query(alias="listOptions.continue")] = None,
    fields: str | None = None,
    name_filter: Annotated[str | None, Query(alias="nameFilter")] = None,
) -> Obj:
    ctx = context_of(request)
    selector = parse_label_selector(label_selector or "")
    result = ctx.store.list(objects.WORKFLOW, namespace)
    items = [o for o in result.items if matches_selector(o, selector)]
    items = listing.name_filter(items, name_filter)
    chosen, token = listing.page(items, limit, continue_)
    expand = ops.expand_nodes if listing.wants_nodes(fields) else _drop_compressed
    metadata: Obj = {"resourceVersion": result.resource_version}
    if token:
        metadata["continue"] = token
    return {
        "metadata": metadata,
        "items": [listing.project(with_phase(expand(o)), fields, "items.") for o in chosen],
    }


def _drop_compressed(obj: Obj) -> Obj:
    status = {k: v for k, v in (obj.get("status") or {}).items() if k != "compressedNodes"}
    return {**obj, "status": status} if "status" in obj else obj


@router.post("/{namespace}")
def create_workflow(
    request: Request, response: Response, namespace: str, body: WorkflowCreateRequest
) -> Obj:
    ctx = context_of(request)
    doc = objects.prepare_workflow(ctx.store, body.workflow, namespace, ctx.now())
    if body.server_dry_run:
        return warned(response, ctx.store, doc)
    created = ctx.store.create(doc)
    ctx.kick()
    return warned(response, ctx.store, created)


@router.post("/{namespace}/lint")
def lint_workflow(
    request: Request, response: Response, namespace: str, body: WorkflowLintRequest
) -> Obj:
    ctx = context_of(request)
    doc = objects.prepare_workflow(ctx.store, body.workflow, namespace, ctx.now())
    return warned(response, ctx.store, doc)


@router.post("/{namespace}/submit")
def submit_workflow(
    request: Request, response: Response, namespace: str, body: WorkflowSubmitRequest
) -> Obj:
    ctx = context_of(request)
    kind = _SUBMIT_KINDS.get(body.resource_kind.lower())
    if kind is None:
        raise SpecError(
            "resourceKind",
            f"{body.resource_kind!r}: expected WorkflowTemplate, ClusterWorkflowTemplate "
            "or CronWorkflow",
        )
    opts = body.submit_options or SubmitOpts()
    if opts.dry_run or opts.server_dry_run:
        raise ApiError(UNIMPLEMENTED, "submitOptions.dryRun is not supported")
    options = SubmitOptions(
        parameters=objects.parameters(opts.parameters, "submitOptions.parameters"),
        entrypoint=opts.entry_point,
        name=opts.name,
        generate_name=opts.generate_name,
        labels=parse_labels(opts.labels) if opts.labels else {},
        namespace=namespace,
    )
    cluster = kind == objects.CLUSTER_WORKFLOW_TEMPLATE
    source = objects.require(
        ctx.store, kind, body.resource_name, "default" if cluster else namespace
    )
    if kind == objects.CRON_WORKFLOW:
        doc = objects.prepare_workflow(
            ctx.store, objects.cron_as_workflow(source), namespace, ctx.now(), options
        )
        created = ctx.store.create(doc)
    else:
        created = submit_from(ctx.store, f"{kind.lower()}/{body.resource_name}", options, ctx.now())
    ctx.kick()
    return warned(response, ctx.store, created)


@router.get("/{namespace}/{name}")
def get_workflow(request: Request, namespace: str, name: str, fields: str | None = None) -> Obj:
    obj = ops.get_workflow(context_of(request).store, name, namespace)
    return listing.project(with_phase(obj), fields)


def with_phase(obj: Obj) -> Obj:
    """A workflow no controller has looked at yet has no status: clients need a phase.
    It is shown as Running, because Hera's `wait()` polls only while the phase is Running
    and returns at once on Pending (../docs/server.md). Argo's `status.progress` (finished
    pods of all pods) is added when the nodes are there."""
    status = dict(obj.get("status") or {})
    status["phase"] = status.get("phase") or "Running"
    if "nodes" in status:
        status["progress"] = progress(status["nodes"] or {})
    return {**obj, "status": status}


@router.delete("/{namespace}/{name}")
def delete_workflow(request: Request, namespace: str, name: str) -> Obj:
    ctx = context_of(request)
    ops.delete(ctx.store, [name], namespace)
    ctx.kick()
    return {}


def _changed(request: Request, obj: Obj) -> Obj:
    context_of(request).kick()
    return ops.expand_nodes(obj)


@router.put("/{namespace}/{name}/retry")
def retry_workflow(
    request: Request, namespace: str, name: str, body: WorkflowRetryRequest | None = None
) -> Obj:
    ctx = context_of(request)
    body = body or WorkflowRetryRequest()
    before = ops.get_workflow(ctx.store, name, namespace)
    if body.parameters:
        _set_parameters(ctx.store, before, body.parameters, "parameters")
    try:
        obj = ops.retry(
            ctx.store,
            name,
            namespace,
            now=ctx.now(),
            node_field_selector=body.node_field_selector,
            restart_successful=bool(body.restart_successful),
        )
    except WorkflowEngineError as exc:
        if body.parameters:  # nothing half-done: the arguments go back
            _restore_arguments(ctx.store, before)
        if isinstance(exc, NotRetryable):
            raise ApiError(FAILED_PRECONDITION, str(exc)) from None
        raise
    return _changed(request, obj)


def _restore_arguments(store: Store, before: Obj) -> None:
    current = store.get(
        objects.WORKFLOW, before["metadata"]["name"], before["metadata"]["namespace"]
    )
    arguments = before["spec"].get("arguments")
    store.update({**current, "spec": {**current["spec"], "arguments": arguments}})


def _set_parameters(store: Store, obj: Obj, texts: list[str], field: str) -> None:
    """Override workflow arguments (retry/resubmit `parameters`) before the operation."""
    values = dict(objects.parameters(texts, field))
    params = (obj["spec"].get("arguments") or {}).get("parameters") or []
    known = {p.get("name") for p in params if isinstance(p, dict)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise SpecError(field, f"the workflow has no parameter {unknown[0]!r}")
    new = [{**p, "value": values[p["name"]]} if p.get("name") in values else p for p in params]
    spec = {**obj["spec"], "arguments": {**obj["spec"]["arguments"], "parameters": new}}
    store.update({**obj, "spec": spec})


@router.put("/{namespace}/{name}/resubmit")
def resubmit_workflow(
    request: Request, namespace: str, name: str, body: WorkflowResubmitRequest | None = None
) -> Obj:
    ctx = context_of(request)
    body = body or WorkflowResubmitRequest()
    old = ops.get_workflow(ctx.store, name, namespace)
    if body.parameters:
        values = dict(objects.parameters(body.parameters, "parameters"))
        params = (old["spec"].get("arguments") or {}).get("parameters") or []
        params = [
            {**p, "value": values.pop(p["name"])} if p["name"] in values else p for p in params
        ]
        params += [{"name": k, "value": v} for k, v in values.items()]
        old["spec"] = {
            **old["spec"],
            "arguments": {**(old["spec"].get("arguments") or {}), "parameters": params},
        }
    created = resubmit_object(ctx.store, old, ctx.now())
    return _changed(request, created)


@router.put("/{namespace}/{name}/stop")
def stop_workflow(
    request: Request, namespace: str, name: str, body: WorkflowStopRequest | None = None
) -> Obj:
    return _changed(request, ops.stop(context_of(request).store, name, namespace))


@router.put("/{namespace}/{name}/terminate")
def terminate_workflow(
    request: Request, namespace: str, name: str, body: NamedRequest | None = None
) -> Obj:
    return _changed(request, ops.terminate(context_of(request).store, name, namespace))


@router.put("/{namespace}/{name}/suspend")
def suspend_workflow(
    request: Request, namespace: str, name: str, body: NamedRequest | None = None
) -> Obj:
    return _changed(request, ops.suspend(context_of(request).store, name, namespace))


@router.put("/{namespace}/{name}/resume")
def resume_workflow(
    request: Request, namespace: str, name: str, body: WorkflowResumeRequest | None = None
) -> Obj:
    ctx = context_of(request)
    selector = (body or WorkflowResumeRequest()).node_field_selector
    try:
        obj = ops.resume(ctx.store, name, namespace, now=ctx.now(), node_name_selector=selector)
    except NotRetryable as exc:
        raise ApiError(FAILED_PRECONDITION, str(exc)) from None
    return _changed(request, obj)


@router.put("/{namespace}/{name}/set")
def set_workflow(
    request: Request, namespace: str, name: str, body: WorkflowSetRequest | None = None
) -> Obj:
    """Supply a suspend node's output parameters; optionally end it (phase, message)."""
    ctx = context_of(request)
    body = body or WorkflowSetRequest()
    try:
        obj = nodeset.set_workflow(
            ctx.store,
            name,
            namespace,
            ctx.now(),
            selector=body.node_field_selector,
            phase=body.phase or None,
            message=body.message,
            outputs=nodeset.parse_outputs(body.output_parameters),
        )
    except NotRetryable as exc:
        raise ApiError(INVALID_ARGUMENT, str(exc)) from None
    return _changed(request, obj)


@router.get("/{namespace}/{name}/log")
def workflow_log(
    request: Request,
    namespace: str,
    name: str,
    pod_name: Annotated[str | None, Query(alias="podName")] = None,
    container: Annotated[str, Query(alias="logOptions.container")] = "main",
    follow: Annotated[bool, Query(alias="logOptions.follow")] = False,
    since_seconds: Annotated[int | None, Query(alias="logOptions.sinceSeconds", ge=0)] = None,
    timestamps: Annotated[bool, Query(alias="logOptions.timestamps")] = False,
    grep: str | None = None,
) -> StreamingResponse:
    ctx = context_of(request)
    if ctx.log_source is None:
        raise ApiError(UNIMPLEMENTED, "this server has no access to pod logs")
    obj = ops.get_workflow(ctx.store, name, namespace)  # 404 before the stream starts
    name = obj["metadata"]["name"]
    since = ctx.now() - timedelta(seconds=since_seconds) if since_seconds is not None else None
    lines = workflow_logs(
        ctx.store,
        ctx.log_source(ctx.store, name, namespace),
        name,
        namespace,
        selector=pod_name,
        container=container,
        follow=follow,
        since=since,
        grep=_checked_grep(grep),
        timestamps=timestamps,
    )
    return StreamingResponse(_ndjson(lines), media_type="application/json")


@router.get("/{namespace}/{name}/{pod_name}/log")
def pod_log(
    request: Request,
    namespace: str,
    name: str,
    pod_name: str,
    container: Annotated[str, Query(alias="logOptions.container")] = "main",
    follow: Annotated[bool, Query(alias="logOptions.follow")] = False,
    grep: str | None = None,
) -> StreamingResponse:
    return workflow_log(request, namespace, name, pod_name, container, follow, None, False, grep)


def _checked_grep(grep: str | None) -> str | None:
    if grep:
        try:
            re.compile(grep)
        except re.error as exc:
            raise SpecError("grep", f"invalid pattern: {exc}") from None
    return grep


def _ndjson(lines: Iterator[Any]) -> Iterator[bytes]:
    for line in lines:
        entry = {"content": line.text, "podName": line.pod}
        yield (json.dumps({"result": entry}) + "\n").encode()
