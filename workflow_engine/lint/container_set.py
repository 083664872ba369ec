"""Checks of a containerSet template: its members' names, images and dependencies
(known, no cycle), its retryStrategy, and the `main` member that inputs and outputs
need (Argo's validation of container sets)."""

from __future__ import annotations

from collections.abc import Iterator

from workflow_engine.errors import SpecError
from workflow_engine.lint.context import SpecContext
from workflow_engine.lint.names import duration_problem, int_value, is_variable, q
from workflow_engine.spec.models import Template


def check_container_set(ctx: SpecContext, template: Template, path: str) -> Iterator[SpecError]:
    container_set = template.container_set
    assert container_set is not None
    where = f"{path}.containerSet.containers"
    if not container_set.containers:
        yield SpecError(where, "list at least one container")
    names: set[str] = set()
    for index, container in enumerate(container_set.containers):
        if not container.name:
            yield SpecError(f"{where}[{index}].name", "required field is missing")
        elif container.name in names:
            yield SpecError(
                f"{where}[{index}].name", f"duplicate container name {q(container.name)}"
            )
        names.add(container.name or "")
        if not container.image and not ctx.default_image("container"):
            yield SpecError(f"{where}[{index}].image", "required: the image to run")
    for index, container in enumerate(container_set.containers):
        for dep_index, dep in enumerate(container.dependencies or []):
            if dep not in names:
                yield SpecError(
                    f"{where}[{index}].dependencies[{dep_index}]", f"unknown container {q(dep)}"
                )
    yield from _cycles(template, where)
    yield from _retry(template, f"{path}.containerSet.retryStrategy")
    outputs = template.outputs
    needs_main = bool(
        (template.inputs and template.inputs.artifacts)
        or (outputs and (outputs.parameters or outputs.artifacts))
    )
    if needs_main and "main" not in names:
        yield SpecError(where, 'a container named "main" is needed for inputs and outputs')


def _cycles(template: Template, where: str) -> Iterator[SpecError]:
    """One error per cycle among the dependencies, at the first member on it."""
    assert template.container_set is not None
    members = template.container_set.containers
    deps = {c.name: [d for d in c.dependencies or () if d] for c in members if c.name}
    index = {c.name: i for i, c in enumerate(members) if c.name}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, trail: list[str]) -> list[str] | None:
        state[name] = 1
        for dep in deps.get(name, ()):
            if state.get(dep) == 1:
                return [*trail[trail.index(dep) :], dep]
            if dep in deps and dep not in state:
                found = visit(dep, [*trail, dep])
                if found is not None:
                    return found
        state[name] = 2
        return None

    for name in deps:
        if name not in state:
            cycle = visit(name, [name])
            if cycle is not None:
                yield SpecError(
                    f"{where}[{index[cycle[0]]}].dependencies",
                    "dependency cycle: " + " -> ".join(cycle),
                )
                return


def _retry(template: Template, where: str) -> Iterator[SpecError]:
    assert template.container_set is not None
    retry = template.container_set.retry_strategy
    if retry is None:
        return
    retries = retry.retries
    if not (isinstance(retries, str) and is_variable(retries)):
        value = int_value(retries)
        if value is None or value < 0:
            yield SpecError(f"{where}.retries", f"{q(retries)} is not a whole number")
    if retry.duration is not None and not is_variable(retry.duration):
        problem = duration_problem(retry.duration)
        if problem:
            yield SpecError(f"{where}.duration", problem)
