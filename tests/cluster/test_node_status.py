"""Pure translations of the node agent (workflow_engine.runtime.kubernetes_node.status
and volumes.with_api_env), without a cluster: ProcessRuntime observations to pod
status, and the pod rewrites done before a pod starts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from workflow_engine.runtime.base import ContainerObservation, PodObservation
from workflow_engine.runtime.kubernetes_node.status import lease_manifest, pod_status
from workflow_engine.runtime.kubernetes_node.volumes import with_api_env

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
T1 = datetime(2026, 1, 2, 3, 4, 9, tzinfo=UTC)
SPEC = {"containers": [{"name": "main", "image": "alpine:3"}]}


def _obs(phase: str, state: str, exit_code: int | None = None, reason: str = "") -> PodObservation:
    main = ContainerObservation(
        "main",
        state,
        exit_code=exit_code,
        reason=reason,
        started_at=T0,  # type: ignore[arg-type]
        finished_at=T1 if state == "terminated" else None,
    )
    return PodObservation("p", "ns", phase, containers=(main,), started_at=T0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("obs", "state", "ready"),
    [
        pytest.param(
            _obs("Pending", "waiting"),
            {"waiting": {"reason": "ContainerCreating", "message": ""}},
            "False",
            id="waiting",
        ),
        pytest.param(
            _obs("Running", "running"),
            {"running": {"startedAt": "2026-01-02T03:04:05Z"}},
            "True",
            id="running",
        ),
        pytest.param(
            _obs("Succeeded", "terminated", 0, "Completed"),
            {
                "terminated": {
                    "exitCode": 0,
                    "reason": "Completed",
                    "containerID": "process://ns/p/main",
                    "startedAt": "2026-01-02T03:04:05Z",
                    "finishedAt": "2026-01-02T03:04:09Z",
                }
            },
            "False",
            id="succeeded",
        ),
        pytest.param(
            _obs("Failed", "terminated", 137, ""),
            {
                "terminated": {
                    "exitCode": 137,
                    "reason": "Error",
                    "containerID": "process://ns/p/main",
                    "startedAt": "2026-01-02T03:04:05Z",
                    "finishedAt": "2026-01-02T03:04:09Z",
                }
            },
            "False",
            id="failed-without-reason",
        ),
    ],
)
def test_pod_status_from_observation(
    obs: PodObservation, state: dict[str, Any], ready: str
) -> None:
    status = pod_status(obs, SPEC, "127.0.0.1", T1)
    assert status["phase"] == obs.phase
    assert status["podIP"] == status["hostIP"] == "127.0.0.1"
    assert status["startTime"] == "2026-01-02T03:04:05Z"
    (container,) = status["containerStatuses"]
    assert (container["name"], container["image"]) == ("main", "alpine:3")
    assert container["state"] == state
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions["Ready"] == ready
    assert conditions["PodScheduled"] == "True"


def test_pod_status_is_stable_for_the_same_observation() -> None:
    """The agent patches only on change; equal input must give equal output."""
    obs = _obs("Running", "running")
    assert pod_status(obs, SPEC, "127.0.0.1", T0) == pod_status(obs, SPEC, "127.0.0.1", T0)


def test_lease_renew_time_is_micro_time() -> None:
    assert lease_manifest("n", T0)["spec"]["renewTime"] == "2026-01-02T03:04:05.000000Z"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            [],
            [("KUBERNETES_SERVICE_HOST", "127.0.0.1"), ("KUBERNETES_SERVICE_PORT", "6443")],
            id="added",
        ),
        pytest.param(
            [{"name": "KUBERNETES_SERVICE_PORT", "value": "1"}],
            [("KUBERNETES_SERVICE_HOST", "127.0.0.1"), ("KUBERNETES_SERVICE_PORT", "1")],
            id="pod-value-wins",
        ),
    ],
)
def test_with_api_env(env: list[dict[str, str]], expected: list[tuple[str, str]]) -> None:
    pod = {
        "spec": {"containers": [{"name": "main", "env": env}], "initContainers": [{"name": "i"}]}
    }
    out = with_api_env(pod, "https://127.0.0.1:6443")
    main, init = out["spec"]["containers"][0], out["spec"]["initContainers"][0]
    assert sorted((e["name"], e["value"]) for e in main["env"]) == expected
    assert {e["name"] for e in init["env"]} == {
        "KUBERNETES_SERVICE_HOST",
        "KUBERNETES_SERVICE_PORT",
    }
    assert pod["spec"]["containers"][0]["env"] == env  # the input is not changed


def test_public_surface() -> None:
    import workflow_engine.runtime.kubernetes_node as node

    assert node.__all__ == sorted(node.__all__)
    assert set(node.__all__) == {
        "Api",
        "Backoff",
        "Connection",
        "NodeAgent",
        "NodeConfig",
        "default_node_state_dir",
        "run_node",
        "serve_node",
    }


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"WF_HOME": "/w", "HOME": "/h"}, "/w/node/n1", id="wf-home"),
        pytest.param({"XDG_STATE_HOME": "/x", "HOME": "/h"}, "/x/wf/node/n1", id="xdg"),
        pytest.param(
            {"XDG_STATE_HOME": "rel", "HOME": "/h"}, "/h/.local/state/wf/node/n1", id="xdg-rel"
        ),
        pytest.param({"HOME": "/h"}, "/h/.local/state/wf/node/n1", id="home"),
    ],
)
def test_default_node_state_dir(env: dict[str, str], expected: str) -> None:
    from workflow_engine.runtime.kubernetes_node import default_node_state_dir

    assert str(default_node_state_dir("n1", env)) == expected


@pytest.mark.parametrize(
    ("status", "started"),
    [
        pytest.param({}, False, id="new"),
        pytest.param({"phase": "Pending", "message": "cannot start pod: x"}, False, id="blocked"),
        pytest.param(
            {"phase": "Pending", "containerStatuses": [{"state": {"waiting": {}}}]},
            False,
            id="waiting",
        ),
        pytest.param(
            {"phase": "Pending", "initContainerStatuses": [{"state": {"running": {}}}]},
            True,
            id="init-running",
        ),
        pytest.param({"phase": "Running"}, True, id="running"),
    ],
)
def test_was_started(status: dict[str, Any], started: bool) -> None:
    from workflow_engine.runtime.kubernetes_node.agent import _was_started

    assert _was_started({"status": status}) is started


def test_unadoptable_status_fails_the_pod_with_lost_containers() -> None:
    from workflow_engine.runtime.kubernetes_node.status import unadoptable_status

    pod = {"spec": SPEC, "status": {"startTime": "2026-01-02T03:04:05Z"}}
    status = unadoptable_status(pod, "127.0.0.1", T1)
    assert (status["phase"], status["reason"]) == ("Failed", "NodeAgentRestarted")
    assert status["startTime"] == "2026-01-02T03:04:05Z"
    (container,) = status["containerStatuses"]
    assert container["state"]["terminated"]["exitCode"] == 137
    assert container["state"]["terminated"]["reason"] == "ContainerStatusUnknown"


def test_probe_results_decide_readiness() -> None:
    obs = _obs("Running", "running")
    unready = pod_status(obs, SPEC, "127.0.0.1", T0, {"main": (False, "probe failed: refused")})
    conditions = {c["type"]: c for c in unready["conditions"]}
    assert conditions["Ready"]["status"] == "False"
    assert conditions["Ready"]["reason"] == "ContainersNotReady"
    assert "probe failed: refused" in conditions["Ready"]["message"]
    assert unready["containerStatuses"][0]["ready"] is False
    ready = pod_status(obs, SPEC, "127.0.0.1", T0, {"main": (True, "")})
    assert {c["type"]: c["status"] for c in ready["conditions"]}["Ready"] == "True"
