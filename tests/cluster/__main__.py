"""Developer entry point of the test control plane (tests/cluster).

python -m tests.cluster build   # build (or find cached) binaries, print their directory
python -m tests.cluster up      # start a control plane, print `export KUBECONFIG=...`,
                                # stay in the foreground until Ctrl-C, then stop it
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from tests.cluster.cluster import ControlPlane, build
from tests.cluster.procs import ClusterError


def _up(work_dir: Path | None, timeout: float) -> int:
    bin_dir = build()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    plane = ControlPlane(bin_dir, work_dir)
    try:
        plane.start(timeout=timeout)
        print(f"# control plane ready in {plane.ready_seconds:.1f} s at {plane.server}")
        print(f"# logs in {plane.work_dir / 'logs'}; Ctrl-C to stop")
        print(f"export KUBECONFIG={plane.kubeconfig}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        print("# stopping", file=sys.stderr)
        plane.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.cluster",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the control-plane binaries (cached per machine)")
    up = sub.add_parser("up", help="run a control plane in the foreground until Ctrl-C")
    up.add_argument("--work-dir", type=Path, help="keep state here (default: a temp dir)")
    up.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for ready")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            print(build())
            return 0
        return _up(args.work_dir, args.timeout)
    except ClusterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
