"""`python -m workflow_engine.runtime.kubernetes_node`: run `wf node` in the foreground.

The program edge of the node agent (the same as the CLI's `wf node`): reads
KUBECONFIG, HOME and the state-dir variables and the host name, parses flags, and
calls serve_node, which stops on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from workflow_engine.runtime.kubernetes_node.main import default_node_state_dir, serve_node
from workflow_engine.runtime.kubernetes_node.restarts import Backoff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wf node", description=__doc__)
    parser.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    parser.add_argument("--name", default=socket.gethostname().lower())
    parser.add_argument("--state-dir", type=Path, help="default: <wf state dir>/node/<name>")
    parser.add_argument("--address", default="127.0.0.1", help="the node's InternalIP")
    parser.add_argument("--port", type=int, default=0, help="kubelet API port (0: any)")
    parser.add_argument("--tls-cert-file", type=Path)
    parser.add_argument("--tls-private-key-file", type=Path)
    parser.add_argument("--slots", type=int)
    parser.add_argument("--sandbox", choices=("overlay", "plain", "auto"), default="auto")
    parser.add_argument(
        "--crash-backoff",
        type=float,
        default=10.0,
        help="seconds before the second restart of a container (doubling; default 10)",
    )
    parser.add_argument(
        "--crash-backoff-max", type=float, default=300.0, help="the longest back-off (300)"
    )
    args = parser.parse_args(argv)
    if not args.kubeconfig:
        parser.error("--kubeconfig (or KUBECONFIG) is required")
    if (args.tls_cert_file is None) != (args.tls_private_key_file is None):
        parser.error("--tls-cert-file and --tls-private-key-file go together")
    if not 0 < args.crash_backoff <= args.crash_backoff_max:
        parser.error("--crash-backoff must be > 0 and <= --crash-backoff-max")
    return serve_node(
        args.kubeconfig,
        args.name,
        args.state_dir or default_node_state_dir(args.name, os.environ),
        address=args.address,
        port=args.port,
        tls_cert=args.tls_cert_file,
        tls_key=args.tls_private_key_file,
        slots=args.slots,
        sandbox=args.sandbox,
        backoff=Backoff(args.crash_backoff, args.crash_backoff_max),
    )


if __name__ == "__main__":
    sys.exit(main())
