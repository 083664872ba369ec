"""PodDisruptionBudgets, applied: the `Budgets` port the reconciler hands the engine's
CreateDisruptionBudget / DeleteDisruptionBudget actions to (engine/disruption.py).

Sits in the controller beside claims.py. Embedded mode keeps `NoBudgets`: pods there
are local processes that nothing evicts, so a budget would protect nothing (lint warns
that the field has no effect there). Kubernetes mode: controller/kube_budgets.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Budgets(Protocol):
    def create(self, manifest: Mapping[str, Any]) -> None:
        """Create a PodDisruptionBudget; one that exists already is left as it is."""
        ...

    def delete(self, namespace: str, name: str) -> None:
        """Delete a budget; a missing one is no error."""
        ...


class NoBudgets:
    """Embedded mode: nothing evicts a pod, so there is no budget to keep."""

    def create(self, manifest: Mapping[str, Any]) -> None:
        return None

    def delete(self, namespace: str, name: str) -> None:
        return None
