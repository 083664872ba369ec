"""Looking up WorkflowTemplates and ClusterWorkflowTemplates by name.

`templateRef` and `workflowTemplateRef` are resolved through a `TemplateResolver`
passed in by the caller, so neither lint nor the engine needs a store. Lint may be
given one backed by the store. The engine is only ever handed a `MappingResolver`: a
frozen map of the objects the controller fetched before the call, which also says
which names were looked up (`knows`), so the engine can tell "not found" (an error)
from "not fetched yet" (it asks for it, and the controller calls again).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import Protocol

from workflow_engine.spec.objects import ClusterWorkflowTemplate, WorkflowTemplate


class TemplateResolver(Protocol):
    def workflow_template(self, name: str, namespace: str) -> WorkflowTemplate | None: ...

    def cluster_workflow_template(self, name: str) -> ClusterWorkflowTemplate | None: ...


# ("cluster", name) or ("namespaced", name): the namespace is always the workflow's.
TemplateKey = tuple[str, str]


def template_key(cluster_scope: bool | None, name: str) -> TemplateKey:
    return ("cluster" if cluster_scope else "namespaced", name)


class MappingResolver:
    """A frozen resolver over objects already in memory.

    `looked_up`: the keys whose lookup is done (found or not). None means every
    lookup is done: whatever the map lacks does not exist (lint, tests)."""

    def __init__(
        self,
        templates: Iterable[WorkflowTemplate | ClusterWorkflowTemplate] = (),
        looked_up: Iterable[TemplateKey] | None = None,
    ) -> None:
        namespaced: dict[tuple[str, str], WorkflowTemplate] = {}
        cluster: dict[str, ClusterWorkflowTemplate] = {}
        self._templates = tuple(templates)
        for template in self._templates:
            name = template.metadata.name or ""
            if isinstance(template, ClusterWorkflowTemplate):
                cluster[name] = template
            else:
                namespaced[(template.metadata.namespace or "default", name)] = template
        self._namespaced = MappingProxyType(namespaced)
        self._cluster = MappingProxyType(cluster)
        self._looked_up = None if looked_up is None else frozenset(looked_up)

    def knows(self, key: TemplateKey) -> bool:
        """Was `key` looked up (so a miss means it does not exist)?"""
        return self._looked_up is None or key in self._looked_up

    def with_lookups(
        self,
        keys: Iterable[TemplateKey],
        found: Iterable[WorkflowTemplate | ClusterWorkflowTemplate],
    ) -> MappingResolver:
        """A new map that also knows `keys`, of which `found` exist."""
        looked = None if self._looked_up is None else self._looked_up | frozenset(keys)
        return MappingResolver((*self._templates, *found), looked)

    def workflow_template(self, name: str, namespace: str) -> WorkflowTemplate | None:
        return self._namespaced.get((namespace, name))

    def cluster_workflow_template(self, name: str) -> ClusterWorkflowTemplate | None:
        return self._cluster.get(name)
