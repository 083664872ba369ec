"""Readiness probes of `wf node` (workflow_engine.runtime.kubernetes_node.probes).

Unit part (no cluster): thresholds and delays with an injected clock, and real
httpGet/tcpSocket attempts against a local HTTP server. Cluster part: a pod whose
server comes up only when the test says so is Running but not Ready until its probe
passes, and an unsupported probe keeps it unready with a message saying why.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.cluster import ControlPlane
from tests.cluster.kube import condition, host_dir, pod_manifest, run_pod, wait_for
from tests.cluster.procs import free_ports
from workflow_engine.runtime.kubernetes_node import NodeAgent
from workflow_engine.runtime.kubernetes_node.probes import Prober, run_check

POD = {"metadata": {"namespace": "ns", "name": "p", "uid": "u1"}}


class _Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _prober(probe: dict[str, Any], results: list[bool]) -> tuple[Prober, _Clock, list[int]]:
    clock, calls, changes = _Clock(), [0], []

    def check(*_: Any) -> tuple[bool, str]:
        calls[0] += 1
        return results.pop(0), "refused"

    prober = Prober("127.0.0.1", lambda: changes.append(1), check=check, clock=clock)
    pod = {**POD, "spec": {"containers": [{"name": "main", "readinessProbe": probe}]}}
    prober.track(pod, ["main"])
    return prober, clock, calls


def _ready(prober: Prober) -> bool:
    return prober.ready(POD)["main"][0]


@pytest.mark.parametrize(
    ("probe", "results", "ticks", "expected"),
    [
        pytest.param({"periodSeconds": 1}, [True], 1, [True], id="first-success-ready"),
        pytest.param({"periodSeconds": 1}, [False, True], 2, [False, True], id="fail-then-ok"),
        pytest.param(
            {"periodSeconds": 1, "successThreshold": 2},
            [True, True],
            2,
            [False, True],
            id="success-threshold",
        ),
        pytest.param(
            {"periodSeconds": 1, "failureThreshold": 2},
            [True, False, False],
            3,
            [True, True, False],
            id="failure-threshold",
        ),
    ],
)
def test_probe_thresholds(
    probe: dict[str, Any], results: list[bool], ticks: int, expected: list[bool]
) -> None:
    prober, clock, _ = _prober({**probe, "tcpSocket": {"port": 1}}, list(results))
    seen = []
    for _ in range(ticks):
        prober.run_due()
        seen.append(_ready(prober))
        clock.t += 1.0
    assert seen == expected


def test_probe_waits_initial_delay_and_period() -> None:
    probe = {"tcpSocket": {"port": 1}, "initialDelaySeconds": 5, "periodSeconds": 3}
    prober, clock, calls = _prober(probe, [True, True])
    prober.run_due()
    assert (calls[0], _ready(prober)) == (0, False)  # not before initialDelaySeconds
    clock.t += 5
    prober.run_due()
    prober.run_due()
    assert calls[0] == 1  # once per period
    clock.t += 3
    prober.run_due()
    assert calls[0] == 2


def test_a_stopped_container_is_forgotten_and_starts_unready() -> None:
    prober, _, _ = _prober({"tcpSocket": {"port": 1}, "periodSeconds": 1}, [True])
    prober.run_due()
    assert _ready(prober)
    pod = {**POD, "spec": {"containers": [{"name": "main", "readinessProbe": {}}]}}
    prober.track(pod, [])
    assert prober.ready(POD) == {}


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/healthz" and self.headers.get("X-Probe") == "yes"
            self.send_response(200 if ok else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once it is closed


@pytest.mark.parametrize(
    ("action", "port", "ok", "message"),
    [
        pytest.param(
            {"httpGet": {"path": "/healthz", "httpHeaders": [{"name": "X-Probe", "value": "yes"}]}},
            "server",
            True,
            "",
            id="http-200",
        ),
        pytest.param({"httpGet": {"path": "/other"}}, "server", False, "statuscode: 404", id="404"),
        pytest.param({"httpGet": {"path": "/"}}, "closed", False, "refused", id="http-refused"),
        pytest.param({"tcpSocket": {}}, "server", True, "", id="tcp-open"),
        pytest.param({"tcpSocket": {}}, "closed", False, "refused", id="tcp-refused"),
        pytest.param({"tcpSocket": {}}, "named", True, "", id="named-port"),
        pytest.param({"exec": {"command": ["true"]}}, "server", False, "not supported", id="exec"),
    ],
)
def test_run_check(
    http_port: int, action: dict[str, Any], port: str, ok: bool, message: str
) -> None:
    container = {"ports": [{"name": "web", "containerPort": http_port}]}
    value = {"server": http_port, "closed": _closed_port(), "named": "web"}[port]
    kind = next(iter(action))
    probe = {kind: {**action[kind], "port": value}} if kind != "exec" else action
    got_ok, got_message = run_check(probe, container, "127.0.0.1")
    assert got_ok is ok
    assert message in got_message


@pytest.mark.cluster
@pytest.mark.parametrize(
    "action",
    [pytest.param({"httpGet": {"path": "/"}}, id="httpGet"), pytest.param({}, id="tcpSocket")],
)
def test_pod_is_ready_only_once_its_probe_passes(
    cluster: ControlPlane, node: NodeAgent, namespace: str, tmp_path: Path, action: dict
) -> None:
    (port,) = free_ports(1)
    script = (
        "while [ ! -e /trig/serve ]; do sleep 0.05; done; "
        f"exec python3 -m http.server {port} --bind 127.0.0.1"
    )
    pod = host_dir(pod_manifest("probed", script), tmp_path)
    kind = "httpGet" if action else "tcpSocket"
    probe = {kind: {**action.get(kind, {}), "port": port}, "periodSeconds": 1}
    pod["spec"]["containers"][0]["readinessProbe"] = probe
    run_pod(cluster, namespace, pod, ("Running",))
    unready = wait_for(
        cluster,
        namespace,
        ("pod", "probed"),
        lambda p: condition(p, "Ready") == "False" and p["status"]["phase"] == "Running",
        "pod probed Running but not Ready",
    )
    ready_cond = next(c for c in unready["status"]["conditions"] if c["type"] == "Ready")
    assert ready_cond["reason"] == "ContainersNotReady"
    assert unready["status"]["containerStatuses"][0]["ready"] is False
    (tmp_path / "serve").touch()
    ready = wait_for(
        cluster,
        namespace,
        ("pod", "probed"),
        lambda p: condition(p, "Ready") == "True",
        "pod probed Ready",
    )
    assert ready["status"]["containerStatuses"][0]["ready"] is True


@pytest.mark.cluster
def test_unsupported_probe_keeps_the_pod_unready_and_says_why(
    cluster: ControlPlane, node: NodeAgent, namespace: str
) -> None:
    pod = pod_manifest("exec-probed", "exec sleep 300", terminationGracePeriodSeconds=1)
    pod["spec"]["containers"][0]["readinessProbe"] = {
        "exec": {"command": ["true"]},
        "periodSeconds": 1,
    }
    run_pod(cluster, namespace, pod, ("Running",))

    def explained(p: dict[str, Any]) -> bool:
        cond = next((c for c in p["status"]["conditions"] if c["type"] == "Ready"), {})
        return cond.get("status") == "False" and "not supported" in cond.get("message", "")

    wait_for(cluster, namespace, ("pod", "exec-probed"), explained, "an explained unready pod")
