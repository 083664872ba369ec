"""Checks of a `dag` template: task names, `depends` / `dependencies` (syntax, unknown
tasks, cycles: `lint.graph`), target, and the references each task makes (only
to the tasks it depends on, directly or not)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from dataclasses import replace

from workflow_engine.errors import SpecError
from workflow_engine.lint.calls import check_call, check_loop
from workflow_engine.lint.context import SpecContext
from workflow_engine.lint.exprs import depends_tasks
from workflow_engine.lint.graph import TaskGraph, ancestors_of
from workflow_engine.lint.names import field_name_problem, is_variable, q
from workflow_engine.lint.refs import Node, Scope, check_value
from workflow_engine.spec.models import DAGTask, Template

ITEM_RESULTS = frozenset({"AnySucceeded", "AllFailed"})


def check_dag(ctx: SpecContext, template: Template, path: str, scope: Scope) -> Iterator[SpecError]:
    """Also checks the template's outputs, which may name any task."""
    dag = template.dag
    assert dag is not None
    where = f"{path}.dag.tasks"
    if not dag.tasks:
        yield SpecError(where, "a dag needs at least one task")
    by_name = {task.name: task for task in dag.tasks}
    yield from _check_names(dag.tasks, where)
    edges: list[tuple[str, str]] = []
    uses_depends = any(task.depends is not None for task in dag.tasks)
    for index, task in enumerate(dag.tasks):
        yield from _check_dependencies(task, f"{where}[{index}]", by_name, edges, uses_depends)
    graph = TaskGraph(by_name, edges)
    yield from _check_cycles(graph, dag.tasks, where)
    nodes: dict[str, Node] = {}
    loops: dict[str, tuple[bool, frozenset[str] | None]] = {}
    for index, task in enumerate(dag.tasks):
        callee, errors = check_call(ctx, task, f"{where}[{index}]")
        yield from errors
        loop_errors, looped, keys = check_loop(task, f"{where}[{index}]")
        yield from loop_errors
        nodes[task.name] = Node(callee, looped and task.with_sequence is None)
        loops[task.name] = (looped, keys)
    every = frozenset(by_name)
    ancestors = ancestors_of(graph)
    for index, task in enumerate(dag.tasks):
        visible = _Visible(ancestors(task.name), nodes)
        task_scope = replace(scope, tasks=visible, all_tasks=every)
        looped, keys = loops[task.name]
        yield from _check_refs(
            task, task_scope, f"{where}[{index}]", nodes[task.name], looped, keys
        )
    if dag.target and not is_variable(dag.target):
        for name in dag.target.split():
            if name not in by_name:
                yield SpecError(f"{path}.dag.target", f"unknown task {q(name)}")
    if template.outputs is not None:
        outputs_scope = replace(scope, tasks=nodes, all_tasks=every)
        yield from check_value(outputs_scope, template.outputs.to_dict(), f"{path}.outputs")


class _Visible(Mapping[str, Node]):
    """The nodes of a task's ancestors, without copying them per task."""

    def __init__(self, names: Set[str], nodes: Mapping[str, Node]) -> None:
        self._names, self._nodes = names, nodes

    def __getitem__(self, name: str) -> Node:
        if name not in self._names:
            raise KeyError(name)
        return self._nodes[name]

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._names if name in self._nodes)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _check_names(tasks: list[DAGTask], where: str) -> Iterator[SpecError]:
    seen: set[str] = set()
    for index, task in enumerate(tasks):
        problem = field_name_problem(task.name)
        if problem:
            yield SpecError(f"{where}[{index}].name", problem)
        elif task.name in seen:
            yield SpecError(f"{where}[{index}].name", f"duplicate task name {q(task.name)}")
        seen.add(task.name)


def _check_dependencies(
    task: DAGTask,
    where: str,
    by_name: dict[str, DAGTask],
    edges: list[tuple[str, str]],
    uses_depends: bool,
) -> Iterator[SpecError]:
    if (uses_depends or task.dependencies) and task.name[:1].isdigit():
        yield SpecError(
            f"{where}.name", "must not begin with a digit when the dag uses depends or dependencies"
        )
    if uses_depends and task.dependencies:
        yield SpecError(f"{where}.dependencies", "do not mix dependencies and depends in one dag")
    if uses_depends and task.continue_on is not None:
        yield SpecError(
            f"{where}.continueOn",
            "not allowed with depends: use depends conditions such as 'task.Failed'",
        )
    for index, name in enumerate(task.dependencies or []):
        if name not in by_name:
            yield SpecError(f"{where}.dependencies[{index}]", f"unknown task {q(name)}")
        else:
            edges.append((name, task.name))
    if task.depends is None:
        return
    names, errors = depends_tasks(task.depends, f"{where}.depends")
    yield from errors
    for name, results in names.items():
        target = by_name.get(name)
        if target is None:
            yield SpecError(f"{where}.depends", f"unknown task {q(name)}")
            continue
        edges.append((name, task.name))
        looped = target.with_items or target.with_param or target.with_sequence
        if results & ITEM_RESULTS and not looped:
            used = ", ".join(sorted(results & ITEM_RESULTS))
            yield SpecError(f"{where}.depends", f"{name}.{used} needs task {q(name)} to loop")


def _check_cycles(graph: TaskGraph, tasks: list[DAGTask], where: str) -> Iterator[SpecError]:
    order = {task.name: index for index, task in enumerate(tasks)}
    found = graph.cyclic_components()
    for component in sorted(found, key=lambda names: min(order.get(n, 0) for n in names)):
        start = min(component, key=lambda name: order.get(name, 0))
        ring = graph.cycle_from(start, component)
        # Start the cycle at its task declared first, so the report is stable.
        first = min(range(len(ring)), key=lambda i: order.get(ring[i], 0))
        ring = ring[first:] + ring[:first]
        cycle = " -> ".join([*ring, ring[0]])
        yield SpecError(f"{where}[{order.get(ring[0], 0)}]", f"dependency cycle: {cycle}")


def _check_refs(
    task: DAGTask,
    scope: Scope,
    where: str,
    node: Node,
    looped: bool,
    keys: frozenset[str] | None,
) -> Iterator[SpecError]:
    body = task.to_dict()
    hooks = body.pop("hooks", None)
    for field in ("inline", "depends", "dependencies", "name"):
        body.pop(field, None)
    own = scope.with_loop(keys) if looped else scope
    yield from check_value(own, body, where)
    if hooks and scope.tasks is not None:
        # A hook runs after its own task, so it may read that task's outputs and status.
        after = replace(scope, tasks={**scope.tasks, task.name: node})
        yield from check_value(after, hooks, f"{where}.hooks")
