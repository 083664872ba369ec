"""Loops in DAG templates: a task with `withItems`, `withParam` or `withSequence`
becomes a TaskGroup node with a child per iteration. The first pass resolves every
iteration (a bad item errors the task before anything starts); later passes resolve
only the iterations that may move (engine/loops.py `WaitCheck`), so a running loop's
call costs a lookup per iteration plus what changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow_engine.engine.context import Opts
from workflow_engine.engine.execute import execute_template
from workflow_engine.engine.exprs import ExprError
from workflow_engine.engine.loops import Iteration, WaitCheck, iterations, resolve_iteration
from workflow_engine.engine.params import InputError
from workflow_engine.engine.run import Run, settled
from workflow_engine.spec.models import DAGTask, NodeStatus
from workflow_engine.spec.status import FULFILLED_PHASES

if TYPE_CHECKING:
    from workflow_engine.engine.dag import DagPass

_FAILED = frozenset({"Failed", "Error"})


def execute_loop(
    dag: DagPass,
    task: DAGTask,
    name: str,
    group: NodeStatus | None,
    items: list[tuple[str, DAGTask]],
) -> None:
    """The first pass over a loop: every iteration resolved, so a bad item errors
    the task before anything starts."""
    if not items:
        dag.init(task, name, "Skipped", "Skipped", "Skipped, empty params")
        dag.connect(task, name)
        return
    if group is None:
        group = dag.init(task, name, "TaskGroup", "Running")
        dag.connect(task, name)
    for item_name, item in items:
        child_name = f"{dag.node.name}.{item_name}"
        _iteration(dag, name, child_name, item, dag.run.by_name(child_name))
    _settle_loop(dag, group, len(items))


def loop_again(dag: DagPass, task: DAGTask, name: str, group: NodeStatus) -> None:
    """A loop whose group exists: only iterations that may move now are resolved
    (finished ones, ones waiting on their pod and ones parallelism holds back are
    passed over), so a call costs a lookup per iteration plus what changed."""
    try:
        todo = iterations(task, dag.scope, f"{dag.node.name}.")
    except (InputError, ExprError, ValueError) as err:
        dag.run.mark(group.id, "Error", str(err))
        return
    held = WaitCheck(dag.ctx, task, dag.tscope, dag.node.id, dag.opts.on_exit)
    unfinished = False  # an iteration is certainly not settled: the group is not
    run = dag.run
    # The leading iterations the last call found fulfilled stay so: passed over unseen.
    start = run.loops_done.get(group.id, run.prior_loops_done.get(group.id, 0))
    created, seen = len(run.children(group)), start
    lookup = run.by_name
    for item_name, child_name, item in todo[start:]:
        child = lookup(child_name)
        if child is None:
            if held():
                unfinished = True
                if seen >= created:
                    break  # the rest have no node either, and wait just the same
                continue
        else:
            seen += 1
            if child.phase in FULFILLED_PHASES:
                continue
            if dag.ctx.waiting_on_pod(child):
                unfinished = unfinished or not child.daemoned
                continue
        try:
            resolved = resolve_iteration(task, item_name, item, dag.scope)
        except (InputError, ExprError, ValueError) as err:
            dag.run.mark(group.id, "Error", str(err))
            return
        _iteration(dag, name, child_name, resolved, child)
    run.loops_done[group.id] = _done_prefix(run, todo, start)
    if not unfinished:
        _settle_loop(dag, group, len(todo))


def _done_prefix(run: Run, todo: tuple[Iteration, ...], start: int) -> int:
    """How many leading iterations are fulfilled now (at least `start` were)."""
    done = start
    for _, child_name, _ in todo[start:]:
        child = run.by_name(child_name)
        if child is None or child.phase not in FULFILLED_PHASES:
            break
        done += 1
    return done


def _iteration(
    dag: DagPass, name: str, child_name: str, item: DAGTask, child: NodeStatus | None
) -> None:
    opts = Opts(boundary_id=dag.node.id, on_exit=dag.opts.on_exit)
    if child is None:
        if not dag.when(item, child_name, name):
            dag.run.add_child(name, child_name)
            return
        child = execute_template(dag.ctx, child_name, item, dag.tscope, item.arguments, opts)
        if child is not None:
            dag.run.add_child(name, child_name)
    elif child.phase not in FULFILLED_PHASES:
        execute_template(dag.ctx, child_name, item, dag.tscope, item.arguments, opts)


def _settle_loop(dag: DagPass, group: NodeStatus, count: int) -> None:
    kids = list(dag.run.child_nodes(dag.run.nodes[group.id]))
    if len(kids) < count or not all(settled(k) for k in kids):
        return
    phase = "Succeeded"
    for kid in kids:
        if kid.phase in _FAILED:
            phase = kid.phase
    dag.run.mark(group.id, phase)  # type: ignore[arg-type]
