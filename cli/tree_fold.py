"""Folding `wf get` / `wf watch`'s node tree for big workflows: under a node with more
than `FOLD_AT` visible children (a loop of 100,000 iterations, a wide DAG), only the
children still worth a look are listed (running, pending, failed; at most `SHOWN`), and
one row counts the rest by phase. `--all` lists every child; `--node NAME` starts the
tree at one node and lists its children in full.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cli.node_map import NodeMap

FOLD_AT = 30
SHOWN = 10
# children that are done without a problem: folded first
_QUIET = frozenset({"Succeeded", "Skipped", "Omitted"})
_PHASE_ORDER = ("Running", "Pending", "Failed", "Error", "Succeeded", "Skipped", "Omitted")


@dataclass(frozen=True)
class Fold:
    """How to fold: `unfold_all` lists everything; `unfolded` is the id of the node
    whose children are listed in full (`--node`)."""

    unfold_all: bool = False
    unfolded: str | None = None


def fold_children(
    phase_of: Callable[[str], str | None], node_id: str, children: list[str], fold: Fold
) -> tuple[list[str], str | None]:
    """The children to list under `node_id` (`phase_of`: a node id's phase), and the
    summary row's text for the rest (None when nothing is folded)."""
    if fold.unfold_all or node_id == fold.unfolded or len(children) <= FOLD_AT:
        return children, None
    shown: list[str] = []
    hidden: Counter[str] = Counter()
    for child in children:  # one pass: a loop of 100,000 iterations folds here
        phase = phase_of(child) or "Pending"
        if phase in _QUIET or len(shown) >= SHOWN:
            hidden[phase] += 1
        else:
            shown.append(child)
    parts = [f"{hidden[p]:,} {p}" for p in _PHASE_ORDER if hidden.get(p)]
    parts += [f"{n:,} {p}" for p, n in sorted(hidden.items()) if p not in _PHASE_ORDER]
    total = sum(hidden.values())
    summary = f"… {total:,} more ({', '.join(parts)}); --all or --node NAME to list them"
    return shown, summary


def find_node(nodes: NodeMap, selector: str) -> str | None:
    """The id of the node `--node` names: its id, full name or display name."""
    if selector in nodes:
        return selector
    found = nodes.named(selector) or nodes.named(selector, display=True)
    return found[0] if found else None
