"""`operate(workflow, observed, now, templates)`: the pure core's entry point. It
resolves what the workflow runs (referenced WorkflowTemplates come in `templates`, a
frozen map the controller fetched), folds observed pods into the nodes, walks the
template tree from the entrypoint creating and advancing nodes, runs the workflow's
exit handler after the main tree, settles the workflow's phase, and once it is
complete asks for its artifact garbage collection. No I/O: the result is a Decision."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from workflow_engine.engine.artifact_gc import CollectArtifacts, completion_gc
from workflow_engine.engine.claims import claims_gc, claims_to_create
from workflow_engine.engine.context import Ctx, Opts
from workflow_engine.engine.decision import (
    Action,
    CreatePod,
    Decision,
    DeletePod,
    EmitEvent,
    RequeueAfter,
)
from workflow_engine.engine.disruption import budget_to_create, budget_to_delete
from workflow_engine.engine.execute import execute_template
from workflow_engine.engine.exprs import NOW_KEY
from workflow_engine.engine.hooks import HookError, run_workflow_hooks
from workflow_engine.engine.leaf import node_pod_name
from workflow_engine.engine.memo import CachesNeeded, save_action
from workflow_engine.engine.metrics_emit import metric_actions
from workflow_engine.engine.node_index import NodeMap, index_of
from workflow_engine.engine.observed import Observed
from workflow_engine.engine.pod_gc import pod_gc
from workflow_engine.engine.reconcile import reconcile
from workflow_engine.engine.run import Run
from workflow_engine.engine.scope import add_global_outputs, global_scope
from workflow_engine.engine.sync import Locks, LockSpecError, is_waiting_message
from workflow_engine.engine.synchronize import workflow_locks
from workflow_engine.engine.templates import (
    Scope,
    TemplateNotFound,
    Templates,
    TemplatesNeeded,
    exec_spec,
    resolve_workflow_template_spec,
)
from workflow_engine.engine.ttl import ttl_actions
from workflow_engine.spec.models import (
    LifecycleHook,
    NodeStatus,
    Outputs,
    Workflow,
    WorkflowSpec,
    WorkflowStatus,
    WorkflowStep,
)
from workflow_engine.spec.resolver import MappingResolver
from workflow_engine.spec.status import FULFILLED_PHASES, NodeFlag
from workflow_engine.spec.status_codec import nodes_of
from workflow_engine.vocabulary import COMPLETED_LABEL as LABEL_COMPLETED
from workflow_engine.vocabulary import COMPLETED_PHASES, phase_labels
from workflow_engine.vocabulary import PHASE_LABEL as LABEL_PHASE

__all__ = ["LABEL_COMPLETED", "LABEL_PHASE", "failures_json", "operate"]
_WORKFLOW_PHASE = {
    "Pending": "Pending",
    "Running": "Running",
    "Succeeded": "Succeeded",
    "Skipped": "Succeeded",
    "Omitted": "Succeeded",
    "Failed": "Failed",
    "Error": "Error",
}


def operate(
    wf: Workflow, observed: Observed, now: datetime, templates: MappingResolver | None = None
) -> Decision:
    """The Decision for `wf` now. `templates` holds the WorkflowTemplates and
    ClusterWorkflowTemplates fetched for it; when it lacks one not recorded in the
    status yet, the Decision only names it (`needs_templates`)."""
    status = wf.status or WorkflowStatus()
    if status.phase in COMPLETED_PHASES:
        return _completed(wf, status, observed, now)
    try:
        return _operate(wf, status, observed, now, templates)
    except TemplatesNeeded as need:
        return Decision(status=status, needs_templates=(need.key,))
    except CachesNeeded as need:
        return Decision(status=status, needs_caches=(need.name,))


def nodes_map(status: WorkflowStatus) -> NodeMap:
    """The status's nodes as the `NodeMap` a call rewrites (its copy, not the status's)."""
    return NodeMap(status.nodes or nodes_of(status))


def _completed(wf: Workflow, status: WorkflowStatus, observed: Observed, now: datetime) -> Decision:
    running = observed.pods if observed.active is None else observed.active
    actions: list[Action] = [
        DeletePod(pod_name=name, reason="the workflow is finished")
        for name, state in running.items()
        if state.phase in ("Pending", "Running")
    ]
    spec = wf.spec
    if status.stored_workflow_template_spec is not None:
        spec = exec_spec(wf, status.stored_workflow_template_spec)
    status = _with_gc(spec, status, observed, actions)
    status = _with_claims_gc(wf, spec, status, actions)
    if status.synchronization:  # ended by the controller, not operate(): locks go too
        status = status.model_copy(update={"synchronization": None})
    _collect_pods(spec, status, observed, now, actions)
    _expire(spec, status, now, actions)
    return Decision(status=status, actions=tuple(actions), labels=phase_labels(status.phase))


def _expire(
    spec: WorkflowSpec, status: WorkflowStatus, now: datetime, actions: list[Action]
) -> None:
    """ttlStrategy's deletion (or its timer) added to `actions`, for a completed workflow
    whose artifact collection at completion is not still under way."""
    if spec.ttl_strategy is None or status.phase not in COMPLETED_PHASES:
        return
    if any(isinstance(a, CollectArtifacts) for a in actions):
        return  # the next decision, which records the collection, decides this
    actions.extend(ttl_actions(spec, status, status.nodes or nodes_of(status), now))


def _collect_pods(
    spec: WorkflowSpec,
    status: WorkflowStatus,
    observed: Observed,
    now: datetime,
    actions: list[Action],
) -> None:
    """podGC's deletions (and its timer) added to `actions`."""
    if spec.pod_gc is None or not observed.pods:
        return
    plan = pod_gc(spec, status, status.nodes or nodes_of(status), observed.pods, now)
    actions.extend(plan.deletes)
    if plan.requeue is not None:
        actions.append(RequeueAfter(seconds=plan.requeue))


def _with_gc(
    spec: WorkflowSpec, status: WorkflowStatus, observed: Observed, actions: list[Action]
) -> WorkflowStatus:
    """The completed status with its artifact GC asked for, or recorded when done."""
    marked, collect, failed = completion_gc(spec, status, nodes_of(status), observed.collected)
    if collect is not None:
        actions.append(collect)
    elif observed.collected is not None and marked is not status:
        deleted = len(observed.collected.deleted)
        actions.append(EmitEvent("ArtifactGCCompleted", f"deleted {deleted} artifact(s)"))
    actions.extend(EmitEvent("ArtifactGCFailed", reason, "Warning") for reason in failed)
    return marked


def _with_claims_gc(
    wf: Workflow, spec: WorkflowSpec, status: WorkflowStatus, actions: list[Action]
) -> WorkflowStatus:
    """The completed status without the volume claims its volumeClaimGC deletes now."""
    status, delete = claims_gc(wf, spec, status)
    if delete is not None:
        actions.append(delete)
    return status


def _operate(
    wf: Workflow,
    status: WorkflowStatus,
    observed: Observed,
    now: datetime,
    resolver: MappingResolver | None,
) -> Decision:
    name = wf.metadata.name or ""
    index = index_of(status.nodes)
    run = Run(name, nodes_map(status), now, index)
    update: dict[str, Any] = {"compressed_nodes": None}
    try:
        template_spec = resolve_workflow_template_spec(
            wf, status.stored_workflow_template_spec, resolver
        )
        spec = exec_spec(wf, template_spec)
    except TemplateNotFound as err:
        return _finish_early(status, run, "Error", str(err), update)
    if template_spec is not None:
        update["stored_workflow_template_spec"] = template_spec
    try:
        locks, waiting = workflow_locks(wf, spec, status, observed.locks, now)
    except LockSpecError as err:
        return _finish_early(status, run, "Error", str(err), update)
    if waiting is not None and wf.spec.shutdown:  # stopped before it ever started
        stopped = f"Stopped with strategy '{wf.spec.shutdown}'"
        return _finish_early(status, run, "Failed", stopped, update)
    if waiting is not None:
        return _wait_for_locks(status, run, locks, waiting, update)
    if is_waiting_message(status.message):
        update["message"] = None
    if not status.phase or status.phase == "Pending":
        update.update(phase="Running", started_at=now)
        run.event("WorkflowRunning", "Workflow Running")
    started = update.get("started_at", status.started_at) or now
    ctx = _context(wf, spec, status, run, observed, started, resolver)
    ctx.locks = locks
    ctx.globals[NOW_KEY] = now  # expressions' now() is this call's instant, not a clock
    problem = _check_arguments(spec)
    if problem is not None:
        return _finish_early(status, run, "Error", problem, update)
    if ctx.deadline is not None and now < ctx.deadline:
        run.requeue((ctx.deadline - now).total_seconds())
    reconcile(ctx)
    if not (wf.spec.suspend and not ctx.shutdown):
        _walk(ctx, spec, status, update, started)
    return _decision(ctx, status, update)


def _context(
    wf: Workflow,
    spec: WorkflowSpec,
    status: WorkflowStatus,
    run: Run,
    observed: Observed,
    started: datetime,
    resolver: MappingResolver | None,
) -> Ctx:
    created = wf.metadata.creation_timestamp or started
    globals_ = global_scope(wf, spec, created)
    add_global_outputs(globals_, status.outputs)
    namespace = wf.metadata.namespace or "default"
    ctx = Ctx(
        run=run,
        wf=wf,
        spec=spec,
        observed=observed,
        globals=globals_,
        templates=Templates(spec, namespace, status.stored_templates, resolver),
        shutdown=wf.spec.shutdown,
    )
    if spec.active_deadline_seconds is not None:
        ctx.deadline = started.replace(microsecond=0) + timedelta(
            seconds=spec.active_deadline_seconds
        )
    for param in (status.outputs.parameters if status.outputs else None) or ():
        ctx.global_params[param.name] = param
    for art in (status.outputs.artifacts if status.outputs else None) or ():
        ctx.global_artifacts[art.name] = art
    return ctx


def _wait_for_locks(
    status: WorkflowStatus, run: Run, locks: Locks, message: str, update: dict[str, Any]
) -> Decision:
    """A workflow waiting for its `spec.synchronization` locks: Pending, saying why."""
    update.update(phase="Pending", message=message)
    update["synchronization"] = locks.status(run.nodes, completed=False)
    new_status = status.model_copy(update=update)
    return Decision(status=new_status, actions=tuple(run.actions), labels=phase_labels("Pending"))


def _check_arguments(spec: WorkflowSpec) -> str | None:
    if not spec.entrypoint:
        return "spec.entrypoint is required"
    for param in (spec.arguments.parameters if spec.arguments else None) or ():
        if param.value is None and param.value_from is None:
            return f"spec.arguments.{param.name}.value is required"
    return None


def _walk(
    ctx: Ctx, spec: WorkflowSpec, status: WorkflowStatus, update: dict[str, Any], started: datetime
) -> None:
    name = ctx.name
    root = execute_template(
        ctx, name, WorkflowStep(template=spec.entrypoint), Scope(), spec.arguments, Opts()
    )
    if root is None:
        return
    phase = _WORKFLOW_PHASE[root.phase]
    ctx.globals["workflow.status"] = phase
    try:
        hooks_done = run_workflow_hooks(ctx, spec.hooks)
    except HookError as err:  # Argo's operate: a workflow hook's error errors the workflow
        root = ctx.run.mark(root.id, "Error", str(err))
        phase = _WORKFLOW_PHASE[root.phase]
        ctx.globals["workflow.status"] = phase
        hooks_done = True
    if root.phase not in FULFILLED_PHASES or not hooks_done:
        return
    ctx.globals["workflow.failures"] = failures_json(ctx)
    ctx.globals["workflow.duration"] = f"{(ctx.now - started).total_seconds():f}"
    exit_node = _run_exit_handler(ctx, spec)
    if exit_node is not None and exit_node.phase not in FULFILLED_PHASES:
        return
    message = root.message
    if root.phase in ("Failed", "Error") and ctx.shutdown:
        message = f"Stopped with strategy '{ctx.shutdown}'"
    if phase == "Succeeded" and exit_node is not None and exit_node.phase in ("Failed", "Error"):
        phase, message = exit_node.phase, exit_node.message
    _complete(ctx, update, phase, message)


def _run_exit_handler(ctx: Ctx, spec: WorkflowSpec) -> NodeStatus | None:
    hook: LifecycleHook | None = None
    if spec.on_exit:
        hook = LifecycleHook(template=spec.on_exit, arguments=spec.arguments)
    elif spec.hooks and "exit" in spec.hooks:
        hook = spec.hooks["exit"]
    if hook is None:
        return None
    node_name = f"{ctx.name}.onExit"
    existing = ctx.run.by_name(node_name)
    if existing is None and ctx.shutdown == "Terminate":
        return None
    return execute_template(
        ctx,
        node_name,
        hook,
        Scope(),
        hook.arguments,
        Opts(on_exit=True, flag=NodeFlag(hooked=True)),
    )


def failures_json(ctx: Ctx) -> str:
    """`{{workflow.failures}}`: the failed and errored nodes, as Argo lists them."""
    failed = [n for n in ctx.run.nodes.values() if n.phase in ("Failed", "Error")]
    failed.sort(key=lambda n: (n.finished_at or ctx.now, n.name))
    return json.dumps(
        [
            {
                "displayName": n.display_name,
                "message": n.message or "",
                "templateName": (n.template_ref.template if n.template_ref else n.template_name)
                or "",
                "phase": n.phase,
                "podName": node_pod_name(ctx.name, n),
                "finishedAt": n.finished_at.strftime("%Y-%m-%dT%H:%M:%SZ")
                if n.finished_at
                else None,
            }
            for n in failed
        ],
        separators=(",", ":"),
    )


def _complete(ctx: Ctx, update: dict[str, Any], phase: str, message: str | None) -> None:
    update.update(phase=phase, finished_at=ctx.now, message=message or None)
    if phase == "Succeeded":
        ctx.run.event("WorkflowSucceeded", "Workflow completed")
    else:
        ctx.run.event("WorkflowFailed", message or phase, warning=True)


def _progress(run: Run) -> str:
    return f"{run.pods_done}/{run.pods}"


def _decision(ctx: Ctx, status: WorkflowStatus, update: dict[str, Any]) -> Decision:
    nodes = ctx.run.finish()
    update["nodes"] = nodes or None
    update["progress"] = _progress(ctx.run)
    if ctx.templates.stored_changed:
        update["stored_templates"] = ctx.templates.stored
    if ctx.global_params or ctx.global_artifacts:
        update["outputs"] = Outputs(
            parameters=list(ctx.global_params.values()) or None,
            artifacts=list(ctx.global_artifacts.values()) or None,
        )
    if ctx.locks is not None:
        completed = update.get("phase", status.phase) in COMPLETED_PHASES
        update["synchronization"] = ctx.locks.status(ctx.run.nodes, completed)
    claims = claims_to_create(ctx.wf, ctx.spec, status)
    if claims is not None and claims[0] is not None:
        update["persistent_volume_claims"] = claims[0]
    new_status = status.model_copy(update=update)
    actions = list(ctx.run.actions)
    if claims is not None and (
        claims[0] is not None or any(isinstance(a, CreatePod) for a in actions)
    ):
        actions.insert(0, claims[1])  # before the pods that mount them
    _with_budget(ctx, status, new_status, actions)
    for node_id in dict.fromkeys(ctx.run.memoized):
        node = nodes[node_id]
        status_ = node.memoization_status
        save = None if status_ is None else save_action(node_id, status_, node.outputs)
        if save is not None:
            actions.append(save)
    actions.extend(metric_actions(ctx, status.phase, new_status))
    if ctx.run.requeues and new_status.phase not in COMPLETED_PHASES:
        actions.append(RequeueAfter(seconds=min(ctx.run.requeues)))
    if new_status.phase in COMPLETED_PHASES:
        new_status = _with_gc(ctx.spec, new_status, ctx.observed, actions)
        new_status = _with_claims_gc(ctx.wf, ctx.spec, new_status, actions)
    _collect_pods(ctx.spec, new_status, ctx.observed, ctx.now, actions)
    _expire(ctx.spec, new_status, ctx.now, actions)
    return Decision(
        status=new_status, actions=tuple(actions), labels=phase_labels(new_status.phase)
    )


def _with_budget(
    ctx: Ctx, status: WorkflowStatus, new_status: WorkflowStatus, actions: list[Action]
) -> None:
    """spec.podDisruptionBudget's actions added to `actions`: made when the workflow
    starts and before every batch of pods (see engine/disruption.py), deleted when it
    completes."""
    if new_status.phase in COMPLETED_PHASES:
        delete = budget_to_delete(ctx.wf, ctx.spec)
        if delete is not None:
            actions.append(delete)
    elif status.phase != new_status.phase or any(isinstance(a, CreatePod) for a in actions):
        create = budget_to_create(ctx.wf, ctx.spec)
        if create is not None:
            actions.insert(0, create)


def _finish_early(
    status: WorkflowStatus, run: Run, phase: str, message: str, update: dict[str, Any]
) -> Decision:
    update.update(phase=phase, message=message, finished_at=run.now, synchronization=None)
    if not status.started_at:
        update["started_at"] = run.now
    run.event("WorkflowFailed", message, warning=True)
    update["nodes"] = run.finish() or None
    new_status = status.model_copy(update=update)
    return Decision(status=new_status, actions=tuple(run.actions), labels=phase_labels(phase))
