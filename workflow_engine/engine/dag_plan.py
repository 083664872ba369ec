"""The shape of a DAG template: each task's dependencies (from `dependencies` or the
task names a `depends` expression mentions), its targets (the leaves, sorted, as Argo
picks them, unless `target` names them), and the checks done when a DAG starts."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from workflow_engine.engine.exprs import depends_names
from workflow_engine.engine.params import InputError
from workflow_engine.spec.models import DAGTask, Template


@dataclass(frozen=True)
class DagPlan:
    """What a DAG template's shape implies; immutable, as its parts are shared
    between calls through the cache below."""

    order: tuple[DAGTask, ...]
    deps: Mapping[str, tuple[str, ...]]
    depends: Mapping[str, str | None]  # None: plain `dependencies`
    targets: tuple[str, ...]
    tasks: Mapping[str, DAGTask]
    position: Mapping[str, int]  # a task's place in the declared order
    dependants: Mapping[str, tuple[str, ...]]
    hooked: bool  # some task has lifecycle hooks or an exit handler
    # task name -> `plain(name)`: a memo of a pure function of the (immutable) task
    _plain: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def plain(self, name: str) -> bool:
        """Whether the task resolves to itself: no `{{...}}` in any field, no artifact
        arguments, no `when`, no loop (so deciding it may wait needs no resolving)."""
        found = self._plain.get(name)
        if found is None:
            task = self.tasks[name]
            args = task.arguments
            found = not (
                task.when
                or (args is not None and args.artifacts)
                or "{{" in json.dumps(task.to_dict())
                or task.with_items is not None
                or task.with_param is not None
                or task.with_sequence is not None
            )
            self._plain[name] = found
        return found


# The plans of the DAG templates seen last, by the identity of their task list (a
# running workflow's spec is parsed once, so a long DAG is planned once, not per call);
# the entry holds the list, so an id is never taken for another list's.
_PLANS: dict[int, tuple[object, str | None, DagPlan]] = {}
_PLANS_KEPT = 64


def plan(template: Template, validate: bool) -> DagPlan:
    """Dependencies and targets; `validate` also checks names and cycles (done when
    the DAG starts: the template cannot change afterwards)."""
    assert template.dag is not None
    tasks = template.dag.tasks
    target = template.dag.target
    held = _PLANS.get(id(tasks))
    if held is not None and held[0] is tasks and held[1] == target:
        found = held[2]
    else:
        found = _plan(tasks, target)
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[id(tasks)] = (tasks, target, found)
    if validate:
        _validate(found.tasks, found.deps, found.targets)
    return found


def _plan(tasks: list[DAGTask], target: str | None) -> DagPlan:
    shape = tuple((t.name, t.depends, tuple(t.dependencies or ())) for t in tasks)
    deps, depends, targets = _shape(shape, target)
    dependants: dict[str, list[str]] = {}
    for name, names in deps.items():
        for dep in names:
            dependants.setdefault(dep, []).append(name)
    return DagPlan(
        order=tuple(tasks),
        deps=deps,
        depends=depends,
        targets=targets,
        tasks=MappingProxyType({t.name: t for t in tasks}),
        position=MappingProxyType({t.name: i for i, t in enumerate(tasks)}),
        dependants=MappingProxyType({k: tuple(v) for k, v in dependants.items()}),
        hooked=any(t.hooks or t.on_exit for t in tasks),
    )


@functools.lru_cache(maxsize=256)
def _shape(
    shape: tuple[tuple[str, str | None, tuple[str, ...]], ...], target: str | None
) -> tuple[Mapping[str, tuple[str, ...]], Mapping[str, str | None], tuple[str, ...]]:
    """A DAG's dependencies, `depends` texts and targets, from its tasks' names and
    dependency fields: memoized (a running DAG asks on every call), so immutable."""
    deps: dict[str, tuple[str, ...]] = {}
    depends: dict[str, str | None] = {}
    for name, depends_text, dependencies in shape:
        if depends_text:
            deps[name] = tuple(depends_names(depends_text))
            depends[name] = depends_text
        else:
            deps[name] = dependencies
            depends[name] = None
    has_dependants = {d for names in deps.values() for d in names}
    targets = tuple(
        target.split() if target else sorted(n for n, _, _ in shape if n not in has_dependants)
    )
    return MappingProxyType(deps), MappingProxyType(depends), targets


def _validate(
    tasks: Mapping[str, DAGTask], deps: Mapping[str, tuple[str, ...]], targets: tuple[str, ...]
) -> None:
    for name, names in deps.items():
        for dep in names:
            if dep not in tasks:
                raise InputError(f"task '{name}' depends on unknown task '{dep}'")
    for target in targets:
        if target not in tasks:
            raise InputError(f"target '{target}' is not a task of the dag")
    waiting = {name: len(set(names)) for name, names in deps.items()}
    dependants: dict[str, list[str]] = {name: [] for name in tasks}
    for name, names in deps.items():
        for dep in set(names):
            dependants[dep].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    seen = 0
    while ready:
        name = ready.pop()
        seen += 1
        for nxt in dependants[name]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                ready.append(nxt)
    if seen != len(tasks):
        raise InputError("dependency cycle detected among the dag's tasks")


def ancestors(p: DagPlan) -> set[str]:
    seen: set[str] = set()
    stack = list(p.targets)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(p.deps[name])
    return seen
