"""HTTP templates (Argo's `http`), the engine's half: the request is made by the
controller, never by a pod (as Argo's agent does), off the reconcile thread.

A new HTTP node is Running with an `HTTPRequest` action carrying the substituted
request (header values from Secrets are named, not read: the controller reads them).
The action is repeated while no response is observed (the controller runs one request
per node at a time, so a repeat is harmless). Once `Observed.http` holds the node's
`HTTPResponse`, the node gets `outputs.result` = the body and ends Succeeded when
`successCondition` (Argo's expression syntax over `response.statusCode`,
`response.body` and `response.headers`) holds, or, without one, when the status code
is 2xx; Failed otherwise, or when the request itself failed (refused, timed out).
"""

from __future__ import annotations

from typing import Any

from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.exprs import ExprError, evaluate_bool
from workflow_engine.engine.http_io import HTTPResponse, request_of
from workflow_engine.engine.layers import layered
from workflow_engine.engine.nodes import ensure_node, error_node
from workflow_engine.engine.scope import substitute_model
from workflow_engine.engine.templates import Holder, Scope
from workflow_engine.spec.models import HTTPTemplate, Inputs, NodeStatus, Outputs, Template
from workflow_engine.spec.status import FULFILLED_PHASES


def _succeeded(http: HTTPTemplate, response: HTTPResponse) -> tuple[bool, str | None]:
    code = response.status_code or 0
    if not http.success_condition:
        ok = 200 <= code < 300
        return ok, None if ok else f"received non-2xx response code: {code}"
    env: dict[str, Any] = {
        "response": {
            "statusCode": code,
            "body": response.body,
            "headers": {k: list(v) for k, v in response.headers.items()},
        }
    }
    ok = evaluate_bool(http.success_condition, env)
    return ok, None if ok else f"successCondition '{http.success_condition}' evaluated false"


def execute_http(
    ctx: Ctx,
    node_name: str,
    holder: Holder,
    tscope: Scope,
    template: Template,
    inputs: Inputs | None,
    input_scope: dict[str, Any],
    opts: Opts,
) -> NodeStatus:
    run = ctx.run
    existing = run.by_name(node_name)
    scope = layered({"node.name": node_name}, input_scope, ctx.globals)
    try:
        final = substitute_model(template, scope, strict=True, skip=("inputs", "metrics"), at="")
        assert final.http is not None
        request = request_of(run.id_of(node_name), final.http)
    except (ExprError, ValueError) as err:
        return error_node(ctx, existing, node_name, holder, tscope, opts, str(err))
    node = ensure_node(ctx, node_name, "HTTP", "Running", holder, tscope, opts, inputs)
    if node.phase in FULFILLED_PHASES:
        return node
    response = ctx.observed.http.get(node.id)
    stopped = ctx.stop_message(opts.on_exit)
    if response is None and stopped is not None:  # stopped, terminated, past the deadline
        return run.mark(node.id, "Failed", stopped)
    if response is None:
        run.actions.append(request)
        return node
    if response.error is not None:
        return run.mark(node.id, "Failed", response.error)
    run.update(node.id, outputs=Outputs(result=response.body))
    try:
        ok, message = _succeeded(final.http, response)
    except ExprError as err:
        return run.mark(node.id, "Error", f"successCondition: {err}")
    return run.mark(node.id, "Succeeded" if ok else "Failed", message)
