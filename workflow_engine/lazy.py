"""Names of a package loaded on first use (PEP 562), so importing one light module of a
package does not import all of it: a `wf` command pays for what it touches.

    __getattr__ = lazy_names(__name__, {"operate": "operate", ...})

maps each public name to the submodule (relative to the package) that defines it. The
package keeps the same imports under `if TYPE_CHECKING:` for type checkers.

A name that is also its submodule's name (`engine.operate`, `cron.plan`) stays the
function: importing the submodule would otherwise set the package attribute to the
module (the import system does that for every submodule), shadowing the name.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


class _LazyPackage(ModuleType):
    _shadowed: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._shadowed and isinstance(value, ModuleType):
            return  # the submodule stays reachable through sys.modules
        super().__setattr__(name, value)


def lazy_names(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    module = sys.modules[package]
    module.__class__ = _LazyPackage
    shadowed = frozenset(name for name, submodule in names.items() if name == submodule)
    object.__setattr__(module, "_shadowed", shadowed)
    for name in shadowed:  # a submodule imported before this package finished loading
        if isinstance(module.__dict__.get(name), ModuleType):
            del module.__dict__[name]

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        setattr(module, name, value)
        return value

    return __getattr__
