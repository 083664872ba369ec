"""Folding `wf get` / `wf watch`'s node tree for big workflows: under a node with more
than `FOLD_AT` visible children (a loop of 100,000 iterations, a wide DAG), only the
children still worth a look are listed (running, pending, failed; at most `SHOWN`), and
one row counts the rest by phase. `--all` lists every child; `--node NAME` starts the
tree at one node and lists its children in full.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, islice
from operator import not_
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
    phases: Callable[[list[str]], Iterable[str | None]],
    node_id: str,
    children: list[str],
    fold: Fold,
) -> tuple[list[str], str | None]:
    """The children to list under `node_id` (`phases`: the phases of node ids, in
    order), and the summary row's text for the rest (None when nothing is folded)."""
    if fold.unfold_all or node_id == fold.unfolded or len(children) <= FOLD_AT:
        return children, None
    # A loop of 100,000 iterations folds here: both passes iterate in C (map, compress,
    # Counter), the first stops at the SHOWN-th child worth a look.
    loud = map(not_, map(_QUIET.__contains__, phases(children)))
    shown = list(islice(compress(children, loud), SHOWN))
    hidden = Counter(phases(children))
    hidden.subtract(phases(shown))
    for missing in (None, ""):
        if missing in hidden:
            hidden["Pending"] += hidden.pop(missing)
    named: Counter[str] = Counter({p: n for p, n in hidden.items() if p and n > 0})
    parts = [f"{named[p]:,} {p}" for p in _PHASE_ORDER if named.get(p)]
    parts += [f"{n:,} {p}" for p, n in sorted(named.items()) if p not in _PHASE_ORDER]
    total = sum(named.values())
    summary = f"… {total:,} more ({', '.join(parts)}); --all or --node NAME to list them"
    return shown, summary


def find_node(nodes: NodeMap, selector: str) -> str | None:
    """The id of the node `--node` names: its id, full name or display name."""
    if selector in nodes:
        return selector
    found = nodes.named(selector) or nodes.named(selector, display=True)
    return found[0] if found else None
