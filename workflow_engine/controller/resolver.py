"""WorkflowTemplates and ClusterWorkflowTemplates from the store: a TemplateResolver
for lint (`StoreResolver`), and the frozen map `operate()` is handed
(`fetch_templates`, for the names it asked for).

ClusterWorkflowTemplates have no namespace; the embedded store keeps them in the
default namespace. Lookups are memoised for the resolver's life, so make one per
reconcile (or per submit) to see fresh templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workflow_engine.errors import NotFound, SpecErrors
from workflow_engine.spec import parse_object
from workflow_engine.spec.models import ClusterWorkflowTemplate, Workflow, WorkflowTemplate
from workflow_engine.spec.resolver import MappingResolver, TemplateKey
from workflow_engine.store.base import Store
from workflow_engine.vocabulary import CLUSTER_WORKFLOW_TEMPLATE_KIND as CLUSTER_WORKFLOW_TEMPLATE
from workflow_engine.vocabulary import WORKFLOW_TEMPLATE_KIND as WORKFLOW_TEMPLATE

if TYPE_CHECKING:  # the engine's types: `wf submit` and `wf lint` need only the resolver
    from workflow_engine.engine.decision import Decision
    from workflow_engine.engine.observed import Observed

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


def fetch_templates(
    store: Store, have: MappingResolver, keys: Iterable[TemplateKey], namespace: str
) -> MappingResolver:
    """`have` plus the objects `keys` name (those that exist and parse): the frozen
    map a workflow's next `operate()` is handed. Cluster-scoped ones are kept in
    `CLUSTER_NAMESPACE`; namespaced ones are the workflow's `namespace`'s."""
    wanted = tuple(keys)
    resolver = StoreResolver(store)
    found: list[WorkflowTemplate | ClusterWorkflowTemplate] = []
    for kind, name in wanted:
        obj = (
            resolver.cluster_workflow_template(name)
            if kind == "cluster"
            else resolver.workflow_template(name, namespace)
        )
        if obj is not None:
            found.append(obj)
    return have.with_lookups(wanted, found)


# Each round fetches the one WorkflowTemplate operate() asked for; a workflow reaching
# more distinct ones than this in one decision ends as Error.
TEMPLATE_ROUNDS = 64


def decide_with_templates(
    operate: Callable[[Workflow, Observed, datetime, MappingResolver], Decision],
    store: Store,
    wf: Workflow,
    observed: Observed,
    now: datetime,
) -> Decision | None:
    """`operate()` called until it needs no more WorkflowTemplates, each one it asks
    for fetched from the store in between; None after TEMPLATE_ROUNDS rounds."""
    templates = MappingResolver((), looked_up=())
    namespace = wf.metadata.namespace or "default"
    for _ in range(TEMPLATE_ROUNDS):
        decision = operate(wf, observed, now, templates)
        if decision.needs_caches:  # memoization ConfigMaps: read them, decide again
            from workflow_engine.controller.memo import read_caches  # the engine's memo

            caches = {**observed.caches, **read_caches(store, namespace, decision.needs_caches)}
            observed = replace(observed, caches=caches)
            continue
        if not decision.needs_templates:
            return decision
        templates = fetch_templates(store, templates, decision.needs_templates, namespace)
    return None
