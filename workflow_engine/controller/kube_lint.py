"""Kubernetes mode: lint a workflow before its first decision.

A Workflow created with `kubectl apply` passed only the CRD's schema; `wf submit`'s lint
never saw it. Before `operate()` first decides about it (it has no phase yet), the
whole of lint runs on it with the cluster's WorkflowTemplates, and any error ends it as
Error with every lint message in `status.message` (`path: reason`, `; ` between them),
so the user sees all of them at once, as `wf lint` prints them, and no pod is created.

Wraps the engine's `operate` in `kube.make_engine`, as `ArtifactWiring.wrap` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from workflow_engine.controller.resolver import StoreResolver
from workflow_engine.engine.decision import Decision, error_decision
from workflow_engine.errors import SpecError
from workflow_engine.lint import lint_documents
from workflow_engine.spec.models import Workflow
from workflow_engine.store.base import Store

Operate = Callable[..., Decision]
LINT_PREFIX = "invalid workflow: "


def lint_message(errors: Sequence[SpecError]) -> str:
    """Every lint error, in order, on one line (a printer column shows one line)."""
    return LINT_PREFIX + "; ".join(str(error) for error in errors)


def lint_workflow(wf: Workflow, store: Store) -> list[SpecError]:
    """Lint's errors for `wf` as stored (its fields as given, templates from `store`)."""
    doc = wf.model_dump(mode="json", by_alias=True, exclude_unset=True)
    doc.pop("status", None)
    return lint_documents([doc], "", StoreResolver(store))


def lint_first(operate: Operate, store: Store) -> Operate:
    """`operate` that lints a workflow that never started first."""

    def linted(wf: Workflow, observed: Any, now: datetime, *rest: Any) -> Decision:
        if wf.status is None or not wf.status.phase:
            errors = lint_workflow(wf, store)
            if errors:
                return error_decision(wf, now, lint_message(errors))
        return operate(wf, observed, now, *rest)

    return linted


__all__ = ["LINT_PREFIX", "lint_first", "lint_message", "lint_workflow"]
