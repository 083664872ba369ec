"""A TemplateResolver backed by the store: WorkflowTemplates and ClusterWorkflowTemplates
as lint and `operate()` look them up (`templateRef`, `workflowTemplateRef`).

ClusterWorkflowTemplates have no namespace; the embedded store keeps them in the
default namespace. Lookups are memoised for the resolver's life, so make one per
reconcile (or per submit) to see fresh templates.
"""

from __future__ import annotations

from typing import Any

from workflow_engine.errors import NotFound, SpecErrors
from workflow_engine.spec import parse_object
from workflow_engine.spec.models import ClusterWorkflowTemplate, WorkflowTemplate
from workflow_engine.store.base import Store

WORKFLOW_TEMPLATE = "WorkflowTemplate"
CLUSTER_WORKFLOW_TEMPLATE = "ClusterWorkflowTemplate"
CLUSTER_NAMESPACE = "default"


class StoreResolver:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._memo: dict[tuple[str, str, str], Any] = {}

    def workflow_template(self, name: str, namespace: str) -> WorkflowTemplate | None:
        found = self._load(WORKFLOW_TEMPLATE, name, namespace)
        return found if isinstance(found, WorkflowTemplate) else None

    def cluster_workflow_template(self, name: str) -> ClusterWorkflowTemplate | None:
        found = self._load(CLUSTER_WORKFLOW_TEMPLATE, name, CLUSTER_NAMESPACE)
        return found if isinstance(found, ClusterWorkflowTemplate) else None

    def _load(self, kind: str, name: str, namespace: str) -> Any:
        key = (kind, namespace, name)
        if key not in self._memo:
            try:
                self._memo[key] = parse_object(self._store.get(kind, name, namespace))
            except (NotFound, SpecErrors):
                self._memo[key] = None
        return self._memo[key]
