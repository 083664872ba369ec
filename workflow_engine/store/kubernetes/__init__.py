"""The Kubernetes store: Workflows and their kin as custom resources (see store.py).

`KubernetesStore` and `RateLimiter` load the `kubernetes` client package (slow to
import) on first use, so importing this package costs nothing in embedded mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workflow_engine.store.kubernetes.kinds import ARGO_GROUP, CUSTOM_KINDS, GROUPS, OWN_GROUP
from workflow_engine.store.kubernetes.options import KubernetesOptions

if TYPE_CHECKING:
    from workflow_engine.store.kubernetes.client import RateLimiter
    from workflow_engine.store.kubernetes.store import KubernetesStore, discover_group

__all__ = [
    "ARGO_GROUP",
    "CUSTOM_KINDS",
    "GROUPS",
    "OWN_GROUP",
    "KubernetesOptions",
    "KubernetesStore",
    "RateLimiter",
    "discover_group",
]

_LAZY = {
    "KubernetesStore": "workflow_engine.store.kubernetes.store",
    "discover_group": "workflow_engine.store.kubernetes.store",
    "RateLimiter": "workflow_engine.store.kubernetes.client",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
