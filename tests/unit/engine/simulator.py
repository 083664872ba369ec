"""A pod simulator for the engine's tests: plays the pods `operate` asks for, with a
simulated clock, and loops operate -> actions -> observations until the workflow is
fulfilled. What is real here: `operate` and the spec models; pods are scripted
(exit code, stdout, output parameters, duration in simulated seconds)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from workflow_engine.engine import CreatePod, DeletePod, Observed, PodState, TaskResult, operate
from workflow_engine.spec.models import Artifact, Outputs, Parameter, S3Artifact, Workflow
from workflow_engine.spec.resolver import MappingResolver
from workflow_engine.spec.status_codec import status_from_dict, status_to_dict

START = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Script:
    exit_code: int = 0
    stdout: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    seconds: float = 1.0
    executor_error: str | None = None  # the executor itself failed (TaskResult phase Error)
    reason: str = ""


@dataclass
class SimPod:
    name: str
    node_id: str
    node_name: str
    create: CreatePod
    script: Script
    started: datetime
    ends: datetime
    phase: str = "Running"
    seen: bool = False  # observed by operate at least once


@dataclass
class Simulator:
    wf: Workflow
    scripts: dict[str, Script | list[Script]] = field(default_factory=dict)
    resolver: MappingResolver | None = None
    now: datetime = START
    round_trip: bool = True
    pods: dict[str, SimPod] = field(default_factory=dict)
    results: dict[str, TaskResult] = field(default_factory=dict)
    events: list[tuple[float, str, str]] = field(default_factory=list)  # (t, started|ended, node)
    max_running: int = 0
    creates: int = 0
    requeues: list[float] = field(default_factory=list)
    decisions: list[Any] = field(default_factory=list)
    runs_of: dict[str, int] = field(default_factory=dict)

    @property
    def status(self) -> Any:
        return self.wf.status

    def t(self) -> float:
        return (self.now - START).total_seconds()

    def observed(self) -> Observed:
        states = {}
        for pod in self.pods.values():
            code = None
            if pod.phase in ("Succeeded", "Failed"):
                code = pod.script.exit_code
            pod.seen = True
            states[pod.name] = PodState(
                pod_ip=f"10.0.0.{len(states) + 1}",
                name=pod.name,
                phase=pod.phase,
                exit_code=code,  # type: ignore[arg-type]
                reason=pod.script.reason if pod.phase == "Failed" else "",
                node_id=pod.node_id,
                labels=dict(meta.labels or {}) if (meta := pod.create.template.metadata) else {},
            )
        return Observed(pods=states, results=dict(self.results))

    def script_for(self, create: CreatePod) -> Script:
        node = (
            self.wf.status.nodes[create.node_id]
            if self.wf.status and self.wf.status.nodes
            else None
        )
        keys = [create.node_name]
        if node is not None:
            keys.append(node.display_name)
            keys.append(node.template_name or "")
        keys.append(create.template.name or "")
        for key in keys:
            if key in self.scripts:
                found = self.scripts[key]
                if isinstance(found, list):
                    count = self.runs_of.get(key, 0)
                    self.runs_of[key] = count + 1
                    return found[min(count, len(found) - 1)]
                return found
        return Script()

    def step(self) -> None:
        decision = operate(self.wf, self.observed(), self.now, self.resolver)
        self.decisions.append(decision)
        status = decision.status
        if self.round_trip:
            status = status_from_dict(status_to_dict(status, max_node_bytes=4096))
        self.wf = self.wf.model_copy(update={"status": status})
        for action in decision.actions:
            if isinstance(action, CreatePod) and action.pod_name not in self.pods:
                self._create(action)
            elif isinstance(action, DeletePod) and action.pod_name in self.pods:
                pod = self.pods.pop(action.pod_name)
                if pod.phase == "Running":
                    self.events.append((self.t(), "ended", pod.node_name))
        if decision.requeue_after is not None:
            self.requeues.append(decision.requeue_after)
        self.max_running = max(
            self.max_running, sum(1 for p in self.pods.values() if p.phase == "Running")
        )

    def _create(self, create: CreatePod) -> None:
        script = self.script_for(create)
        self.creates += 1
        self.pods[create.pod_name] = SimPod(
            name=create.pod_name,
            node_id=create.node_id,
            node_name=create.node_name,
            create=create,
            script=script,
            started=self.now,
            ends=self.now + timedelta(seconds=script.seconds),
        )
        self.events.append((self.t(), "started", create.node_name))

    def advance(self) -> bool:
        """Move the clock to the next pod end or requeue; False when nothing is pending."""
        running = [p for p in self.pods.values() if p.phase == "Running"]
        if any(not p.seen for p in running):
            return True  # let operate see new pods running before time moves on
        candidates = [p.ends for p in running]
        last = self.decisions[-1] if self.decisions else None
        if last is not None and last.requeue_after is not None:
            candidates.append(self.now + timedelta(seconds=last.requeue_after))
        if not candidates:
            return False
        self.now = max(self.now, min(candidates))
        for pod in running:
            if pod.ends <= self.now:
                self._finish(pod)
        return True

    def _finish(self, pod: SimPod) -> None:
        script = pod.script
        pod.phase = "Succeeded" if script.exit_code == 0 else "Failed"
        self.events.append((self.t(), "ended", pod.node_name))
        self.results[pod.node_id] = TaskResult(
            node_id=pod.node_id,
            outputs=self._outputs(pod),
            message=script.executor_error or "",
            phase="Error" if script.executor_error else None,
        )

    def _outputs(self, pod: SimPod) -> Outputs:
        template = pod.create.template
        declared = template.outputs
        params = [
            Parameter(name=p.name, value=pod.script.params[p.name])
            for p in (declared.parameters if declared else None) or ()
            if p.name in pod.script.params
        ]
        arts = [
            Artifact(
                name=a.name,
                path=a.path,
                s3=S3Artifact(key=f"{self.wf.metadata.name}/{pod.name}/{a.name}.tgz"),
                artifact_gc=a.artifact_gc,  # the executor reports the declared strategy
            )
            for a in (declared.artifacts if declared else None) or ()
        ]
        result = pod.script.stdout
        if result is None and template.script is not None:
            result = ""
        return Outputs(
            parameters=params or None,
            artifacts=arts or None,
            result=result,
            exit_code=str(pod.script.exit_code),
        )

    def run(self, max_steps: int = 10_000) -> Simulator:
        for _ in range(max_steps):
            self.step()
            if self.wf.status and self.wf.status.phase in ("Succeeded", "Failed", "Error"):
                return self
            if not self.advance():
                # nothing running and nothing to wait for: one more look, then stop
                self.step()
                if not self.advance():
                    return self
        raise AssertionError("workflow did not finish")

    # -- helpers for assertions ----------------------------------------------
    def node(self, name: str) -> Any:
        for node in (self.wf.status.nodes or {}).values():
            if node.name == name:
                return node
        raise KeyError(name)

    def nodes_named(self, prefix: str) -> list[Any]:
        return [n for n in (self.wf.status.nodes or {}).values() if n.name.startswith(prefix)]

    def started_order(self) -> list[str]:
        return [name for _, kind, name in self.events if kind == "started"]

    def span(self, node_name: str) -> tuple[float, float]:
        start = next(t for t, k, n in self.events if k == "started" and n == node_name)
        end = next(t for t, k, n in self.events if k == "ended" and n == node_name)
        return start, end


def load(path: str, **overrides: Any) -> Workflow:
    import yaml

    with open(path) as fh:
        data = yaml.safe_load(fh)
    data.setdefault("metadata", {}).setdefault("name", overrides.pop("name", "wf"))
    data["metadata"].setdefault("namespace", "default")
    return Workflow.model_validate(data)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
