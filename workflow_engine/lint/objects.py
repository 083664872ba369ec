"""Lint of one parsed API object: its metadata, then the workflow spec it carries
(Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow, WorkflowTrigger)
or its binding (WorkflowEventBinding)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from croniter import croniter

from workflow_engine.errors import SpecError
from workflow_engine.lint.calls import check_arguments
from workflow_engine.lint.context import SpecContext
from workflow_engine.lint.exprs import expression_errors
from workflow_engine.lint.names import (
    duration_problem,
    generate_name_problem,
    object_name_problem,
    q,
)
from workflow_engine.lint.walk import lint_spec
from workflow_engine.spec.models import (
    ClusterWorkflowTemplate,
    CronWorkflow,
    ObjectMeta,
    Workflow,
    WorkflowEventBinding,
    WorkflowSpec,
    WorkflowTemplate,
    WorkflowTemplateRef,
)
from workflow_engine.spec.objects import WorkflowTrigger
from workflow_engine.spec.params import Arguments
from workflow_engine.spec.resolver import TemplateResolver
from workflow_engine.spec.triggers import TriggerSpecError, poll_interval, source_of
from workflow_engine.spec.zones import zone_named

# Argo caps names at 63 (a label value); CronWorkflows at 52, leaving room for a timestamp.
MAX_NAME = 63
MAX_CRON_NAME = 52
_CRON_TZ = re.compile(r"^(CRON_TZ|TZ)=(\S+)\s+")

LintedObject = (
    Workflow
    | WorkflowTemplate
    | ClusterWorkflowTemplate
    | CronWorkflow
    | WorkflowEventBinding
    | WorkflowTrigger
)


def lint_parsed(
    obj: LintedObject, resolver: TemplateResolver | None, authoritative: bool
) -> Iterator[SpecError]:
    namespace = obj.metadata.namespace or "default"
    if isinstance(obj, Workflow):
        yield from _check_metadata(obj.metadata, MAX_NAME, generate_allowed=True)
        yield from _lint_workflow_spec(obj.spec, "spec", namespace, resolver, authoritative)
    elif isinstance(obj, WorkflowTemplate | ClusterWorkflowTemplate):
        yield from _check_metadata(obj.metadata, MAX_NAME, generate_allowed=False)
        ctx = SpecContext.build(
            obj.spec,
            namespace=namespace,
            resolver=resolver,
            authoritative=authoritative,
            is_template=True,
        )
        yield from lint_spec(ctx, "spec")
    elif isinstance(obj, CronWorkflow):
        yield from _check_metadata(obj.metadata, MAX_CRON_NAME, generate_allowed=False)
        yield from _check_cron(obj)
        spec = obj.spec.workflow_spec
        yield from _lint_workflow_spec(
            spec, "spec.workflowSpec", namespace, resolver, authoritative
        )
    elif isinstance(obj, WorkflowTrigger):
        # a child is named <trigger>-<10 characters>, as a CronWorkflow's child
        yield from _check_metadata(obj.metadata, MAX_CRON_NAME, generate_allowed=False)
        yield from _check_trigger(obj, namespace, resolver, authoritative)
    else:
        yield from _check_metadata(obj.metadata, MAX_NAME, generate_allowed=False)
        yield from _check_binding(obj, namespace, resolver, authoritative)


def _check_metadata(
    meta: ObjectMeta, max_length: int, *, generate_allowed: bool
) -> Iterator[SpecError]:
    if meta.name:
        problem = object_name_problem(meta.name, max_length)
        if problem:
            yield SpecError("metadata.name", problem)
    elif generate_allowed and meta.generate_name:
        problem = generate_name_problem(meta.generate_name)
        if problem:
            yield SpecError("metadata.generateName", problem)
    elif generate_allowed:
        yield SpecError("metadata", "set name or generateName")
    else:
        yield SpecError("metadata.name", "required field is missing")


def _lint_workflow_spec(
    spec: WorkflowSpec,
    path: str,
    namespace: str,
    resolver: TemplateResolver | None,
    authoritative: bool,
) -> Iterator[SpecError]:
    referenced: WorkflowSpec | None = None
    known = True
    ref = spec.workflow_template_ref
    if ref is not None:
        found, errors = _find_workflow_template(ref, namespace, resolver, authoritative)
        yield from (SpecError(f"{path}.workflowTemplateRef.name", e) for e in errors)
        referenced = found.spec if found is not None else None
        known = found is not None
    ctx = SpecContext.build(
        spec,
        namespace=namespace,
        resolver=resolver,
        authoritative=authoritative,
        is_template=False,
        referenced=referenced,
        templates_known=known,
    )
    yield from lint_spec(ctx, path)


def _find_workflow_template(
    ref: WorkflowTemplateRef,
    namespace: str,
    resolver: TemplateResolver | None,
    authoritative: bool,
) -> tuple[WorkflowTemplate | ClusterWorkflowTemplate | None, list[str]]:
    if resolver is None or "{{" in ref.name:
        return None, []
    found: WorkflowTemplate | ClusterWorkflowTemplate | None
    if ref.cluster_scope:
        found = resolver.cluster_workflow_template(ref.name)
        kind = "ClusterWorkflowTemplate"
    else:
        found = resolver.workflow_template(ref.name, namespace)
        kind = "WorkflowTemplate"
    if found is None and authoritative:
        return None, [f"unknown {kind} {q(ref.name)}"]
    return found, []


def _check_cron(cron: CronWorkflow) -> Iterator[SpecError]:
    spec = cron.spec
    if spec.schedule and spec.schedules:
        yield SpecError("spec.schedules", "set only one of schedule and schedules")
    schedules = [("spec.schedule", spec.schedule)] if spec.schedule else []
    schedules += [(f"spec.schedules[{i}]", s) for i, s in enumerate(spec.schedules or [])]
    if not schedules:
        yield SpecError("spec.schedule", 'required: a cron schedule such as "0 * * * *"')
    for path, schedule in schedules:
        problem = _schedule_problem(schedule)
        if problem:
            yield SpecError(path, problem)
    if spec.timezone:
        problem = _timezone_problem(spec.timezone)
        if problem:
            yield SpecError("spec.timezone", problem)
    if spec.starting_deadline_seconds is not None and spec.starting_deadline_seconds < 0:
        yield SpecError("spec.startingDeadlineSeconds", "must not be negative")
    if spec.when:
        yield from expression_errors(spec.when, "spec.when")
    if spec.stop_strategy is not None and spec.stop_strategy.expression:
        yield from expression_errors(spec.stop_strategy.expression, "spec.stopStrategy.expression")


def _schedule_problem(schedule: str) -> str | None:
    text = schedule.strip()
    zone = _CRON_TZ.match(text)
    if zone:
        problem = _timezone_problem(zone.group(2))
        if problem:
            return problem
        text = text[zone.end() :]
    if text.startswith("@every "):
        problem = duration_problem(text.removeprefix("@every ").strip(), seconds_allowed=False)
        return f"bad @every interval: {problem}" if problem else None
    if "{{" in text or croniter.is_valid(text):
        return None
    return f'{q(schedule)} is not a cron schedule such as "*/5 * * * *" or "@hourly"'


def _timezone_problem(name: str) -> str | None:
    return None if zone_named(name) else f"unknown time zone {q(name[:80])}"


def _check_binding(
    binding: WorkflowEventBinding,
    namespace: str,
    resolver: TemplateResolver | None,
    authoritative: bool,
) -> Iterator[SpecError]:
    yield from expression_errors(binding.spec.event.selector, "spec.event.selector")
    submit = binding.spec.submit
    if submit is None:
        return
    _, errors = _find_workflow_template(
        submit.workflow_template_ref, namespace, resolver, authoritative
    )
    yield from (SpecError("spec.submit.workflowTemplateRef.name", e) for e in errors)
    yield from check_arguments(submit.arguments, "spec.submit.arguments")


def _check_trigger(
    trigger: WorkflowTrigger,
    namespace: str,
    resolver: TemplateResolver | None,
    authoritative: bool,
) -> Iterator[SpecError]:
    spec = trigger.spec
    raw = spec.model_dump(by_alias=True, exclude_none=True)
    for rule in (source_of, poll_interval):
        try:
            rule(raw)
        except TriggerSpecError as exc:
            yield SpecError(exc.path, str(exc).removeprefix(f"{exc.path} is "))
    yield from check_arguments(spec.arguments, "spec.arguments")
    if spec.workflow_spec is not None:
        child, path = spec.workflow_spec, "spec.workflowSpec"
    elif spec.workflow_template_ref is not None:
        child, path = WorkflowSpec(workflow_template_ref=spec.workflow_template_ref), "spec"
    else:
        return
    yield from _lint_workflow_spec(
        _with_trigger_arguments(child, spec.arguments), path, namespace, resolver, authoritative
    )


def _with_trigger_arguments(spec: WorkflowSpec, arguments: Arguments | None) -> WorkflowSpec:
    """The spec as a child gets it: the trigger's parameters join its own (their
    values are filled per event, so they are not judged here)."""
    given = (arguments.parameters if arguments else None) or []
    if not given:
        return spec
    names = {p.name for p in given}
    own = (spec.arguments.parameters if spec.arguments else None) or []
    added = [p.model_copy(update={"value": "-"}) for p in given]
    merged = Arguments(parameters=[p for p in own if p.name not in names] + added)
    if spec.arguments is not None:
        merged = spec.arguments.model_copy(update={"parameters": merged.parameters})
    return spec.model_copy(update={"arguments": merged})
