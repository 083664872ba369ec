"""The embedded runtime: pods as local processes in a sandbox (see runtime.ProcessRuntime).

Names load on first use (PEP 562), so a probe module (`sandbox`, `isolation`) can be
imported without the whole runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from workflow_engine.vocabulary import SIDECARS_ANNOTATION

if TYPE_CHECKING:
    from workflow_engine.runtime.process.runtime import ProcessRuntime

__all__ = ["SIDECARS_ANNOTATION", "ProcessRuntime"]

_MODULES = {"ProcessRuntime": "runtime"}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
