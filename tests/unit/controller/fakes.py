"""Real fakes for controller tests: a Runtime that keeps pods in memory (the test
says when they end; it passes the Runtime port contract,
test_fake_runtime_contract.py) and a tiny engine that runs a workflow's templates one after the
other, so the controller's wiring can be tested without the real engine.

The fake engine: every template in `spec.templates` is one step, run in order. A
container template becomes node `<wf>-<index>`, run by a pod named as Argo names it
(exit code 1 in auto mode when the template's name starts with "fail"); a
`suspend: {duration: N}` template waits N seconds of the clock (RequeueAfter). A
failed pod fails the workflow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from workflow_engine.controller.reconcile import Engine
from workflow_engine.engine import naming
from workflow_engine.engine.decision import CreatePod, Decision, EmitEvent, RequeueAfter
from workflow_engine.engine.observed import Observed
from workflow_engine.errors import NotFound
from workflow_engine.runtime.base import ContainerObservation, PodObservation
from workflow_engine.spec.models import NodeStatus, Outputs, Workflow, WorkflowStatus
from workflow_engine.spec.resolver import TemplateResolver

WORKFLOW_LABEL = "workflows.argoproj.io/workflow"
WORKFLOW_UID_LABEL = "workflows.argoproj.io/workflow-uid"
EXIT_CODE_ANNOTATION = "test/exit-code"  # what an `auto` FakeRuntime pod exits with


class FakeRuntime:
    """The Runtime port in memory. `auto` ends every pod at once with exit code 0."""

    def __init__(self, auto: bool = False) -> None:
        self.auto = auto
        self._lock = threading.Lock()
        self.pods: dict[tuple[str, str], PodObservation] = {}
        self.manifests: dict[str, Mapping[str, Any]] = {}
        self.created: list[str] = []
        self.deleted: list[str] = []
        self._listeners: list[Callable[[], None]] = []
        self.logs_by_pod: dict[str, list[bytes]] = {}

    def create_pod(self, manifest: Mapping[str, Any]) -> None:
        meta = manifest["metadata"]
        key = (meta.get("namespace", "default"), meta["name"])
        with self._lock:
            if key in self.pods:
                return
            self.created.append(meta["name"])
            self.manifests[meta["name"]] = manifest
            self.pods[key] = PodObservation(
                name=meta["name"],
                namespace=key[0],
                phase="Pending",
                labels=dict(meta.get("labels") or {}),
                annotations=dict(meta.get("annotations") or {}),
            )
        if self.auto:
            code = int((meta.get("annotations") or {}).get(EXIT_CODE_ANNOTATION, "0"))
            self.finish(meta["name"], code, namespace=key[0])
        else:
            self._notify()

    def finish(self, name: str, exit_code: int, namespace: str = "default") -> None:
        with self._lock:
            pod = self.pods[(namespace, name)]
            reason = "Completed" if exit_code == 0 else "Error"
            main = ContainerObservation(
                name="main", state="terminated", exit_code=exit_code, reason=reason
            )
            self.pods[(namespace, name)] = PodObservation(
                name=name,
                namespace=namespace,
                phase="Succeeded" if exit_code == 0 else "Failed",
                labels=pod.labels,
                annotations=pod.annotations,
                containers=(main,),
            )
        self._notify()

    def delete_pod(
        self, name: str, namespace: str = "default", grace_seconds: float | None = None
    ) -> None:
        with self._lock:
            if self.pods.pop((namespace, name), None) is None:
                return
            self.deleted.append(name)
        self._notify()

    def observe(self) -> list[PodObservation]:
        with self._lock:
            return list(self.pods.values())

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]:
        if name in self.logs_by_pod:  # what a test said the pod logged
            return iter(self.logs_by_pod[name])
        with self._lock:
            manifest = self.manifests.get(name) if (namespace, name) in self.pods else None
        if manifest is None:
            raise NotFound(f"pod {namespace}/{name} not found")
        spec = manifest.get("spec") or {}
        names = [c["name"] for c in (spec.get("initContainers") or []) + spec["containers"]]
        if container not in names:
            raise NotFound(f"pod {namespace}/{name} has no container {container!r}")
        return iter(())

    def add_listener(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback()

    def close(self) -> None:
        pass


def node_id(wf: str, index: int) -> str:
    return f"{wf}-{index}"


def pod_of(wf: str, index: int, template: str) -> str:
    """The pod of step `index` (named as the real engine names pods)."""
    return naming.pod_name(wf, f"{wf}[{index}]", template)


def fake_operate(
    wf: Workflow, observed: Observed, now: datetime, resolver: TemplateResolver
) -> Decision:
    name = wf.metadata.name or ""
    status = wf.status or WorkflowStatus()
    if status.phase in ("Succeeded", "Failed", "Error"):
        return Decision(status=status)
    nodes = dict(status.nodes or {})
    actions: list[Any] = []
    update: dict[str, Any] = {}
    if not status.phase:
        update = {"phase": "Running", "started_at": now}
        actions.append(EmitEvent("WorkflowRunning", "Workflow Running"))
    if wf.spec.shutdown:
        update.update(phase="Failed", finished_at=now, message=f"Stopped with {wf.spec.shutdown}")
        return Decision(
            status=status.model_copy(update={**update, "nodes": nodes}), actions=tuple(actions)
        )
    may_start = not wf.spec.suspend
    for index, template in enumerate(wf.spec.templates or ()):
        node_id = f"{name}-{index}"
        pod = naming.pod_name(name, f"{name}[{index}]", template.name)
        node = nodes.get(node_id)
        if node is None:
            if not may_start:
                break
            node = NodeStatus(
                id=node_id,
                name=f"{name}[{index}]",
                display_name=template.name or "",
                type="Suspend" if template.suspend else "Pod",
                template_name=template.name,
                started_at=now,
            )
            if template.suspend is None:
                actions.append(CreatePod(node_id, node.name, pod, template))
                nodes[node_id] = node
                break
            node = node.with_phase("Running", now)
            nodes[node_id] = node
        if node.fulfilled:
            continue
        if template.suspend is not None:
            seconds = float(template.suspend.duration or 0)
            left = (node.started_at + timedelta(seconds=seconds) - now).total_seconds()
            if left > 0:
                actions.append(RequeueAfter(left))
                break
            nodes[node_id] = node.with_phase("Succeeded", now)
            continue
        state = observed.pods.get(pod)
        if state is None or state.phase in ("Pending", "Running"):
            if state is None:
                actions.append(CreatePod(node_id, node.name, pod, template))
            break
        result = observed.results.get(node_id)
        if state.phase == "Succeeded":
            node = node.with_phase("Succeeded", now)
            if result is not None:
                node = node.with_outputs(result.outputs)
            nodes[node_id] = node
            continue
        nodes[node_id] = node.with_phase("Failed", now, f"exit code {state.exit_code}")
        actions.append(EmitEvent("WorkflowFailed", "failed", "Warning"))
        update.update(phase="Failed", finished_at=now, message=f"step {index} failed")
        break
    else:
        update.update(phase="Succeeded", finished_at=now)
        actions.append(EmitEvent("WorkflowSucceeded", "Workflow Succeeded"))
    return Decision(
        status=status.model_copy(update={**update, "nodes": nodes}), actions=tuple(actions)
    )


def fake_pod(wf: Workflow, action: CreatePod, now: datetime) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": action.pod_name,
            "namespace": wf.metadata.namespace or "default",
            "labels": {WORKFLOW_LABEL: wf.metadata.name, WORKFLOW_UID_LABEL: wf.metadata.uid},
            "annotations": {
                "workflows.argoproj.io/node-id": action.node_id,
                # A template whose name starts with "fail" fails (FakeRuntime auto mode).
                EXIT_CODE_ANNOTATION: "1"
                if (action.template.name or "").startswith("fail")
                else "0",
            },
        },
        "spec": {"containers": [{"name": "main", "command": ["true"]}]},
    }


def status_to_dict(status: WorkflowStatus) -> dict[str, Any]:
    return status.to_dict()


def status_from_dict(data: dict[str, Any]) -> WorkflowStatus:
    return WorkflowStatus.model_validate(data)


FAKE_ENGINE = Engine(
    operate=fake_operate,
    status_to_dict=status_to_dict,
    status_from_dict=status_from_dict,
    build_pod=fake_pod,
)


def workflow(name: str, *steps: str, **spec: Any) -> dict[str, Any]:
    """A workflow whose templates are `steps`: "sleep:N" is a suspend of N seconds,
    anything else a container."""
    templates = []
    for index, step in enumerate(steps):
        if step.startswith("sleep:"):
            templates.append({"name": f"s{index}", "suspend": {"duration": step[6:]}})
        else:
            templates.append({"name": step, "container": {"image": "x", "command": [step]}})
    return {
        "apiVersion": "wfengine.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"entrypoint": steps[0] if steps else "main", "templates": templates, **spec},
    }


def outputs(result: str) -> Outputs:
    return Outputs(result=result)
