"""Looking up WorkflowTemplates and ClusterWorkflowTemplates by name.

`templateRef` and `workflowTemplateRef` are resolved through a `TemplateResolver`
passed in by the caller (lint, the engine), so neither needs a store. The controller
gives one backed by the store; tests use `MappingResolver`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from workflow_engine.spec.objects import ClusterWorkflowTemplate, WorkflowTemplate


class TemplateResolver(Protocol):
    def workflow_template(self, name: str, namespace: str) -> WorkflowTemplate | None: ...

    def cluster_workflow_template(self, name: str) -> ClusterWorkflowTemplate | None: ...


class MappingResolver:
    """A resolver over objects already in memory."""

    def __init__(
        self, templates: Iterable[WorkflowTemplate | ClusterWorkflowTemplate] = ()
    ) -> None:
        self._namespaced: dict[tuple[str, str], WorkflowTemplate] = {}
        self._cluster: dict[str, ClusterWorkflowTemplate] = {}
        for template in templates:
            name = template.metadata.name or ""
            if isinstance(template, ClusterWorkflowTemplate):
                self._cluster[name] = template
            else:
                self._namespaced[(template.metadata.namespace or "default", name)] = template

    def workflow_template(self, name: str, namespace: str) -> WorkflowTemplate | None:
        return self._namespaced.get((namespace, name))

    def cluster_workflow_template(self, name: str) -> ClusterWorkflowTemplate | None:
        return self._cluster.get(name)
