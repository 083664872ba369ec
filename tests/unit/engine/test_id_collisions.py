"""Two node names whose fnv32a hashes are equal get distinct ids (engine/run.py
`Run.id_of`): the name created first keeps Argo's id, the other takes the next
candidate, pods get distinct names, and replaying from the stored status (the
simulator round-trips it through its JSON form on every call, so every call rebuilds
the name index from the map) derives the same ids. The colliding names are found here
by brute force. Pure."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from tests.unit.engine.simulator import Simulator
from workflow_engine.engine import CreatePod, operate
from workflow_engine.engine.naming import fnv32a, node_id, pod_name
from workflow_engine.spec.models import Workflow

WF = "clash"
_hash: Callable[[str], int] = fnv32a.__wrapped__  # type: ignore[attr-defined]


def _word(k: int) -> str:
    # sequential numbers hash poorly with FNV: spread them first
    return format(k * 2654435761 % 2**32, "08x")


def _first_collision(candidates: Iterator[tuple[str, str]]) -> tuple[str, str]:
    """The first two candidates (key, node name) whose node names hash alike, keys
    returned in the order they were generated."""
    seen: dict[int, str] = {}
    for key, name in candidates:
        found = seen.setdefault(_hash(name), key)
        if found != key:
            return found, key
    raise AssertionError("unreachable")


@functools.cache
def colliding_tasks() -> tuple[str, str]:
    """Two DAG task names whose nodes (`clash.<task>`) hash alike."""
    count = iter(range(1 << 24))
    return _first_collision((f"t{_word(k)}", f"{WF}.t{_word(k)}") for k in count)


@functools.cache
def colliding_items() -> tuple[str, str]:
    """Items a, b such that loop iterations `clash.t(0:a)` and `clash.t(1:b)` hash alike."""
    first: dict[int, str] = {}
    second: dict[int, str] = {}
    for k in range(1 << 24):
        word = _word(k)
        one, two = _hash(f"{WF}.t(0:{word})"), _hash(f"{WF}.t(1:{word})")
        if one in second:
            return word, second[one]
        if two in first:
            return first[two], word
        first[one], second[two] = word, word
    raise AssertionError("unreachable")


ECHO: dict[str, Any] = {
    "name": "echo",
    "inputs": {"parameters": [{"name": "v"}]},
    "container": {"image": "x", "command": ["echo", "{{inputs.parameters.v}} {{pod.name}}"]},
}


def workflow(tasks: list[dict[str, Any]]) -> Workflow:
    for task in tasks:
        task.setdefault("template", "echo")
        task.setdefault("arguments", {"parameters": [{"name": "v", "value": "{{item}}"}]})
    main = {"name": "main", "dag": {"tasks": tasks}}
    return Workflow.model_validate(
        {
            "metadata": {"name": WF, "namespace": "default"},
            "spec": {"entrypoint": "main", "templates": [main, ECHO]},
        }
    )


def creates(sim: Simulator) -> list[CreatePod]:
    return [a for d in sim.decisions for a in d.actions if isinstance(a, CreatePod)]


def check_distinct(sim: Simulator, first: str, second: str) -> None:
    """Both nodes exist, succeeded, on distinct ids; the first keeps Argo's id and pod
    name; each pod ran once, under its own name, and saw it as `{{pod.name}}`."""
    assert sim.status.phase == "Succeeded"
    one, two = sim.node(first), sim.node(second)
    assert one.phase == two.phase == "Succeeded"
    assert node_id(WF, first) == node_id(WF, second)  # the names do collide
    assert one.id == node_id(WF, first)
    assert two.id not in (one.id, node_id(WF, second)) and two.id.startswith(f"{WF}-")
    made = {c.node_name: c for c in creates(sim)}
    assert len(creates(sim)) == len(made)  # no pod created twice
    assert made[first].pod_name == pod_name(WF, first, "echo")
    assert made[second].pod_name != made[first].pod_name
    assert (made[first].node_id, made[second].node_id) == (one.id, two.id)
    for name in (first, second):
        assert f"{made[name].pod_name}" in made[name].template.container.command[-1]  # type: ignore[union-attr]


def test_loop_iterations_that_hash_alike_both_run_on_distinct_ids() -> None:
    a, b = colliding_items()
    first, second = f"{WF}.t(0:{a})", f"{WF}.t(1:{b})"
    sim = Simulator(workflow([{"name": "t", "withItems": [a, b]}])).run()
    check_distinct(sim, first, second)
    assert len(sim.nodes_named(f"{WF}.t(")) == 2


def test_the_name_created_first_keeps_the_plain_id_in_either_order() -> None:
    x, y = colliding_tasks()
    for before, after in ((x, y), (y, x)):
        tasks = [
            {"name": before, "arguments": {"parameters": [{"name": "v", "value": "1"}]}},
            {
                "name": after,
                "dependencies": [before],
                "arguments": {"parameters": [{"name": "v", "value": "2"}]},
            },
        ]
        sim = Simulator(workflow(tasks)).run()
        check_distinct(sim, f"{WF}.{before}", f"{WF}.{after}")


def test_tasks_started_together_with_the_index_kept_between_calls() -> None:
    x, y = colliding_tasks()
    for round_trip in (True, False):  # False: each call starts from the last one's index
        tasks = [
            {"name": name, "arguments": {"parameters": [{"name": "v", "value": name}]}}
            for name in (x, y)
        ]
        sim = Simulator(workflow(tasks), round_trip=round_trip).run()
        check_distinct(sim, f"{WF}.{x}", f"{WF}.{y}")


def test_replay_from_the_stored_status_derives_the_same_ids() -> None:
    a, b = colliding_items()
    sim = Simulator(workflow([{"name": "t", "withItems": [a, b]}]))
    initial = sim.wf
    sim.step()  # both iterations created, nothing observed yet
    stored = sim.wf
    lost = operate(initial, sim.observed(), sim.now, None)  # a crash before the save
    assert {n.name: n.id for n in lost.status.nodes.values()} == {
        n.name: n.id for n in sim.decisions[0].status.nodes.values()
    }
    ids = {n.name: n.id for n in (stored.status.nodes or {}).values()}
    assert len(set(ids.values())) == len(ids) == 4  # root, task group, two iterations
    again = operate(stored, sim.observed(), sim.now, None)
    assert {n.name: n.id for n in again.status.nodes.values()} == ids
    made = [a for a in again.actions if isinstance(a, CreatePod)]
    first = [a for a in sim.decisions[0].actions if isinstance(a, CreatePod)]
    assert {(c.node_id, c.pod_name) for c in made} <= {(c.node_id, c.pod_name) for c in first}
