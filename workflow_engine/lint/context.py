"""What lint knows about one workflow spec while checking it, and how a step, task or
hook finds the template it calls (a local name, a templateRef, or an inline template).

Sits between the entry points (`lint.run`) and the checks (`lint.templates`,
`lint.steps`, `lint.dag`); it imports only spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workflow_engine.errors import SpecError
from workflow_engine.lint.names import is_variable, q
from workflow_engine.spec.models import (
    Arguments,
    ClusterWorkflowTemplate,
    Template,
    TemplateRef,
    WorkflowSpec,
    WorkflowTemplate,
)
from workflow_engine.spec.resolver import TemplateResolver


class ChainResolver:
    """Templates defined next to the linted object first, then the caller's resolver."""

    def __init__(self, first: TemplateResolver, then: TemplateResolver | None) -> None:
        self._first = first
        self._then = then

    def workflow_template(self, name: str, namespace: str) -> WorkflowTemplate | None:
        found = self._first.workflow_template(name, namespace)
        if found is None and self._then is not None:
            return self._then.workflow_template(name, namespace)
        return found

    def cluster_workflow_template(self, name: str) -> ClusterWorkflowTemplate | None:
        found = self._first.cluster_workflow_template(name)
        if found is None and self._then is not None:
            return self._then.cluster_workflow_template(name)
        return found


@dataclass(frozen=True)
class SpecContext:
    """One workflow spec under check.

    `authoritative` says whether a template the resolver does not know is an error
    (a real resolver was given) or merely unknown to lint (no resolver: skipped).
    `is_template` is true for WorkflowTemplates, whose arguments come at submission.
    """

    spec: WorkflowSpec
    templates: Mapping[str, Template]
    namespace: str
    resolver: TemplateResolver | None
    authoritative: bool
    is_template: bool
    workflow_parameters: frozenset[str]
    entrypoint: str | None
    arguments: Arguments | None
    templates_known: bool = True

    @classmethod
    def build(
        cls,
        spec: WorkflowSpec,
        *,
        namespace: str,
        resolver: TemplateResolver | None,
        authoritative: bool,
        is_template: bool,
        referenced: WorkflowSpec | None = None,
        templates_known: bool = True,
    ) -> SpecContext:
        """`referenced`: the spec a workflowTemplateRef names, whose templates, entrypoint
        and arguments the workflow takes over (its own arguments win)."""
        templates: dict[str, Template] = {}
        source = referenced if referenced is not None else spec
        for template in source.templates or []:
            if template.name and template.name not in templates:
                templates[template.name] = template
        arguments = _merge_arguments(spec.arguments, referenced.arguments if referenced else None)
        declared = frozenset(p.name for p in (arguments.parameters if arguments else None) or [])
        return cls(
            spec=spec,
            templates=templates,
            namespace=namespace,
            resolver=resolver,
            authoritative=authoritative,
            is_template=is_template,
            workflow_parameters=declared,
            entrypoint=spec.entrypoint or (referenced.entrypoint if referenced else None),
            arguments=arguments,
            templates_known=templates_known,
        )

    def default_image(self, kind: str) -> bool:
        """Whether spec.templateDefaults gives containers (or scripts) an image."""
        defaults = self.spec.template_defaults
        if defaults is None:
            return False
        holder = defaults.container if kind == "container" else defaults.script
        return holder is not None and bool(holder.image)


def _merge_arguments(own: Arguments | None, base: Arguments | None) -> Arguments | None:
    if base is None:
        return own
    if own is None:
        return base
    params = {p.name: p for p in base.parameters or []} | {p.name: p for p in own.parameters or []}
    arts = {a.name: a for a in base.artifacts or []} | {a.name: a for a in own.artifacts or []}
    return Arguments(parameters=list(params.values()), artifacts=list(arts.values()))


def resolve_ref(
    ctx: SpecContext, ref: TemplateRef, path: str
) -> tuple[Template | None, list[SpecError]]:
    """The template a templateRef names, or None when lint cannot know it."""
    if ctx.resolver is None or is_variable(ref.name) or is_variable(ref.template):
        return None, []
    kind = "ClusterWorkflowTemplate" if ref.cluster_scope else "WorkflowTemplate"
    holder: WorkflowTemplate | ClusterWorkflowTemplate | None
    if ref.cluster_scope:
        holder = ctx.resolver.cluster_workflow_template(ref.name)
    else:
        holder = ctx.resolver.workflow_template(ref.name, ctx.namespace)
    if holder is None:
        if not ctx.authoritative:
            return None, []
        return None, [SpecError(f"{path}.name", f"unknown {kind} {q(ref.name)}")]
    for template in holder.spec.templates or []:
        if template.name == ref.template:
            return template, []
    reason = f"{kind} {q(ref.name)} has no template {q(ref.template)}"
    return None, [SpecError(f"{path}.template", reason)]


def resolve_call(
    ctx: SpecContext,
    path: str,
    template: str | None,
    template_ref: TemplateRef | None,
    inline: Template | None = None,
) -> tuple[Template | None, list[SpecError]]:
    """The template a step, task or hook calls; None when unknown or not knowable."""
    given = [
        name
        for name, value in (
            ("template", template),
            ("templateRef", template_ref),
            ("inline", inline),
        )
        if value is not None
    ]
    if not given:
        return None, [SpecError(path, "set one of template, templateRef or inline")]
    if len(given) > 1:
        return None, [SpecError(path, f"set only one of {', '.join(given)}")]
    if inline is not None:
        return inline, []
    if template_ref is not None:
        return resolve_ref(ctx, template_ref, f"{path}.templateRef")
    assert template is not None
    if is_variable(template):
        return None, []
    if template not in ctx.templates:
        if not ctx.templates_known:
            return None, []
        return None, [SpecError(f"{path}.template", f"unknown template {q(template)}")]
    return ctx.templates[template], []
