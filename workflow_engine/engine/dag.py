"""DAG templates (Argo's dag.go): tasks start when their `dependencies` / `depends`
are met, loops become TaskGroup nodes, failFast (default on) stops new tasks after a
failure, and the DAG's phase comes from its target tasks (the leaves by default).

One pass over the tasks in topological order per call: a task is looked at once, and
only tasks not yet started evaluate their dependencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow_engine.engine import dag_frontier as frontier
from workflow_engine.engine.context import Ctx, Opts, template_boundary
from workflow_engine.engine.dag_loops import execute_loop, loop_again
from workflow_engine.engine.dag_plan import ancestors, plan
from workflow_engine.engine.execute import execute_template
from workflow_engine.engine.exprs import (
    ExprError,
    Outcome,
    evaluate_depends,
    evaluate_when,
    substitute,
)
from workflow_engine.engine.hooks import (
    HookError,
    error_unfinished,
    exit_hook,
    run_exit_hook,
    run_lifecycle_hooks,
)
from workflow_engine.engine.layers import layered
from workflow_engine.engine.loops import expand, has_loop, resolve_holder, would_wait
from workflow_engine.engine.params import (
    InputError,
    publish_globals,
    resolve_argument_artifacts,
    template_outputs,
)
from workflow_engine.engine.run import settled
from workflow_engine.engine.scope import OutputsScope
from workflow_engine.engine.steps import continues_on, declared_outputs, outbound
from workflow_engine.engine.templates import Scope
from workflow_engine.spec.models import DAGTask, NodeStatus, Outputs, Template
from workflow_engine.spec.status import COMPLETED_PHASES, FULFILLED_PHASES, NodePhase, NodeType

_FAILED = frozenset({"Failed", "Error"})


class DagPass:
    def __init__(
        self,
        ctx: Ctx,
        node: NodeStatus,
        tscope: Scope,
        template: Template,
        scope: Mapping[str, Any],
        opts: Opts,
    ) -> None:
        self.ctx, self.run, self.node, self.tscope, self.opts = ctx, ctx.run, node, tscope, opts
        self.template = _with_target(template, scope)
        self.plan = plan(self.template, validate=not ctx.run.children(node))
        self.tasks = self.plan.tasks
        outputs = OutputsScope("tasks", lambda: list(self.tasks), self._lookup, self._declared)
        self.scope = layered(outputs, scope)
        self.hooks_done: dict[str, bool] = {}
        self.busy = False  # some task node is still unfinished
        self.hook_error = ""  # the first hook error of this pass: the DAG ends Error
        self.visited: set[str] | None = None  # the frontier pass's visits (dag_frontier)

    def task_node(self, name: str) -> NodeStatus | None:
        return self.run.by_name(f"{self.node.name}.{name}")

    def _lookup(self, name: str) -> tuple[NodeStatus | None, list[NodeStatus] | None]:
        node = self.task_node(name) if name in self.tasks else None
        if node is None:
            return None, None
        if node.type == "TaskGroup":
            return node, list(self.run.child_nodes(node))
        return node, None

    def _declared(self, name: str) -> Outputs | None:
        """The outputs the task's template declares (for a skipped task's defaults)."""
        return declared_outputs(self.ctx, self.tscope, self.tasks[name])

    def first_failure(self) -> str:
        for task in self.plan.order:
            node = self.task_node(task.name)
            if node is not None and node.phase in _FAILED and not continues_on(task, node.phase):
                return node.phase
        return "Failed"

    def failure_message(self) -> str:
        """Argo's boundaryFailureMessage (workflow/controller/engine.go, v4): "child
        '<id>' failed" for the first failed task in declared order (an expanded task's
        first failed item); it becomes the workflow's message when the DAG is its root."""
        for task in self.template.dag.tasks if self.template.dag else ():
            node = self.task_node(task.name)
            if node is None or node.phase not in _FAILED:
                continue
            if node.type == "TaskGroup":
                failed = [c for c in self.run.child_nodes(node) if c.phase in _FAILED]
                node = failed[0] if failed else node
            return f"child '{node.id}' failed"
        return ""

    def connect(self, task: DAGTask, node_name: str) -> None:
        deps = self.plan.deps[task.name]
        if not deps:
            self.run.add_child(self.node.name, node_name)
            return
        for dep in deps:
            dep_node = self.task_node(dep)
            if dep_node is None:
                continue
            for out in outbound(self.ctx, dep_node.id):
                self.run.add_child(self.run.nodes[out].name, node_name)

    def init(
        self,
        task: DAGTask,
        name: str,
        node_type: NodeType,
        phase: NodePhase,
        message: str | None = None,
    ) -> NodeStatus:
        return self.run.init_node(
            name,
            node_type,
            self.node.id,
            phase,
            template_name=task.template,
            template_ref=task.template_ref,
            template_scope=self.tscope.label,
            message=message,
        )

    # -- dependencies ---------------------------------------------------------
    def outcome(self, name: str) -> Outcome | None:
        """The dependency's result once it and its exit handler are done, else None."""
        node = self.task_node(name)
        if node is None or not settled(node):
            return None
        if not self.hooks_done.get(name, True):
            return None
        if node.type != "TaskGroup":
            return Outcome(phase=node.phase, daemoned=bool(node.daemoned))
        phases = [c.phase for c in self.run.child_nodes(node)]
        return Outcome(
            phase=node.phase,
            any_succeeded="Succeeded" in phases,
            all_failed=bool(phases) and all(p == "Failed" for p in phases),
        )

    def may_be_ready(self, task: DAGTask) -> bool:
        """False when the task's first dependency has no node yet or is unsettled, so
        `decide` would wait. One lookup, not all: a wide fan-in is decided once, by
        `decide`, when this passes."""
        deps = self.plan.deps[task.name]
        if not deps:
            return True
        node = self.run.by_name(f"{self.node.name}.{deps[0]}")
        return node is not None and settled(node)

    def decide(self, task: DAGTask) -> bool | None:
        """Argo's evaluateDependsLogic: None while waiting, else whether to run."""
        outcomes: dict[str, Outcome] = {}
        for dep in self.plan.deps[task.name]:
            found = self.outcome(dep)
            if found is None:
                return None
            outcomes[dep] = found
        text = self.plan.depends[task.name]
        if text is not None:
            return evaluate_depends(text, outcomes)
        for dep, found in outcomes.items():
            allowed = found.phase in ("Succeeded", "Skipped") or found.daemoned
            if not allowed and not continues_on(self.tasks[dep], found.phase):
                return False
        return True

    # -- tasks ----------------------------------------------------------------
    def execute_task(self, task: DAGTask) -> bool:
        """Advance one task; True when it finished during this call."""
        name = f"{self.node.name}.{task.name}"
        node = self.run.by_name(name)
        if node is not None and node.phase in FULFILLED_PHASES:
            self._after(task, node)
            return False
        if node is not None and node.phase == "Running" and task.hooks:
            self._hooks(task, node)
        if node is not None and self.ctx.waiting_on_pod(node):
            return False
        self._advance(task, name, node)
        done = self.task_node(task.name)
        if done is not None and done.phase in FULFILLED_PHASES:
            self._after(task, done)
            return True
        return False

    def _advance(self, task: DAGTask, name: str, node: NodeStatus | None) -> None:
        if node is None:
            try:
                go = self.decide(task)
            except ExprError as err:
                self.connect(task, name)
                self.init(task, name, "Skipped", "Error", str(err))
                return
            if go is None:
                return
            if not go:
                self.init(task, name, "Skipped", "Omitted", "omitted: depends condition not met")
                self.connect(task, name)
                return
            if self._held(task):
                return
        if node is not None and node.type == "TaskGroup" and has_loop(task):
            loop_again(self, task, name, node)
            return
        try:
            resolved = self._resolve(task)
        except (InputError, ExprError, ValueError) as err:
            if node is None:
                self.init(task, name, "Skipped", "Error", str(err))
                self.connect(task, name)
            else:
                self.run.mark(node.id, "Error", str(err))
            return
        if isinstance(resolved, list):
            execute_loop(self, task, name, node, resolved)
        else:
            self._execute_single(task, name, node, resolved)

    def _held(self, task: DAGTask) -> bool:
        """Parallelism holds the task back in this call and resolving it could neither
        fail nor change it: it is resolved once it may start (a wide DAG at a small
        parallelism would otherwise resolve every ready task on every call)."""
        return self.plan.plain(task.name) and would_wait(
            self.ctx, task, self.tscope, self.node.id, self.opts.on_exit
        )

    def _resolve(self, task: DAGTask) -> DAGTask | list[tuple[str, DAGTask]]:
        if has_loop(task):
            return expand(task, self.scope)
        resolved = resolve_holder(task, self.scope)
        return resolved.model_copy(
            update={"arguments": resolve_argument_artifacts(resolved.arguments, self.scope)}
        )

    def when(self, task: DAGTask, name: str, group: str | None) -> bool:
        try:
            proceed = evaluate_when(task.when) if task.when else True
        except ExprError as err:
            self.init(task, name, "Skipped", "Error", str(err))
            return False
        if not proceed:
            self.init(task, name, "Skipped", "Skipped", f"when '{task.when}' evaluated false")
        return proceed

    def _execute_single(
        self, task: DAGTask, name: str, node: NodeStatus | None, resolved: DAGTask
    ) -> None:
        if node is None and not self.when(resolved, name, None):
            self.connect(task, name)
            return
        child = execute_template(
            self.ctx,
            name,
            resolved,
            self.tscope,
            resolved.arguments,
            Opts(boundary_id=self.node.id, on_exit=self.opts.on_exit),
        )
        if node is None and child is not None:
            self.connect(task, name)

    def _hooks(self, task: DAGTask, node: NodeStatus) -> bool:
        try:
            return run_lifecycle_hooks(
                self.ctx,
                task.hooks,
                node,
                self.node.id,
                self.tscope,
                f"tasks.{task.name}",
                self.scope,
            )
        except HookError as err:
            return self._hook_failed(node, err)

    def _hook_failed(self, node: NodeStatus, err: HookError) -> bool:
        """Argo (dag.go executeDAG): a hook's error errors the DAG with its message (and
        the task, when it still runs); `execute_dag` ends the DAG once the pass is over."""
        error_unfinished(self.ctx, self.run.nodes[node.id], str(err))
        self.hook_error = self.hook_error or str(err)
        return True

    def _after(self, task: DAGTask, node: NodeStatus) -> None:
        hooked = self._hooks(task, node) if task.hooks else True
        hook = exit_hook(self.ctx, task)
        exited = True
        if hook is not None:
            prefix = f"tasks.{task.name}"
            try:
                exited = run_exit_hook(
                    self.ctx, hook, node, self.node.id, self.tscope, prefix, self.scope
                )
            except HookError as err:
                exited = self._hook_failed(node, err)
        if task.hooks or hook is not None:
            self.hooks_done[task.name] = hooked and exited

    # -- the DAG's own phase --------------------------------------------------
    def _branch_phases(self) -> dict[str, str]:
        """Each started task's phase; skipped and omitted ones inherit the phase of the
        branch they sit on (a failed dependency's, else Succeeded)."""
        branch: dict[str, str] = {}
        for root in self.plan.targets:
            stack = [(root, False)]
            while stack:
                name, expanded = stack.pop()
                if name in branch:
                    continue
                node = self.task_node(name)
                if node is None:
                    branch[name] = ""
                elif node.phase in COMPLETED_PHASES:
                    branch[name] = node.phase
                elif node.daemoned:
                    branch[name] = "Succeeded"
                elif not expanded:
                    stack.append((name, True))
                    stack.extend((d, False) for d in self.plan.deps[name] if d not in branch)
                else:
                    failed = [branch[d] for d in self.plan.deps[name] if branch.get(d) in _FAILED]
                    branch[name] = failed[0] if failed else "Succeeded"
        return branch

    def execute_all(self, considered: set[str] | None) -> None:
        """Visit the tasks that may move (the frontier, engine/dag_frontier.py), or all
        of them when no frontier is known; record what the next call must visit."""
        if not frontier.eligible(self, considered):
            self._execute_every(considered)
            return
        todo = frontier.start(self)
        if todo is None:
            self._execute_every(None)
            visited = set(self.plan.tasks)
        else:
            visited = frontier.sweep(self, todo)
        self.visited = visited
        self.run.frontiers[self.node.id] = frontier.leftover(self, visited)

    def _execute_every(self, considered: set[str] | None) -> None:
        """Visit the tasks in declared order; when a task finishes during the pass and a
        task declared before it depends on it, pass again (Argo recurses instead)."""
        order = [t for t in self.plan.order if considered is None or t.name in considered]
        position: dict[str, int] | None = None
        dependants: dict[str, list[str]] | None = None
        todo = order
        prefix, lookup = f"{self.node.name}.", self.run.by_name
        while todo:
            again: set[str] = set()
            for task in todo:
                # Fast exits for what most tasks of a long DAG are on most calls (done,
                # or waiting on a dependency): the outcome `execute_task` would reach.
                node = lookup(prefix + task.name)
                if node is None:
                    if not self.may_be_ready(task):
                        continue
                elif node.phase in FULFILLED_PHASES and not (task.hooks or task.on_exit):
                    continue
                if not self.execute_task(task):
                    continue
                if dependants is None or position is None:
                    position = {t.name: i for i, t in enumerate(order)}
                    dependants = {}
                    for name, names in self.plan.deps.items():
                        for dep in names:
                            dependants.setdefault(dep, []).append(name)
                mine = position[task.name]
                again.update(
                    d for d in dependants.get(task.name, ()) if d in position and position[d] < mine
                )
            todo = [t for t in order if t.name in again]

    def assess(self, considered: set[str] | None) -> str:
        """Argo's assessDAGPhase over the target tasks' branch phases."""
        if self.visited is not None:  # every unfinished task node was visited
            if frontier.unsettled(self, self.visited):
                self.busy = True
                return "Running"
            return self._assess_targets()
        prefix, lookup = f"{self.node.name}.", self.run.by_name
        for task in self.plan.order:
            if considered is not None and task.name not in considered:
                continue
            node = lookup(prefix + task.name)
            if node is None:
                continue
            if not settled(node) or not self.hooks_done.get(task.name, True):
                self.busy = True
                return "Running"
        return self._assess_targets()

    def _assess_targets(self) -> str:
        branch = self._branch_phases()
        fail_fast = self.template.dag is None or self.template.dag.fail_fast is not False
        result = "Succeeded"
        for target in self.plan.targets:
            phase = branch.get(target, "")
            if phase == "":
                result = "Running"
                if not fail_fast:
                    break
            elif phase in _FAILED:
                if continues_on(self.tasks[target], phase):
                    continue
                result = phase
                if fail_fast:
                    break
        return result


def _with_target(template: Template, scope: Mapping[str, Any]) -> Template:
    """The template with `dag.target` substituted (`{{inputs.parameters.x}}`,
    `{{workflow.parameters.x}}`): it names tasks, so it is known before any task runs."""
    dag = template.dag
    if dag is None or not dag.target or "{{" not in dag.target:
        return template
    target = substitute(dag.target, scope)
    return template.model_copy(update={"dag": dag.model_copy(update={"target": target})})


def execute_dag(
    ctx: Ctx,
    node: NodeStatus,
    tscope: Scope,
    template: Template,
    scope: Mapping[str, Any],
    opts: Opts,
) -> NodeStatus:
    run = ctx.run
    try:
        dag = DagPass(ctx, node, tscope, template, scope, opts)
    except (InputError, ExprError, ValueError) as err:
        return run.mark(node.id, "Error", str(err))
    boundary = template_boundary(ctx, node, template)
    if boundary is None:
        return run.nodes[node.id]
    targeted = dag.template.dag is not None and bool(dag.template.dag.target)
    considered = ancestors(dag.plan) if targeted else None
    dag.execute_all(considered)
    if dag.hook_error:
        # what still runs in the DAG (a dependant of the hooked task or an exit hook
        # started in this pass) ends with it; a task's node is a child of its
        # dependency, not of the DAG, so the DAG's boundary says what is in it
        inside = [n for n in run.nodes.values() if n.boundary_id == node.id]
        for member in inside:
            error_unfinished(ctx, member, dag.hook_error)
        return run.mark(node.id, "Error", dag.hook_error)
    phase = dag.assess(considered)
    if phase == "Running" and boundary.blocked and not dag.busy:
        # the template's failFast stopped the remaining tasks and nothing runs any more
        phase = dag.first_failure()
    if phase == "Running":
        return run.nodes[node.id]
    run.frontiers.pop(node.id, None)
    out = [
        o
        for t in dag.plan.targets
        if (n := dag.task_node(t)) is not None
        for o in outbound(ctx, n.id)
    ]
    run.update(node.id, outbound_nodes=out or None)
    if phase in _FAILED:
        return run.mark(node.id, phase, dag.failure_message() or None)  # type: ignore[arg-type]
    try:
        outputs = template_outputs(template, dag.scope)
    except (InputError, ExprError, ValueError) as err:
        return run.mark(node.id, "Error", str(err))
    if outputs is not None:
        run.update(node.id, outputs=outputs)
        publish_globals(ctx, outputs)
    return run.mark(node.id, "Succeeded")
