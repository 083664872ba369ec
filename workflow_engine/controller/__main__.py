"""`python -m workflow_engine.controller`: the embedded controller as a program.

The program edge of the on-demand controller that `wf` commands start: it reads its
arguments (never the environment beyond them), sets up logging and calls
`embedded.run`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from workflow_engine.controller.embedded import (
    ControllerRunning,
    EmbeddedOptions,
    StatePaths,
    run,
)
from workflow_engine.spec.limits import DEFAULT_MAX_EXPRESSION_LENGTH, set_max_expression_length


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflow_engine.controller")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--idle-exit", type=float, default=None)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--pod-network", choices=("host", "private"), default="host")
    parser.add_argument(
        "--max-expression-length",
        type=int,
        default=DEFAULT_MAX_EXPRESSION_LENGTH,
        help="characters of one expression (the CLI passes its WF_MAX_EXPRESSION_LENGTH)",
    )
    parser.add_argument(
        "--metrics-port", type=int, help="serve Prometheus /metrics on this port (0: any)"
    )
    parser.add_argument("--metrics-address", default="127.0.0.1")
    parser.add_argument("--resource-kubeconfig", help="the cluster resource templates act on")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every reconcile")
    args = parser.parse_args(argv)
    if args.max_expression_length < 1:
        parser.error("--max-expression-length must be positive")
    set_max_expression_length(args.max_expression_length)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    options = EmbeddedOptions(
        idle_exit=args.idle_exit,
        workers=args.workers,
        pod_network=args.pod_network,
        metrics_port=args.metrics_port,
        metrics_address=args.metrics_address,
        resource_kubeconfig=args.resource_kubeconfig,
    )
    try:
        return run(StatePaths(args.state_dir), options)
    except ControllerRunning as exc:
        logging.getLogger(__name__).info("%s; exiting", exc)
        return 0


if __name__ == "__main__":
    sys.exit(main())
