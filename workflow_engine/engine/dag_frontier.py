"""The DAG pass that follows what changed: instead of looking at every task on every
call, it visits the DAG's frontier, derived from the status: the tasks the last call
left unfinished (recorded with the node map, engine/node_index.py), the dependants of
tasks that settled since, and the dependants of daemons that are up. A long chain then
costs a few task visits per call instead of one per task.

A visit of any other task is a no-op in the full pass (done, or waiting on a dependency
that has not settled), so the frontier pass decides exactly what the full pass does, in
the same order. A task parallelism holds back stays in the frontier until it starts.
Where a task could wait for something else that is not a node settling (a
dependency's hooks still running, `target`) the full pass runs instead, and so it
does on the first call after the status was read back (no recorded frontier).
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from workflow_engine.engine.run import settled
from workflow_engine.spec.status import FULFILLED_PHASES

if TYPE_CHECKING:
    from workflow_engine.engine.dag import DagPass


def eligible(dag: DagPass, considered: set[str] | None) -> bool:
    """Whether a task of this DAG can only become ready by a node settling, or by
    parallelism letting it start (the tasks it holds back stay in the frontier)."""
    return considered is None and not dag.plan.hooked


def _settled_tasks(dag: DagPass) -> list[str]:
    """This DAG's tasks whose node settled during this call (so far)."""
    prefix, tasks, nodes = f"{dag.node.name}.", dag.plan.tasks, dag.run.nodes
    cut, own = len(prefix), dag.node.id
    found = []
    for node_id in dag.run.finished:
        node = nodes[node_id]
        if node.boundary_id == own and node.name.startswith(prefix):
            name = node.name[cut:]
            if name in tasks:
                found.append(name)
    return found


def start(dag: DagPass) -> set[str] | None:
    """The tasks this pass must visit, or None when no frontier is known (full pass)."""
    run = dag.run
    prior = run.frontiers.get(dag.node.id)
    if prior is None:
        prior = run.prior_frontiers.get(dag.node.id)
    if prior is None:
        return None
    frontier = set(prior) & dag.plan.tasks.keys()
    dependants = dag.plan.dependants
    for name in tuple(frontier):
        node = dag.task_node(name)
        if node is not None and node.phase not in FULFILLED_PHASES and settled(node):
            frontier.update(dependants.get(name, ()))  # a daemon that is up
    for name in _settled_tasks(dag):
        frontier.update(dependants.get(name, ()))
    return frontier


def sweep(dag: DagPass, frontier: set[str]) -> set[str]:
    """`DagPass.execute_all` over the frontier: the same visits in the same order as
    the full pass, without the no-op ones. Returns the tasks visited."""
    plan, position = dag.plan, dag.plan.position
    prefix, lookup = f"{dag.node.name}.", dag.run.by_name
    visited: set[str] = set()
    todo = frontier
    first = True
    while todo:
        heap = [(position[name], name) for name in todo]
        heapq.heapify(heap)
        queued = set(todo)
        again: set[str] = set()
        while heap:
            mine, name = heapq.heappop(heap)
            visited.add(name)
            task = plan.tasks[name]
            node = lookup(prefix + name)
            if node is None:
                if not dag.may_be_ready(task):
                    continue
            elif node.phase in FULFILLED_PHASES:
                continue  # no hooks here (not eligible otherwise)
            if not dag.execute_task(task):
                continue
            for dependant in plan.dependants.get(name, ()):
                at = position[dependant]
                if at < mine:
                    again.add(dependant)
                elif first and dependant not in queued:
                    queued.add(dependant)
                    heapq.heappush(heap, (at, dependant))
        todo, first = again, False
    return visited


def leftover(dag: DagPass, visited: set[str]) -> frozenset[str]:
    """What the next call's pass must visit: the visited tasks still unfinished, the
    visited ones with no node whose first dependency settled (parallelism may hold them
    back), and the dependants of the tasks that settled in this call that have not
    finished."""
    prefix, lookup = f"{dag.node.name}.", dag.run.by_name
    left: set[str] = set()
    tasks = dag.plan.tasks
    for name in visited:
        node = lookup(prefix + name)
        if node is None:
            if dag.may_be_ready(tasks[name]):
                left.add(name)
        elif node.phase not in FULFILLED_PHASES:
            left.add(name)
    dependants = dag.plan.dependants
    for name in _settled_tasks(dag):
        for dependant in dependants.get(name, ()):
            node = lookup(prefix + dependant)
            if node is None or node.phase not in FULFILLED_PHASES:
                left.add(dependant)
    return frozenset(left)


def unsettled(dag: DagPass, visited: set[str]) -> bool:
    """Whether a task node is still unsettled (every unfinished task was visited)."""
    prefix, lookup = f"{dag.node.name}.", dag.run.by_name
    for name in visited:
        node = lookup(prefix + name)
        if node is not None and not settled(node):
            return True
    return False
