"""Benchmark: 1,000 `true` pods with 8 slots through ProcessRuntime vs `make -j8`.

Where it sits: measures the runtime's hot path (workflow_engine.runtime.process) against
the process-spawn floor. Prints seconds per run (median of --repeat) and ratios.
Run: .venv/bin/python bench/runtime_spawn.py [--pods 1000] [--slots 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from workflow_engine.runtime.base import Sandbox
from workflow_engine.runtime.process import ProcessRuntime


def make_run(pods: int, slots: int, workdir: Path) -> float:
    targets = " ".join(f"t{i}" for i in range(pods))
    rules = "".join(f"t{i}:\n\t@true\n" for i in range(pods))
    (workdir / "Makefile").write_text(f".PHONY: all {targets}\nall: {targets}\n{rules}")
    start = time.perf_counter()
    subprocess.run(["make", "-s", f"-j{slots}", "-C", str(workdir)], check=True)
    return time.perf_counter() - start


def bare_run(pods: int, slots: int) -> float:
    """The floor for Python: Popen + wait for `true`, `slots` at a time, no bookkeeping."""
    start = time.perf_counter()
    running: dict[int, subprocess.Popen[bytes]] = {}
    launched = 0
    while launched < pods or running:
        while launched < pods and len(running) < slots:
            proc = subprocess.Popen(["true"])
            running[proc.pid] = proc
            launched += 1
        pid, _ = os.wait()
        proc = running.pop(pid, None)
        if proc is not None:
            proc.returncode = 0
    return time.perf_counter() - start


def run_true(container: Mapping[str, Any], sandbox: Sandbox) -> int:
    """A container handler doing only what every handler does: run the command."""
    return sandbox.run(["true"], {}).exit_code


def runtime_run(pods: int, slots: int, workdir: Path, sandbox: str, handler: bool = False) -> float:
    handlers = {"run-true": run_true} if handler else {}
    runtime = ProcessRuntime(workdir, slots=slots, sandbox=sandbox, handlers=handlers)  # type: ignore[arg-type]
    assert runtime.sandbox_kind == sandbox, runtime.sandbox_kind
    if sandbox == "overlay" and runtime.sandbox_helper is None:
        print("note: wf-sandbox is not built (scripts/setup.sh): overlay entered in Python")
    wake = threading.Event()
    runtime.add_listener(wake.set)
    command = ["run-true"] if handler else ["true"]
    pod = {"spec": {"containers": [{"name": "main", "image": "debian", "command": command}]}}
    start = time.perf_counter()
    for i in range(pods):
        runtime.create_pod({"metadata": {"name": f"p{i}"}, **pod})
    deadline = time.monotonic() + 300
    while runtime.unfinished():
        if not wake.wait(max(0.0, deadline - time.monotonic())):
            raise SystemExit("timed out")
        wake.clear()
    assert sum(p.phase == "Succeeded" for p in runtime.observe()) == pods
    elapsed = time.perf_counter() - start
    runtime.close()
    return elapsed


def cpu_seconds() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def median(fn: Callable[[], float], repeat: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (this process and its children): the
    machine is shared, so CPU is the steadier figure."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = cpu_seconds()
        walls.append(fn())
        cpus.append(cpu_seconds() - before)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, s, r = args.pods, args.slots, args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results: dict[str, tuple[float, float]] = {"make": median(lambda: make_run(n, s, root), r)}
        results["python Popen floor"] = median(lambda: bare_run(n, s), r)
        kinds = ["plain"] + (["overlay"] if os.geteuid() == 0 else [])
        counter = iter(range(1000))
        for kind in kinds:
            results[f"ProcessRuntime {kind}"] = median(
                lambda k=kind: runtime_run(n, s, root / f"{k}{next(counter)}", k), r
            )
        results["plain, via a handler"] = median(
            lambda: runtime_run(n, s, root / f"h{next(counter)}", "plain", handler=True), r
        )
    print(f"{n} `true` pods, {s} slots, median of {r}, {os.cpu_count()} cores")
    print(
        f"{'':24s} {'wall s':>8s} {'x make':>7s} {'CPU s':>7s} {'x make':>7s} {'CPU ms/pod':>11s}"
    )
    make_wall, make_cpu = results["make"]
    floor_cpu = results["python Popen floor"][1]
    for name, (wall, cpu) in results.items():
        print(
            f"{name:24s} {wall:8.3f} {wall / make_wall:7.2f} {cpu:7.3f} {cpu / make_cpu:7.2f} "
            f"{cpu / n * 1e3:11.3f}"
        )
    for name in [f"ProcessRuntime {k}" for k in kinds] + ["plain, via a handler"]:
        extra = results[name][1] - floor_cpu
        print(f"{name}: {extra / n * 1e3:+.3f} ms CPU per pod over the Popen floor")


if __name__ == "__main__":
    main()
