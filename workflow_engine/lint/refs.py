"""`{{...}}` references: what a field may name where it stands, and the errors for the
rest (an undeclared input, a step of the same or a later group, a task that is not a
dependency, an undeclared workflow parameter, `item` outside a loop).

Follows Argo's validator: only names under `inputs.`, `outputs.`, `steps.`, `tasks.`,
`workflow.`, `pod.` and `item` are checked; anything else is left to run time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from workflow_engine.errors import SpecError
from workflow_engine.lint.context import SpecContext
from workflow_engine.lint.exprs import Ref, tag_refs
from workflow_engine.lint.names import q
from workflow_engine.spec.models import Template

# Workflow variables Argo defines, whole names and prefixes.
WORKFLOW_NAMES = frozenset(
    {
        "workflow.name",
        "workflow.namespace",
        "workflow.mainEntrypoint",
        "workflow.serviceAccountName",
        "workflow.uid",
        "workflow.parameters",
        "workflow.parameters.json",
        "workflow.annotations",
        "workflow.annotations.json",
        "workflow.labels",
        "workflow.labels.json",
        "workflow.priority",
        "workflow.status",
        "workflow.failures",
        "workflow.duration",
        "workflow.scheduledTime",
        "workflow.creationTimestamp",
    }
)
WORKFLOW_PREFIXES = (
    "workflow.annotations.",
    "workflow.labels.",
    "workflow.creationTimestamp.",
    "workflow.outputs.parameters.",
    "workflow.outputs.artifacts.",
)
NODE_FIELDS = frozenset(
    {"id", "startedAt", "finishedAt", "hostNodeName", "ip", "status", "exitCode"}
)
ANY_KEY = None


@dataclass(frozen=True)
class Node:
    """A step or task another field may refer to, with the template it calls if known."""

    template: Template | None
    aggregate: bool


@dataclass(frozen=True)
class Scope:
    """The names a field may use. `steps`/`tasks` map visible nodes; None: not in one.

    `item_keys`: None outside a loop; ANY_KEY (None) is told apart by `in_loop`.
    """

    ctx: SpecContext
    inputs: frozenset[str] = frozenset()
    artifacts: frozenset[str] = frozenset()
    steps: Mapping[str, Node] | None = None
    all_steps: frozenset[str] = frozenset()
    tasks: Mapping[str, Node] | None = None
    all_tasks: frozenset[str] = frozenset()
    in_loop: bool = False
    item_keys: frozenset[str] | None = ANY_KEY

    @classmethod
    def of_template(cls, ctx: SpecContext, template: Template) -> Scope:
        inputs = template.inputs
        params = frozenset(p.name for p in (inputs.parameters if inputs else None) or [])
        arts = frozenset(a.name for a in (inputs.artifacts if inputs else None) or [])
        return cls(ctx=ctx, inputs=params, artifacts=arts)

    def with_loop(self, item_keys: frozenset[str] | None) -> Scope:
        return replace(self, in_loop=True, item_keys=item_keys)


def check_value(scope: Scope, value: Any, path: str) -> Iterator[SpecError]:
    """Every string inside `value` (a to_dict() tree), with its own field path."""
    if isinstance(value, str):
        if "{{" in value:
            refs, errors = tag_refs(value, path)
            yield from errors
            for ref in refs:
                problem = ref_problem(scope, ref)
                if problem:
                    yield SpecError(path, problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from check_value(scope, item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from check_value(scope, item, f"{path}[{index}]")


def ref_problem(scope: Scope, ref: Ref) -> str | None:
    name = ref.name
    root, _, rest = name.partition(".")
    checker = _CHECKERS.get(root)
    if checker is None:
        return None
    return checker(scope, name, rest, ref.expression)


def _item(scope: Scope, name: str, rest: str, expression: bool) -> str | None:
    if not scope.in_loop:
        return f"{{{{{name}}}}} is used outside a loop (withItems, withParam, withSequence)"
    key = rest.split(".", 1)[0]
    if rest and scope.item_keys is not None and key not in scope.item_keys:
        return f"{{{{{name}}}}}: the items have no key {q(key)}"
    return None


def _inputs(scope: Scope, name: str, rest: str, expression: bool) -> str | None:
    group, _, tail = rest.partition(".")
    key = tail.split(".", 1)[0]
    if group == "parameters":
        if not key:
            return None if scope.inputs or expression else "the template has no input parameters"
        if key not in scope.inputs:
            return f"unknown input parameter {q(key)}: declare it in inputs.parameters"
        return None
    if group == "artifacts":
        if key and key not in scope.artifacts:
            return f"unknown input artifact {q(key)}: declare it in inputs.artifacts"
        return None
    return f"unknown variable {{{{{name}}}}}"


def _pod(scope: Scope, name: str, rest: str, expression: bool) -> str | None:
    return None if rest == "name" else f"unknown variable {{{{{name}}}}}"


def _workflow(scope: Scope, name: str, rest: str, expression: bool) -> str | None:
    if name in WORKFLOW_NAMES or name.startswith(WORKFLOW_PREFIXES):
        return None
    if name.startswith("workflow.parameters."):
        param = name.removeprefix("workflow.parameters.").split(".", 1)[0]
        if scope.ctx.is_template or param in scope.ctx.workflow_parameters:
            return None
        return f"unknown workflow parameter {q(param)}: declare it in spec.arguments.parameters"
    return f"unknown variable {{{{{name}}}}}"


def _node_problem(
    kind: str, visible: Mapping[str, Node] | None, every: frozenset[str], name: str, rest: str
) -> str | None:
    node_name, _, attribute = rest.partition(".")
    if node_name == "name" and not attribute:
        return None
    noun = "step" if kind == "steps" else "task"
    if visible is None:
        return f"{{{{{name}}}}}: {kind}.* is only known inside a {kind} template"
    node = visible.get(node_name)
    if node is None:
        if node_name not in every:
            return f"unknown {noun} {q(node_name)}"
        if kind == "steps":
            return f"step {q(node_name)} has not run yet here: use steps of earlier groups"
        return f"task {q(node_name)} is not a dependency of this task: add it to depends"
    return _attribute_problem(node, name, attribute)


def _attribute_problem(node: Node, name: str, attribute: str) -> str | None:
    if not attribute or attribute in NODE_FIELDS:
        return None
    parts = attribute.split(".")
    if parts[0] != "outputs" or len(parts) == 1:
        return f"unknown variable {{{{{name}}}}}"
    if parts[1] in ("result", "exitCode") or node.template is None:
        return None
    outputs = node.template.outputs
    if parts[1] == "parameters":
        if len(parts) == 2:
            return None if node.aggregate else f"{{{{{name}}}}} is only set for loops"
        declared = {p.name for p in (outputs.parameters if outputs else None) or []}
        if parts[2] not in declared:
            return f"unknown output parameter {q(parts[2])} of template {q(node.template.name)}"
        return None
    if parts[1] == "artifacts" and len(parts) > 2:
        declared = {a.name for a in (outputs.artifacts if outputs else None) or []}
        if parts[2] not in declared:
            return f"unknown output artifact {q(parts[2])} of template {q(node.template.name)}"
        return None
    return f"unknown variable {{{{{name}}}}}"


def _steps(scope: Scope, name: str, rest: str, expression: bool) -> str | None:
    return _node_problem("steps", scope.steps, scope.all_steps, name, rest)


def _tasks(scope: Scope, name: str, rest: str, expression: bool) -> str | None:
    return _node_problem("tasks", scope.tasks, scope.all_tasks, name, rest)


def _outputs(scope: Scope, name: str, rest: str, expression: bool) -> str | None:
    return None


_CHECKERS = {
    "item": _item,
    "inputs": _inputs,
    "outputs": _outputs,
    "pod": _pod,
    "workflow": _workflow,
    "steps": _steps,
    "tasks": _tasks,
}
