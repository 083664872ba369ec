"""Wiring of `wf node`: kubeconfig -> Api, a ProcessRuntime, a NodeAgent, run until stopped.

Part of the runtime layer's node agent (workflow_engine.runtime.kubernetes_node); the
CLI (`wf node`, or `python -m workflow_engine.runtime.kubernetes_node`) calls `run_node`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from workflow_engine.runtime.kubernetes_node.agent import NodeAgent, NodeConfig
from workflow_engine.runtime.kubernetes_node.api import Api, Connection
from workflow_engine.runtime.kubernetes_node.tls import self_signed
from workflow_engine.runtime.process import ProcessRuntime

log = logging.getLogger(__name__)


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
    sandbox: Literal["overlay", "plain", "auto"] = "auto",
    on_ready: Callable[[NodeAgent], None] | None = None,
) -> None:
    """Register node `name` with the cluster in `kubeconfig` and run the pods bound to
    it until `stop` is set. Pods still running then are killed."""
    if tls_cert is None or tls_key is None:
        tls_cert, tls_key = self_signed(state_dir / "pki", name, address)
    api = Api(Connection.from_kubeconfig(kubeconfig))
    config = NodeConfig(
        name=name, tls_cert=tls_cert, tls_key=tls_key, address=address, kubelet_port=port
    )
    with ProcessRuntime(state_dir / "runtime", slots=slots, sandbox=sandbox) as runtime:
        agent = NodeAgent(api, runtime, config, state_dir)
        with agent:
            log.info("wf node %s: ready, kubelet API on %s:%d", name, address, agent.kubelet_port)
            if on_ready is not None:
                on_ready(agent)
            while not stop.wait(0.5):
                pass
