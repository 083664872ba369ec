"""Which templates a run executes: the workflow's own, a referenced WorkflowTemplate's
spec merged under it (`workflowTemplateRef`), templates reached by `templateRef`, and
`templateDefaults` merged into each.

The referenced objects come in a frozen map the controller fetched before the call
(`MappingResolver`). A name the map has not looked up raises `TemplatesNeeded`:
`operate()` then decides nothing but asks for it, and the controller calls again with
it fetched. Whatever is taken from the map is recorded (`status.storedTemplates`,
`status.storedWorkflowTemplateSpec`) and preferred on later calls, so a running
workflow never changes when a WorkflowTemplate is edited and needs no lookup again.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from workflow_engine.errors import WorkflowEngineError
from workflow_engine.spec.join import exec_spec as exec_spec
from workflow_engine.spec.join import merge_dicts
from workflow_engine.spec.models import (
    TEMPLATE_KINDS,
    ClusterWorkflowTemplate,
    DAGTask,
    LifecycleHook,
    Template,
    TemplateRef,
    Workflow,
    WorkflowSpec,
    WorkflowStep,
    WorkflowTemplate,
)
from workflow_engine.spec.resolver import MappingResolver, TemplateKey, template_key

Holder = WorkflowStep | DAGTask | LifecycleHook


class TemplateNotFound(WorkflowEngineError):
    """A template (or the WorkflowTemplate holding it) cannot be found."""


class TemplatesNeeded(Exception):
    """The call needs a WorkflowTemplate the given map has not looked up yet. Not a
    WorkflowEngineError: nothing in the engine may catch it but `operate()`."""

    def __init__(self, key: TemplateKey) -> None:
        super().__init__(f"{key[0]} workflow template {key[1]!r} was not looked up")
        self.key = key


def _lookup(
    resolver: MappingResolver | None, cluster: bool | None, name: str, namespace: str
) -> WorkflowTemplate | ClusterWorkflowTemplate | None:
    """The referenced object; None when it does not exist. Raises TemplatesNeeded when
    the map cannot tell yet."""
    if resolver is None:
        return None
    obj = (
        resolver.cluster_workflow_template(name)
        if cluster
        else resolver.workflow_template(name, namespace)
    )
    key = template_key(cluster, name)
    if obj is None and not resolver.knows(key):
        raise TemplatesNeeded(key)
    return obj


def resolve_workflow_template_spec(
    wf: Workflow, stored: dict[str, Any] | None, resolver: MappingResolver | None
) -> dict[str, Any] | None:
    """The referenced WorkflowTemplate's spec (from the status if stored earlier)."""
    ref = wf.spec.workflow_template_ref
    if ref is None:
        return None
    if stored is not None:
        return stored
    namespace = wf.metadata.namespace or "default"
    obj = _lookup(resolver, ref.cluster_scope, ref.name, namespace)
    if obj is None:
        kind = "clusterworkflowtemplates" if ref.cluster_scope else "workflowtemplates"
        raise TemplateNotFound(f'{kind}.argoproj.io "{ref.name}" not found')
    return obj.spec.to_dict()


@dataclass(frozen=True)
class Scope:
    """Where a template's sibling names resolve: the workflow ("") or a
    WorkflowTemplate ("namespaced/<name>", "cluster/<name>")."""

    key: str = ""

    @property
    def label(self) -> str:
        return self.key or "local/"


class Templates:
    def __init__(
        self,
        spec: WorkflowSpec,
        namespace: str,
        stored: dict[str, Any] | None,
        resolver: MappingResolver | None,
    ) -> None:
        self._local = {t.name: t for t in spec.templates or () if t.name}
        self._defaults = spec.template_defaults.to_dict() if spec.template_defaults else None
        self._namespace = namespace
        self._resolver = resolver
        self.stored: dict[str, Any] = dict(stored or {})
        self.stored_changed = False
        self._cache: dict[tuple[str, str], Template] = {}

    def resolve(self, scope: Scope, holder: Holder) -> tuple[Scope, Template]:
        """The template a step, task or hook runs, and the scope its names live in."""
        if holder.template_ref is not None:
            return self._by_ref(holder.template_ref)
        inline = getattr(holder, "inline", None)
        if inline is not None:
            return scope, self._with_defaults(inline)
        if not holder.template:
            raise TemplateNotFound("template name cannot be empty")
        return scope, self.named(scope, holder.template)

    def named(self, scope: Scope, name: str) -> Template:
        cached = self._cache.get((scope.key, name))
        if cached is not None:
            return cached
        if not scope.key:
            raw = self._local.get(name)
            if raw is None:
                raise TemplateNotFound(f"template {name} not found")
        else:
            raw = self._stored_or_fetch(scope.key, name)
        template = self._with_defaults(raw)
        self._cache[(scope.key, name)] = template
        return template

    def _by_ref(self, ref: TemplateRef) -> tuple[Scope, Template]:
        scope = Scope(f"{'cluster' if ref.cluster_scope else 'namespaced'}/{ref.name}")
        return scope, self.named(scope, ref.template)

    def _stored_or_fetch(self, scope_key: str, name: str) -> Template:
        key = f"{scope_key}/{name}"
        if key in self.stored:
            return Template.model_validate(self.stored[key])
        kind, _, resource = scope_key.partition("/")
        obj = _lookup(self._resolver, kind == "cluster", resource, self._namespace)
        if obj is None:
            plural = "clusterworkflowtemplates" if kind == "cluster" else "workflowtemplates"
            raise TemplateNotFound(f'{plural}.argoproj.io "{resource}" not found')
        for template in obj.spec.templates or ():
            if template.name == name:
                self.stored[key] = template.to_dict()
                self.stored_changed = True
                return template
        raise TemplateNotFound(f"template {name} not found in workflow template {resource}")

    def _with_defaults(self, template: Template) -> Template:
        if not self._defaults:
            return template
        kind = template.kind
        own = template.to_dict()
        merged = merge_dicts(copy.deepcopy(self._defaults), own)
        for key in TEMPLATE_KINDS:
            if key != kind:
                merged.pop(key, None)
        return Template.model_validate(merged)
