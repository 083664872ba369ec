"""Lint of a workflow's clean-up fields: `podGC` (its delay and label selector; the
strategy is checked with the spec's other fields), `ttlStrategy`, and the volume
claims `volumeClaimGC` collects (`volumeClaimTemplates` need unique names), each error
at its field path, so what the engine would otherwise skip is refused at submit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workflow_engine.errors import SpecError
from workflow_engine.lint.names import duration_problem, q
from workflow_engine.spec.models import WorkflowSpec

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_CLAIM_GC_STRATEGIES = ("OnWorkflowSuccess", "OnWorkflowCompletion")


def check_cleanup(spec: WorkflowSpec, path: str) -> Iterator[SpecError]:
    gc = spec.pod_gc
    if gc is not None and gc.delete_delay_duration:
        problem = duration_problem(gc.delete_delay_duration)
        if problem:
            yield SpecError(f"{path}.podGC.deleteDelayDuration", problem)
    if gc is not None and gc.label_selector is not None:
        yield from _check_selector(gc.label_selector.model_dump(), f"{path}.podGC.labelSelector")
    ttl = spec.ttl_strategy
    for name in ("secondsAfterCompletion", "secondsAfterSuccess", "secondsAfterFailure"):
        value = getattr(ttl, _snake(name)) if ttl is not None else None
        if value is not None and value < 0:
            yield SpecError(f"{path}.ttlStrategy.{name}", "must not be negative")
    yield from _check_claims(spec, path)


def _check_claims(spec: WorkflowSpec, path: str) -> Iterator[SpecError]:
    claim_gc = spec.volume_claim_gc.model_dump() if spec.volume_claim_gc is not None else {}
    strategy = claim_gc.get("strategy")
    if strategy is not None and strategy not in _CLAIM_GC_STRATEGIES:
        yield SpecError(
            f"{path}.volumeClaimGC.strategy",
            f"unknown strategy {q(str(strategy))}; use one of " + ", ".join(_CLAIM_GC_STRATEGIES),
        )
    seen: set[str] = set()
    for index, template in enumerate(spec.volume_claim_templates or ()):
        name = (template.model_dump().get("metadata") or {}).get("name")
        where = f"{path}.volumeClaimTemplates[{index}].metadata.name"
        if not isinstance(name, str) or not name:
            yield SpecError(where, "required: the claim is named <workflow name>-<this name>")
        elif name in seen:
            yield SpecError(where, f"duplicate name {q(name)}")
        else:
            seen.add(name)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _check_selector(selector: dict[str, Any], path: str) -> Iterator[SpecError]:
    labels = selector.get("matchLabels")
    if labels is not None and not isinstance(labels, dict):
        yield SpecError(f"{path}.matchLabels", "must be a map of label values")
    expressions = selector.get("matchExpressions")
    if expressions is None:
        return
    if not isinstance(expressions, list):
        yield SpecError(f"{path}.matchExpressions", "must be a list")
        return
    for index, expression in enumerate(expressions):
        where = f"{path}.matchExpressions[{index}]"
        if not isinstance(expression, dict) or not expression.get("key"):
            yield SpecError(f"{where}.key", "required field is missing")
            continue
        operator = expression.get("operator")
        if operator not in _OPERATORS:
            yield SpecError(
                f"{where}.operator",
                f"unknown operator {q(str(operator))}; use one of " + ", ".join(_OPERATORS),
            )
        elif operator in ("In", "NotIn") and not expression.get("values"):
            yield SpecError(f"{where}.values", f"required for {operator}")
