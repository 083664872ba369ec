"""Workflow-level variables in `spec.volumes`, filled in before the pod builder adds them.

Sits in the controller between the engine's CreatePod and `podbuilder.build_pod`. The
engine substitutes the template it hands over, but the workflow's own volumes reach
the pod through the pod builder, which takes the spec as written (it imports no
expression code). Argo substitutes workflow-level variables (`workflow.parameters.*`,
`workflow.name`, ...) into the whole spec at the start, so a hostPath of
`{{workflow.parameters.dir}}` means the parameter's value. The result is cached per
workflow generation: a pod of an unchanged workflow costs one dictionary lookup.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from workflow_engine.engine.scope import global_scope
from workflow_engine.expr import substitute
from workflow_engine.spec.models import Workflow

_CACHE_LIMIT = 256


class VolumeSubstitution:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, int | None], Any] = {}

    def apply(self, wf: Workflow) -> Workflow:
        """`wf` with its `spec.volumes` substituted (unchanged when there is nothing to
        fill in). A variable that is not a workflow-level one is left as written."""
        if not wf.spec.volumes:
            return wf
        key = (wf.metadata.uid or "", wf.metadata.generation)
        with self._lock:
            volumes = self._cache.get(key) if key[0] else None
        if volumes is None:
            volumes = substituted_volumes(wf)
            if key[0]:
                with self._lock:
                    if len(self._cache) >= _CACHE_LIMIT:
                        self._cache.clear()
                    self._cache[key] = volumes
        if volumes is wf.spec.volumes:
            return wf
        spec = wf.spec.model_copy(update={"volumes": volumes})
        return wf.model_copy(update={"spec": spec})


def substituted_volumes(wf: Workflow) -> Any:
    """`wf.spec.volumes` with workflow-level `{{...}}` filled in; the same object when
    no volume holds a tag."""
    spec = wf.spec.to_dict()
    raw = spec.get("volumes") or []
    if "{{" not in json.dumps(raw):
        return wf.spec.volumes
    created = wf.metadata.creation_timestamp or datetime.fromtimestamp(0, UTC)
    scope = global_scope(wf, wf.spec, created)
    filled = [_fill(v, scope) for v in raw]
    return type(wf.spec).model_validate({**spec, "volumes": filled}).volumes


def _fill(value: Any, scope: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return substitute(value, scope, strict=False) if "{{" in value else value
    if isinstance(value, list):
        return [_fill(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, scope) for k, v in value.items()}
    return value
