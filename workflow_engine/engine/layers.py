"""Variable scopes layered without copying: the first map wins, as `collections.ChainMap`
reads them. Part of the pure core (the scopes `{{...}}` substitution looks names up in).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from typing import Any, cast


def layered(*maps: Mapping[str, Any]) -> ChainMap[str, Any]:
    """A read-only view of `maps`, the first one's names first. ChainMap only ever
    writes to its first map, which this view never does, so read-only maps are fine."""
    return ChainMap(*cast(list[dict[str, Any]], list(maps)))
