"""Readiness probes of the pods `wf node` runs (httpGet, tcpSocket).

Part of `wf node` (workflow_engine.runtime.kubernetes_node): the agent tells the
`Prober` which containers are running (`track`) and asks which are ready (`ready`);
a thread runs each container's `readinessProbe` on its schedule and calls `on_change`
when a container's readiness flips, so the agent patches the pod's Ready condition.
Containers without a readinessProbe are ready while they run, as with a kubelet.

Semantics follow the kubelet's: `initialDelaySeconds` (0), `periodSeconds` (10),
`timeoutSeconds` (1), `successThreshold` (1) and `failureThreshold` (3); a container
is not ready until its first success. Pods share the host's network, so the probe's
`host` defaults to the node's address. `exec` probes are not run: a process outside
the container's sandbox would see another filesystem, so such a container is reported
not ready with a message saying why, rather than ready on faith. Attempts run one
after another in one thread: a slow probe (up to its timeoutSeconds) delays the others.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
ContainerKey = tuple[str, str, str, str]  # namespace, pod, pod uid, container
Check = Callable[[Mapping[str, Any], Mapping[str, Any], str], tuple[bool, str]]
"""(probe, container spec, default host) -> (success, message)."""


def _port(value: Any, container: Mapping[str, Any]) -> int:
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    for port in container.get("ports") or []:
        if port.get("name") == value:
            return int(port["containerPort"])
    raise ValueError(f"port {value!r} is not a named port of the container")


def run_check(
    probe: Mapping[str, Any], container: Mapping[str, Any], host: str
) -> tuple[bool, str]:
    """Run one probe attempt against the container's ports; (success, message)."""
    timeout = float(probe.get("timeoutSeconds") or 1)
    try:
        if "httpGet" in probe:
            return _http(probe["httpGet"], container, host, timeout)
        if "tcpSocket" in probe:
            action = probe["tcpSocket"]
            port = _port(action.get("port"), container)
            with socket.create_connection((action.get("host") or host, port), timeout):
                return True, ""
    except (OSError, ValueError, http.client.HTTPException) as err:
        return False, f"probe failed: {err}"
    kinds = sorted(set(probe) & {"exec", "grpc"}) or sorted(probe)
    return False, f"readinessProbe {kinds} is not supported by wf node (httpGet, tcpSocket are)"


def _http(
    action: Mapping[str, Any], container: Mapping[str, Any], host: str, timeout: float
) -> tuple[bool, str]:
    target = str(action.get("host") or host)
    port = _port(action.get("port"), container)
    conn: http.client.HTTPConnection
    if str(action.get("scheme") or "HTTP").upper() == "HTTPS":
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # as the kubelet does
        conn = http.client.HTTPSConnection(target, port, timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection(target, port, timeout=timeout)
    try:
        headers = {str(h["name"]): str(h["value"]) for h in action.get("httpHeaders") or []}
        conn.request("GET", str(action.get("path") or "/"), headers=headers)
        status = conn.getresponse().status
    finally:
        conn.close()
    if 200 <= status < 400:
        return True, ""
    return False, f"HTTP probe failed with statuscode: {status}"


@dataclass
class ProbeState:
    """One container's readiness, advanced by `record` as attempts finish."""

    probe: Mapping[str, Any]
    container: Mapping[str, Any]
    next_due: float
    ready: bool = False
    successes: int = 0
    failures: int = 0
    message: str = ""

    @property
    def period(self) -> float:
        return float(self.probe.get("periodSeconds") or 10)

    def record(self, ok: bool, message: str, now: float) -> bool:
        """Count one attempt's result; return whether readiness changed."""
        before = self.ready
        if ok:
            self.successes, self.failures = self.successes + 1, 0
            if self.successes >= int(self.probe.get("successThreshold") or 1):
                self.ready, self.message = True, ""
        else:
            self.successes, self.failures = 0, self.failures + 1
            self.message = message
            if self.failures >= int(self.probe.get("failureThreshold") or 3):
                self.ready = False
        self.next_due = now + self.period
        return self.ready != before


class Prober:
    """Runs readiness probes in one daemon thread; `track`/`ready` are thread-safe."""

    def __init__(
        self,
        host: str,
        on_change: Callable[[], None],
        check: Check = run_check,
        clock: Callable[[], float] = time.monotonic,
        tick: float = 0.2,
    ) -> None:
        self._host, self._on_change, self._check, self._clock = host, on_change, check, clock
        self._tick = tick
        self._lock = threading.Lock()
        self._states: dict[ContainerKey, ProbeState] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wf-node-prober", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)

    def track(self, pod: Mapping[str, Any], running: Sequence[str]) -> None:
        """Probe the containers of `pod` named in `running` (those whose process is up);
        forget its other containers, so a restarted container starts unready."""
        meta = pod["metadata"]
        prefix = (meta["namespace"], meta["name"], meta["uid"])
        specs = {str(c.get("name")): c for c in pod["spec"].get("containers") or []}
        now = self._clock()
        with self._lock:
            for key in [k for k in self._states if k[:3] == prefix and k[3] not in running]:
                del self._states[key]
            for name in running:
                spec = specs.get(name) or {}
                probe = spec.get("readinessProbe")
                if probe and (*prefix, name) not in self._states:
                    delay = float(probe.get("initialDelaySeconds") or 0)
                    self._states[(*prefix, name)] = ProbeState(probe, spec, now + delay)

    def forget(self, namespace: str, name: str) -> None:
        with self._lock:
            for key in [k for k in self._states if k[:2] == (namespace, name)]:
                del self._states[key]

    def ready(self, pod: Mapping[str, Any]) -> dict[str, tuple[bool, str]]:
        """Container name -> (ready, message) for the probed containers of `pod`."""
        meta = pod["metadata"]
        prefix = (meta["namespace"], meta["name"], meta["uid"])
        with self._lock:
            return {k[3]: (s.ready, s.message) for k, s in self._states.items() if k[:3] == prefix}

    def run_due(self) -> None:
        """Run every probe that is due, once (the thread's body; tests call it)."""
        with self._lock:
            due = [(k, s) for k, s in self._states.items() if s.next_due <= self._clock()]
        changed = False
        for key, state in due:
            ok, message = self._check(state.probe, state.container, self._host)
            with self._lock:
                if self._states.get(key) is state:
                    changed |= state.record(ok, message, self._clock())
        if changed:
            self._on_change()

    def _loop(self) -> None:
        while not self._stop.wait(self._tick):
            try:
                self.run_due()
            except Exception:  # a probe's bug must not stop the others
                log.exception("wf node: readiness probes failed")
