"""Node ids are Argo's 32-bit FNV-1a hashes of node names, so a big loop meets two
names with one id (a `withSequence` loop of 100,000 items in a workflow named
`loop-100000` does at item 26,272, whose name hashes as item 9,607's). The second node
must get an id and a pod of its own: overwriting the first lost it, the loop made it
again on every call, and each call dropped the engine's node index (issue 12: the
100,000-task loop fell back to full passes from about 26,000 pods on)."""

from __future__ import annotations

from typing import Any

from tests.unit.engine.simulator import Simulator
from workflow_engine.engine.naming import fnv32a, node_id, pod_name
from workflow_engine.engine.node_index import index_of
from workflow_engine.spec.models import Workflow

# Two items whose iteration names hash alike in a workflow named "collide" (found by a
# birthday search over "a<i>" and "b<i>"): `collide.t(0:a90849)` and `collide.t(1:b488796)`.
FIRST, SECOND = "a90849", "b488796"


def _loop(items: list[str]) -> Workflow:
    doc: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "collide", "namespace": "default"},
        "spec": {
            "entrypoint": "main",
            "parallelism": 1,
            "templates": [
                {
                    "name": "main",
                    "dag": {"tasks": [{"name": "t", "template": "echo", "withItems": items}]},
                },
                {"name": "echo", "container": {"image": "busybox", "command": ["true"]}},
            ],
        },
    }
    return Workflow.model_validate(doc)


def _names() -> tuple[str, str]:
    return f"collide.t(0:{FIRST})", f"collide.t(1:{SECOND})"


def test_the_two_names_collide() -> None:
    first, second = _names()
    assert fnv32a(first) == fnv32a(second)
    assert node_id("collide", first) == node_id("collide", second)
    assert node_id("collide", second, 1) != node_id("collide", second)


def test_a_colliding_iteration_gets_its_own_node_and_pod() -> None:
    sim = Simulator(_loop([FIRST, SECOND]), round_trip=False).run()
    assert sim.status.phase == "Succeeded"
    first, second = _names()
    one, two = sim.node(first), sim.node(second)
    assert one.id != two.id
    assert one.phase == two.phase == "Succeeded"
    assert len({p.name for p in sim.pods.values()}) == 2
    assert {p.node_id for p in sim.pods.values()} == {one.id, two.id}
    assert pod_name("collide", second, "echo", two.id) != pod_name("collide", first, "echo")


def test_the_index_survives_the_collision() -> None:
    """Each call after the first starts from the index the last call returned."""
    sim = Simulator(_loop([FIRST, SECOND]), round_trip=False)
    seen: list[bool] = []
    for _ in range(40):
        status = sim.wf.status
        if status is not None and status.nodes:
            seen.append(index_of(status.nodes) is not None)
        sim.step()
        if sim.status.phase == "Succeeded":
            break
        sim.advance()
    assert sim.status.phase == "Succeeded"
    assert seen and all(seen)


def test_a_stored_map_keeps_the_ids_it_gave() -> None:
    """Every status read back as JSON (no index): the second node is found by name on
    each later call, so no call makes it (or its pod) again."""
    sim = Simulator(_loop([FIRST, SECOND])).run()
    assert sim.status.phase == "Succeeded"
    first, second = _names()
    assert sim.node(first).id != sim.node(second).id
    assert sim.creates == 2
    assert sorted(n.name for n in sim.nodes_named("collide.t(")) == sorted([first, second])
