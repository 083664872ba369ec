"""Per-kind health checks of workflow_engine.gitops.health (pure: objects in, verdicts out)."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.gitops.health import Health, assess, overall


def _deploy(spec: dict[str, Any], status: dict[str, Any], generation: int = 2) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": "web", "generation": generation},
        "spec": spec,
        "status": status,
    }


DONE = {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}
STUCK = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}


@pytest.mark.parametrize(
    ("obj", "status", "reason"),
    [
        pytest.param(_deploy({"replicas": 2}, DONE), "Healthy", "", id="deployment-done"),
        pytest.param(
            _deploy({"replicas": 2}, {**DONE, "observedGeneration": 1}),
            "Progressing",
            "controller has not observed generation 2 yet",
            id="deployment-generation-not-observed",
        ),
        pytest.param(
            _deploy({"replicas": 2}, {**DONE, "updatedReplicas": 1}),
            "Progressing",
            "1 of 2 replicas updated",
            id="deployment-updating",
        ),
        pytest.param(
            _deploy({"replicas": 2}, {**DONE, "replicas": 3}),
            "Progressing",
            "1 old replicas pending termination",
            id="deployment-old-replicas",
        ),
        pytest.param(
            _deploy({"replicas": 2}, {**DONE, "availableReplicas": 0}),
            "Progressing",
            "0 of 2 updated replicas available",
            id="deployment-unavailable",
        ),
        pytest.param(
            _deploy({"replicas": 2}, {**DONE, "unavailableReplicas": 1}),
            "Progressing",
            "1 replicas unavailable",
            id="deployment-replica-unavailable",
        ),
        pytest.param(
            _deploy({"replicas": 2}, {"observedGeneration": 2}),
            "Progressing",
            "0 of 2 replicas updated",
            id="deployment-no-pods-yet",
        ),
        pytest.param(
            _deploy({"replicas": 2}, {**DONE, "conditions": [STUCK]}),
            "Degraded",
            "rollout stuck:",
            id="deployment-deadline-exceeded",
        ),
        pytest.param(
            {
                "kind": "StatefulSet",
                "metadata": {"generation": 1},
                "spec": {"replicas": 2},
                "status": {"observedGeneration": 1, "readyReplicas": 1, "updatedReplicas": 2},
            },
            "Progressing",
            "1 of 2 replicas ready",
            id="statefulset-not-ready",
        ),
        pytest.param(
            {
                "kind": "StatefulSet",
                "metadata": {"generation": 1},
                "spec": {"replicas": 2},
                "status": {
                    "observedGeneration": 1,
                    "readyReplicas": 2,
                    "updatedReplicas": 2,
                    "currentRevision": "a",
                    "updateRevision": "a",
                },
            },
            "Healthy",
            "",
            id="statefulset-done",
        ),
        pytest.param(
            {
                "kind": "DaemonSet",
                "metadata": {"generation": 1},
                "status": {
                    "observedGeneration": 1,
                    "desiredNumberScheduled": 3,
                    "updatedNumberScheduled": 3,
                    "numberAvailable": 2,
                },
            },
            "Progressing",
            "2 of 3 pods available",
            id="daemonset-unavailable",
        ),
        pytest.param(
            {"kind": "Job", "status": {"conditions": [{"type": "Complete", "status": "True"}]}},
            "Healthy",
            "",
            id="job-complete",
        ),
        pytest.param(
            {
                "kind": "Job",
                "status": {
                    "conditions": [
                        {"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}
                    ]
                },
            },
            "Degraded",
            "job failed: BackoffLimitExceeded",
            id="job-failed",
        ),
        pytest.param(
            {
                "kind": "Pod",
                "status": {
                    "phase": "Running",
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            },
            "Healthy",
            "",
            id="pod-ready",
        ),
        pytest.param(
            {
                "kind": "Pod",
                "status": {
                    "phase": "Running",
                    "containerStatuses": [
                        {"name": "main", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
                    ],
                },
            },
            "Progressing",
            "container main: CrashLoopBackOff",
            id="pod-crashloop",
        ),
        pytest.param(
            {"kind": "Pod", "status": {"phase": "Failed", "reason": "Evicted"}},
            "Degraded",
            "pod failed: Evicted",
            id="pod-failed",
        ),
        pytest.param(
            {"kind": "PersistentVolumeClaim", "status": {"phase": "Bound"}},
            "Healthy",
            "",
            id="pvc-bound",
        ),
        pytest.param(
            {"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}},
            "Progressing",
            "claim Pending",
            id="pvc-pending",
        ),
        pytest.param(
            {"kind": "Widget", "status": {"conditions": [{"type": "Ready", "status": "False"}]}},
            "Progressing",
            "Ready is False",
            id="custom-not-ready",
        ),
        pytest.param(
            {"kind": "Widget", "status": {"conditions": [{"type": "Available", "status": "True"}]}},
            "Healthy",
            "",
            id="custom-available",
        ),
        pytest.param({"kind": "ConfigMap", "data": {}}, "Healthy", "", id="no-status"),
        pytest.param(None, "Missing", "not found in the cluster", id="missing"),
    ],
)
def test_health_by_kind(obj: dict[str, Any] | None, status: str, reason: str) -> None:
    health = assess(obj)
    assert health.status == status
    assert health.reason.startswith(reason)


SERVICE = {"kind": "Service", "spec": {"selector": {"app": "web"}}}


@pytest.mark.parametrize(
    ("service", "slices", "status"),
    [
        pytest.param(SERVICE, [], "Progressing", id="no-endpoints"),
        pytest.param(
            SERVICE,
            [{"endpoints": [{"addresses": ["10.1.1.1"], "conditions": {"ready": False}}]}],
            "Progressing",
            id="endpoint-not-ready",
        ),
        pytest.param(
            SERVICE,
            [{"endpoints": [{"addresses": ["10.1.1.1"], "conditions": {"ready": True}}]}],
            "Healthy",
            id="ready-endpoint",
        ),
        pytest.param({"kind": "Service", "spec": {}}, [], "Healthy", id="no-selector"),
        pytest.param(
            {"kind": "Service", "spec": {"type": "ExternalName"}}, [], "Healthy", id="external"
        ),
    ],
)
def test_service_health_needs_a_ready_endpoint(
    service: dict[str, Any], slices: list[dict[str, Any]], status: str
) -> None:
    assert assess(service, slices).status == status


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        pytest.param(["Healthy", "Healthy"], "Healthy", id="all-healthy"),
        pytest.param(["Healthy", "Progressing"], "Progressing", id="one-progressing"),
        pytest.param(["Missing", "Progressing"], "Missing", id="missing-over-progressing"),
        pytest.param(["Progressing", "Degraded"], "Degraded", id="degraded-wins"),
        pytest.param([], "Healthy", id="empty"),
    ],
)
def test_overall_health_is_the_worst(states: list[str], expected: str) -> None:
    assert overall([Health(s) for s in states]) == expected  # type: ignore[arg-type]
