"""The name -> id index a call hands to the next (engine/node_index.py `NameIds`):
deriving shares the base and leaves the index derived from as it was. Pure."""

from __future__ import annotations

import math

from workflow_engine.engine.node_index import NameIds


def test_derived_index_adds_without_changing_the_one_it_came_from() -> None:
    first = NameIds({"a": "id-a"})
    first["b"] = "id-b"
    second = first.derive()
    second["c"] = "id-c"
    third = first.derive()  # a decision thrown away: the same index derived twice
    assert (second.get("a"), second.get("b"), second.get("c")) == ("id-a", "id-b", "id-c")
    assert first.get("c") is None and third.get("c") is None
    assert first.parts()[1] is second.parts()[1]  # the base is shared, not copied


def test_additions_fold_into_a_new_base_past_the_square_root() -> None:
    base = {f"n{i}": f"id{i}" for i in range(10_000)}
    ids = NameIds(base)
    for step in range(2_000):
        ids = ids.derive()
        ids[f"m{step}"] = f"new{step}"
        added, shared = ids.parts()
        assert len(added) <= 4 * math.isqrt(len(shared)) + 65  # never near the base's size
    assert ids.get("n0") == "id0" and ids.get("m1999") == "new1999" and ids.get("m0") == "new0"
    assert len(base) == 10_000  # the first base was never written to
    assert len(ids.parts()[1]) > 10_000  # additions were folded into a new base
