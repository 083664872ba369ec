"""`python -m workflow_engine.runtime.kubernetes_node`: run `wf node` in the foreground.

The program edge of the node agent: reads KUBECONFIG and the host name, parses flags,
and stops on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

from workflow_engine.runtime.kubernetes_node.main import run_node


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wf node", description=__doc__)
    parser.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    parser.add_argument("--name", default=socket.gethostname().lower())
    parser.add_argument("--state-dir", type=Path)
    parser.add_argument("--address", default="127.0.0.1", help="the node's InternalIP")
    parser.add_argument("--port", type=int, default=0, help="kubelet API port (0: any)")
    parser.add_argument("--tls-cert-file", type=Path)
    parser.add_argument("--tls-private-key-file", type=Path)
    parser.add_argument("--slots", type=int)
    parser.add_argument("--sandbox", choices=("overlay", "plain", "auto"), default="auto")
    args = parser.parse_args(argv)
    if not args.kubeconfig:
        parser.error("--kubeconfig (or KUBECONFIG) is required")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    state_dir = args.state_dir or Path(tempfile.mkdtemp(prefix=f"wf-node-{args.name}-"))
    run_node(
        args.kubeconfig,
        args.name,
        state_dir,
        stop,
        address=args.address,
        port=args.port,
        tls_cert=args.tls_cert_file,
        tls_key=args.tls_private_key_file,
        slots=args.slots,
        sandbox=args.sandbox,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
