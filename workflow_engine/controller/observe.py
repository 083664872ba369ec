"""Runtime pods and store TaskResults -> the engine's `Observed` (pure conversions).

Sits between the controller's caches and `operate()`: the runtime reports
`PodObservation`s, the executor reports `WorkflowTaskResult` objects; the engine wants
`PodState`s by pod name and `TaskResult`s by node id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from workflow_engine.engine.observed import ContainerState, Observed, PodState, TaskResult
from workflow_engine.runtime.base import ContainerObservation, PodObservation
from workflow_engine.spec.models import Outputs
from workflow_engine.vocabulary import (
    CONTAINER_SET_ANNOTATION,
    NODE_ID_ANNOTATION,
    WORKFLOW_LABEL,
)

MAIN_CONTAINER = "main"


def _main(containers: Iterable[ContainerObservation]) -> ContainerObservation | None:
    first = None
    for container in containers:
        if container.name == MAIN_CONTAINER:
            return container
        first = first or container
    return first


def _failed_init(pod: PodObservation) -> ContainerObservation | None:
    for container in pod.init_containers:
        if container.state == "terminated" and container.exit_code not in (0, None):
            return container
    return None


def pod_state(pod: PodObservation) -> PodState:
    """The engine's view of one pod: its phase and its main container's ending."""
    main = _main(pod.containers)
    culprit = _failed_init(pod) if pod.phase == "Failed" else None
    source = culprit or main
    exit_code = main.exit_code if main is not None and main.state == "terminated" else None
    reason = (source.reason if source else "") or pod.reason
    message = (source.message if source else "") or pod.message
    if culprit is not None and not message:
        message = f"init container {culprit.name} exited with code {culprit.exit_code}"
    return PodState(
        name=pod.name,
        phase=pod.phase,
        exit_code=exit_code,
        reason=reason,
        message=message,
        started_at=pod.started_at,
        finished_at=pod.finished_at,
        pod_ip=pod.pod_ip or None,
        host_node_name=pod.host_node_name or None,
        labels=dict(pod.labels),
        node_id=pod.annotations.get(NODE_ID_ANNOTATION),
        containers=_set_containers(pod),
    )


def _set_containers(pod: PodObservation) -> tuple[ContainerState, ...]:
    """A containerSet pod's containers (the engine's Container nodes follow them);
    nothing for other pods, whose containers' states are not worth a reconcile."""
    if CONTAINER_SET_ANNOTATION not in pod.annotations:
        return ()
    return tuple(
        ContainerState(c.name, c.state, c.exit_code, c.reason, c.message) for c in pod.containers
    )


def _outputs_dict(raw: Any) -> dict[str, Any]:
    outputs = dict(raw) if isinstance(raw, Mapping) else {}
    if isinstance(outputs.get("exitCode"), int):
        outputs["exitCode"] = str(outputs["exitCode"])
    return outputs


def task_result(obj: Mapping[str, Any]) -> TaskResult:
    """A stored WorkflowTaskResult -> the engine's TaskResult (an unreadable one is an Error)."""
    node_id = str(obj.get("metadata", {}).get("name", ""))
    message = str(obj.get("message") or "")
    phase = obj.get("phase") or None
    try:
        outputs = Outputs.model_validate(_outputs_dict(obj.get("outputs")))
    except ValidationError as exc:
        return TaskResult(
            node_id=node_id,
            outputs=Outputs(),
            message=f"unreadable task result: {exc.errors()[0]['msg']}",
            phase="Error",
        )
    return TaskResult(node_id=node_id, outputs=outputs, message=message, phase=phase)


def observed(pods: Mapping[str, PodState], results: Mapping[str, TaskResult]) -> Observed:
    return Observed(pods=dict(pods), results=dict(results))


def workflow_of(labels: Mapping[str, str]) -> str | None:
    return labels.get(WORKFLOW_LABEL)
