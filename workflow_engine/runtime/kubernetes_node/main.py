"""Wiring of `wf node`: kubeconfig -> Api, a ProcessRuntime, a NodeAgent, run until stopped.

Part of the runtime layer's node agent (workflow_engine.runtime.kubernetes_node). The
CLI (`wf node`) and `python -m workflow_engine.runtime.kubernetes_node` call
`serve_node` (foreground, stops on SIGINT/SIGTERM); tests call `run_node` with their
own stop event.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from workflow_engine.runtime.kubernetes_node.agent import NodeAgent, NodeConfig
from workflow_engine.runtime.kubernetes_node.api import Api, Connection
from workflow_engine.runtime.kubernetes_node.restarts import Backoff
from workflow_engine.runtime.kubernetes_node.tls import self_signed
from workflow_engine.runtime.process import ProcessRuntime

log = logging.getLogger(__name__)
SandboxChoice = Literal["overlay", "plain", "auto"]
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def default_node_state_dir(name: str, env: Mapping[str, str]) -> Path:
    """`<wf state dir>/node/<name>`, the state dir found as `wf` finds it (`$WF_HOME`,
    else `$XDG_STATE_HOME/wf`, else `~/.local/state/wf`). It must outlive the agent:
    a restarted agent finds its pods' records there."""
    if env.get("WF_HOME"):
        root = Path(env["WF_HOME"]).expanduser()
    elif env.get("XDG_STATE_HOME") and Path(env["XDG_STATE_HOME"]).is_absolute():
        root = Path(env["XDG_STATE_HOME"]) / "wf"
    else:
        root = Path(env.get("HOME") or Path.home()) / ".local" / "state" / "wf"
    return root / "node" / name


def run_node(
    kubeconfig: str,
    name: str,
    state_dir: Path,
    stop: threading.Event,
    *,
    address: str = "127.0.0.1",
    port: int = 0,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    slots: int | None = None,
    sandbox: SandboxChoice = "auto",
    backoff: Backoff | None = None,
    on_ready: Callable[[NodeAgent], None] | None = None,
) -> None:
    """Register node `name` with the cluster in `kubeconfig` and run the pods bound to
    it until `stop` is set. Pods still running then are killed."""
    state_dir.mkdir(parents=True, exist_ok=True)
    if tls_cert is None or tls_key is None:
        tls_cert, tls_key = self_signed(state_dir / "pki", name, address)
    api = Api(Connection.from_kubeconfig(kubeconfig))
    config = NodeConfig(
        name=name,
        tls_cert=tls_cert,
        tls_key=tls_key,
        address=address,
        kubelet_port=port,
        backoff=backoff or Backoff(),
    )
    with ProcessRuntime(state_dir / "runtime", slots=slots, sandbox=sandbox) as runtime:
        agent = NodeAgent(api, runtime, config, state_dir)
        with agent:
            log.info("wf node %s: ready, kubelet API on %s:%d", name, address, agent.kubelet_port)
            if on_ready is not None:
                on_ready(agent)
            while not stop.wait(0.5):
                pass


def serve_node(
    kubeconfig: str,
    name: str,
    state_dir: Path,
    *,
    address: str = "127.0.0.1",
    port: int = 0,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    slots: int | None = None,
    sandbox: SandboxChoice = "auto",
    backoff: Backoff | None = None,
) -> int:
    """`wf node` in the foreground: run_node until SIGINT or SIGTERM, logging to stderr.
    Call from the main thread (signal handlers). Returns the exit code (0)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _STOP_SIGNALS}
    try:
        run_node(
            kubeconfig,
            name,
            state_dir,
            stop,
            address=address,
            port=port,
            tls_cert=tls_cert,
            tls_key=tls_key,
            slots=slots,
            sandbox=sandbox,
            backoff=backoff,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
