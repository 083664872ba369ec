"""`wf node set`: store the status `engine.set_node` computes for a workflow (read,
change, write; redone on Conflict like the other operations in `operations`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from workflow_engine.controller.cache import is_completed
from workflow_engine.controller.operations import OperationError, _mutate, workflow_model
from workflow_engine.engine import set_node as _set_node
from workflow_engine.engine.nodeset import SETTABLE_PHASES

__all__ = ["SETTABLE_PHASES", "set_node"]
from workflow_engine.spec.status_codec import status_to_dict
from workflow_engine.store.base import Obj, Store


def set_node(
    store: Store,
    name: str,
    namespace: str,
    *,
    now: datetime,
    selector: str,
    phase: str | None = None,
    message: str | None = None,
    outputs: Mapping[str, str] | None = None,
) -> Obj:
    """Set output parameters, message and phase of the running suspend nodes `selector`
    matches (Argo's node field selector, e.g. `displayName=approve`)."""

    def change(obj: Obj) -> tuple[Obj, Obj | None]:
        if is_completed(obj):
            raise OperationError(
                f"cannot set nodes of workflow {obj['metadata']['name']!r}: it is "
                f"already {obj['status']['phase']}"
            )
        status = _set_node(
            workflow_model(obj), now, selector, phase=phase, message=message, outputs=outputs
        )
        return obj, status_to_dict(status)

    return _mutate(store, name, namespace, change)
