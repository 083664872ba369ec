"""Strategic merge of a pod spec patch (`podSpecPatch`), as Kubernetes applies it.

Part of the pod builder. Maps merge recursively and a `null` value deletes a key;
lists Kubernetes declares with a merge key (containers, volumes, env... by `name`,
volumeMounts by `mountPath`, ports by `containerPort`) are merged item by item, new
items appended; `$patch: delete` on an item removes it and `$patch: replace` replaces
a whole map or list. Every other list is replaced.
"""

from __future__ import annotations

import copy
from typing import Any

MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "env": "name",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "resizePolicy": "resourceName",
    "resourceClaims": "name",
    "topologySpreadConstraints": "topologyKey",
}
_DIRECTIVE = "$patch"


def strategic_merge(original: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`original` with `patch` applied; neither argument is changed."""
    if patch.get(_DIRECTIVE) == "replace":
        replaced: dict[str, Any] = _strip(patch)
        return replaced
    result = copy.deepcopy(original)
    for key, value in patch.items():
        if key.startswith("$"):
            continue  # $setElementOrder, $retainKeys: ordering hints we need not follow
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = strategic_merge(result[key], value)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(result.get(key), list):
            result[key] = _merge_list(result[key], value, MERGE_KEYS[key])
        else:
            result[key] = _strip(value)
    return result


def _merge_list(original: list[Any], patch: list[Any], key: str) -> list[Any]:
    if any(isinstance(i, dict) and i.get(_DIRECTIVE) == "replace" for i in patch):
        return [_strip(i) for i in patch if not (isinstance(i, dict) and _DIRECTIVE in i)]
    result = copy.deepcopy(original)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            result.append(_strip(item))
            continue
        at = next(
            (
                n
                for n, old in enumerate(result)
                if isinstance(old, dict) and old.get(key) == item[key]
            ),
            None,
        )
        if item.get(_DIRECTIVE) == "delete":
            if at is not None:
                del result[at]
        elif at is None:
            result.append(_strip(item))
        else:
            result[at] = strategic_merge(result[at], item)
    return result


def _strip(value: Any) -> Any:
    """A deep copy without patch directives."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != _DIRECTIVE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value
