"""WorkflowTemplates and ClusterWorkflowTemplates: create, list, get, delete, lint.

Sits under `wf template ...`. Templates are linted (with a resolver over the store
plus the other documents of the same file, so templates may refer to each other)
before anything is stored.
"""

from __future__ import annotations

from workflow_engine.controller.resolver import (
    CLUSTER_NAMESPACE,
    StoreResolver,
)
from workflow_engine.errors import AlreadyExists, NotFound, SpecError, SpecErrors
from workflow_engine.lint import lint_text
from workflow_engine.spec import load_documents
from workflow_engine.store.base import Obj, Store
from workflow_engine.vocabulary import CLUSTER_WORKFLOW_TEMPLATE_KIND as CLUSTER_WORKFLOW_TEMPLATE
from workflow_engine.vocabulary import WORKFLOW_TEMPLATE_KIND as WORKFLOW_TEMPLATE

TEMPLATE_KINDS = (WORKFLOW_TEMPLATE, CLUSTER_WORKFLOW_TEMPLATE)
_ALIASES = {
    "workflowtemplate": WORKFLOW_TEMPLATE,
    "wftmpl": WORKFLOW_TEMPLATE,
    "clusterworkflowtemplate": CLUSTER_WORKFLOW_TEMPLATE,
    "cwftmpl": CLUSTER_WORKFLOW_TEMPLATE,
}


def _namespace(kind: str, namespace: str) -> str:
    return CLUSTER_NAMESPACE if kind == CLUSTER_WORKFLOW_TEMPLATE else namespace


def split_reference(reference: str) -> tuple[str, str]:
    """`NAME` (a WorkflowTemplate) or `clusterworkflowtemplate/NAME`."""
    kind, sep, name = reference.partition("/")
    if not sep:
        return WORKFLOW_TEMPLATE, reference
    if kind.lower() not in _ALIASES or not name:
        raise SpecErrors([SpecError("template", f"{reference!r}: unknown template kind")])
    return _ALIASES[kind.lower()], name


def lint_templates(store: Store, text: str, source: str) -> list[Obj]:
    """The template documents of `text`, linted; raises SpecErrors listing every error."""
    docs = load_documents(text, source)
    errors = [
        SpecError(
            f"[{i}].kind" if len(docs) > 1 else "kind",
            f"expected WorkflowTemplate or ClusterWorkflowTemplate, not {d.get('kind')!r}",
        )
        for i, d in enumerate(docs)
        if d.get("kind") not in TEMPLATE_KINDS
    ]
    if not docs:
        errors.append(SpecError(source, "no document"))
    if not errors:
        errors = list(lint_text(text, source, StoreResolver(store)))
    if errors:
        raise SpecErrors(errors)
    return docs


def create_templates(
    store: Store, text: str, source: str, namespace: str = "default", *, upsert: bool = False
) -> list[Obj]:
    created = []
    for doc in lint_templates(store, text, source):
        meta = doc.setdefault("metadata", {})
        meta["namespace"] = _namespace(doc["kind"], meta.get("namespace") or namespace)
        try:
            created.append(store.create(doc))
        except AlreadyExists:
            if not upsert:
                raise
            current = store.get(doc["kind"], meta["name"], meta["namespace"])
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
            created.append(store.update(doc))
    return created


def list_templates(store: Store, namespace: str = "default", *, cluster: bool = False) -> list[Obj]:
    kinds = (CLUSTER_WORKFLOW_TEMPLATE,) if cluster else TEMPLATE_KINDS
    items: list[Obj] = []
    for kind in kinds:
        items.extend(store.list(kind, _namespace(kind, namespace)).items)
    return items


def get_template(store: Store, reference: str, namespace: str = "default") -> Obj:
    kind, name = split_reference(reference)
    return store.get(kind, name, _namespace(kind, namespace))


def delete_templates(store: Store, references: list[str], namespace: str = "default") -> list[str]:
    deleted = []
    for reference in references:
        kind, name = split_reference(reference)
        try:
            store.delete(kind, name, _namespace(kind, namespace))
        except NotFound:
            raise NotFound(f"{kind} {name!r} not found") from None
        deleted.append(name)
    return deleted
