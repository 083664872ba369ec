"""Deterministic node ids, node names and pod names, exactly as Argo v3.4+ makes them.

The engine derives every identifier from the workflow name and a node's name, so
replaying `operate` after a crash names the same nodes and pods again.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
# Argo: maxK8sResourceNameLength (253) minus k8sNamingHashLength (10).
_MAX_POD_PREFIX = 253 - 10
_ATTEMPTS = 8  # collision attempts `pod_name` recognises in a node id (one is rare)
_SEPARATOR = re.compile(r"^(\[\d+\])?\.")


@functools.lru_cache(maxsize=1 << 16)
def fnv32a(text: str) -> int:
    """The 32-bit FNV-1a hash of the UTF-8 bytes of `text` (Go's hash/fnv New32a).
    Memoized: a reconcile asks for the ids and pod names of the same nodes again."""
    value = _FNV_OFFSET
    for byte in text.encode():
        value ^= byte
        value = (value * _FNV_PRIME) & 0xFFFFFFFF
    return value


def node_id(workflow_name: str, node_name: str, attempt: int = 0) -> str:
    """Argo's Workflow.NodeID: the root node's id is the workflow name. `attempt` > 0:
    the id to try when the plain one is another node's (32-bit hashes collide: about
    one pair in a loop of 100,000 items; `Run.id_of` picks the first free attempt)."""
    if node_name == workflow_name:
        return workflow_name
    if attempt:
        return f"{workflow_name}-{fnv32a(f'{node_name}/{attempt}')}"
    return f"{workflow_name}-{fnv32a(node_name)}"


def pod_name(
    workflow_name: str, node_name: str, template_name: str | None, node_id_: str | None = None
) -> str:
    """Argo's GeneratePodName (POD_NAMES=v2): `<wf>-<template>-<fnv32a(node name)>`.
    Given the node's id, its hash is the one the id carries, so a node whose id had to
    avoid a collision (`node_id`'s `attempt`) gets a pod of its own too."""
    if node_name == workflow_name:
        return workflow_name
    suffix = fnv32a(node_name)
    if node_id_ is not None and node_id_ != f"{workflow_name}-{suffix}":
        for attempt in range(1, _ATTEMPTS + 1):  # an id `node_id` gave after a collision
            if node_id_ == node_id(workflow_name, node_name, attempt):
                suffix = fnv32a(f"{node_name}/{attempt}")
                break
    prefix = workflow_name
    if template_name and ".inline" not in node_name:
        prefix = f"{workflow_name}-{template_name}"
    if len(prefix) > _MAX_POD_PREFIX - 1:
        prefix = prefix[: _MAX_POD_PREFIX - 1]
    return f"{prefix}-{suffix}"


def display_name(node_name: str, boundary_name: str | None) -> str:
    """Argo's initializeNode: the name relative to its boundary, without `[i].` or `.`."""
    if boundary_name is None:
        return node_name
    rest = node_name.removeprefix(boundary_name)
    return _SEPARATOR.sub("", rest, count=1)


def go_format(value: Any) -> str:
    """Go's `%v` of a JSON value, as Argo prints loop items into node names."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        return "<nil>"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{go_format(v)}" for k, v in sorted(value.items()))
        return f"map[{inner}]"
    return str(value)


def item_description(item: Any) -> str:
    """How a loop item appears in `name(index:description)`."""
    if isinstance(item, dict):
        return ",".join(sorted(f"{k}:{go_format(v)}" for k, v in item.items()))
    return go_format(item)


def loop_node_name(name: str, index: int, item: Any) -> str:
    return f"{name}({index}:{item_description(item)})"


def retry_child_name(retry_node_name: str, attempt: int) -> str:
    return f"{retry_node_name}({attempt})"


def on_exit_name(parent_name: str) -> str:
    return f"{parent_name}.onExit"
