"""Kubernetes mode lints a workflow before its first decision (controller/kube_lint.py).
Real: lint, the MemoryStore (its WorkflowTemplates), the models; fake: `operate`, a
function that records it was called."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from workflow_engine.controller.kube_lint import LINT_PREFIX, lint_first
from workflow_engine.engine.decision import Decision
from workflow_engine.spec.models import Workflow
from workflow_engine.spec.status import WorkflowStatus
from workflow_engine.store import MemoryStore

DATA = Path(__file__).parents[2] / "data" / "cluster" / "kube"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
EXPECTED = [
    'spec.templates[0].steps[0][0].template: unknown template "nope"',
    'spec.templates[1].dag.tasks[1].depends: unknown task "ghost"',
    'spec.templates[1].dag.tasks[2].templateRef.name: unknown WorkflowTemplate "missing-template"',
]


def workflow(doc: dict[str, Any]) -> Workflow:
    doc = {**doc, "metadata": {"name": "w", "namespace": "default"}}
    return Workflow.model_validate(doc)


def bad() -> dict[str, Any]:
    return dict(yaml.safe_load((DATA / "lint-errors.yaml").read_text()))


class Recorder:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, wf: Workflow, *_: Any) -> Decision:
        self.calls += 1
        return Decision(status=WorkflowStatus(phase="Running"))


def test_a_workflow_failing_lint_ends_error_with_every_message_and_is_not_operated() -> None:
    operate = Recorder()
    decision = lint_first(operate, MemoryStore())(workflow(bad()), None, NOW, None)
    assert operate.calls == 0
    assert decision.status.phase == "Error"
    message = decision.status.message or ""
    assert message == LINT_PREFIX + "; ".join(EXPECTED)


def test_a_good_workflow_and_one_already_running_go_straight_to_operate() -> None:
    operate, store = Recorder(), MemoryStore()
    good = yaml.safe_load((DATA.parents[2].parent / "examples" / "hello-world.yaml").read_text())
    assert lint_first(operate, store)(workflow(good), None, NOW, None).status.phase == "Running"
    running = workflow(bad()).model_copy(update={"status": WorkflowStatus(phase="Running")})
    assert lint_first(operate, store)(running, None, NOW, None).status.phase == "Running"
    assert operate.calls == 2


def test_templates_in_the_store_count() -> None:
    store = MemoryStore()
    store.create(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "WorkflowTemplate",
            "metadata": {"name": "missing-template", "namespace": "default"},
            "spec": {"templates": [{"name": "hello", "container": {"image": "busybox"}}]},
        }
    )
    decision = lint_first(Recorder(), store)(workflow(bad()), None, NOW, None)
    assert decision.status.message == LINT_PREFIX + "; ".join(EXPECTED[:2])
