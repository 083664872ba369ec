"""Benchmark: 1,000 `true` pods with 8 slots through ProcessRuntime vs `make -j8`.

Where it sits: measures the runtime's hot path (workflow_engine.runtime.process) against
the process-spawn floor, through each sandbox and each layer of the container boundary
(isolation.py), then the cost of each layer alone in wf-sandbox (sequential shims).
Prints seconds per run (median of --repeat) and ratios.
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
from workflow_engine.runtime.process.cgroups import probe_cgroups
from workflow_engine.runtime.process.sandbox import find_helper


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


def runtime_run(
    pods: int,
    slots: int,
    workdir: Path,
    sandbox: str,
    handler: bool = False,
    options: Mapping[str, Any] | None = None,
    container: Mapping[str, Any] | None = None,
    pod_spec: Mapping[str, Any] | None = None,
) -> float:
    handlers = {"run-true": run_true} if handler else {}
    runtime = ProcessRuntime(
        workdir,
        slots=slots,
        sandbox=sandbox,  # type: ignore[arg-type]
        handlers=handlers,
        **(options or {}),
    )
    assert runtime.sandbox_kind == sandbox, runtime.sandbox_kind
    if sandbox == "overlay" and runtime.sandbox_helper is None:
        print("note: wf-sandbox is not built (scripts/setup.sh): overlay entered in Python")
    wake = threading.Event()
    runtime.add_listener(wake.set)
    command = ["run-true"] if handler else ["true"]
    main = {"name": "main", "image": "debian", "command": command, **(container or {})}
    pod = {"spec": {"containers": [main], **(pod_spec or {})}}
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


LIMITS = {"resources": {"limits": {"memory": "256Mi", "cpu": "1"}}}
NONE: dict[str, Any] = {}
NO_SECCOMP = {"refuse_layers": ("seccomp",)}
# name -> sandbox, ProcessRuntime options, container fields, pod spec fields
MODES: dict[str, tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "ProcessRuntime plain": ("plain", NONE, NONE, NONE),
    "overlay, no boundary": ("overlay", {"isolation": "none"}, NONE, NONE),
    "boundary, no seccomp": ("overlay", NO_SECCOMP, NONE, NONE),
    "overlay + boundary": ("overlay", NONE, NONE, NONE),
    "+ hostUsers: false": ("overlay", NONE, NONE, {"hostUsers": False}),
    "+ private network": ("overlay", {"pod_network": "private"}, NONE, NONE),
    "+ limits (cgroups)": ("overlay", NONE, LIMITS, NONE),
    "+ runAsUser 1000": ("overlay", NONE, {"securityContext": {"runAsUser": 1000}}, NONE),
}


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
        counter = iter(range(1000))
        for name, (kind, options, container, pod_spec) in MODES.items():
            if kind == "overlay" and os.geteuid() != 0:
                continue
            results[name] = median(
                lambda k=kind, o=options, c=container, p=pod_spec: runtime_run(
                    n, s, root / f"r{next(counter)}", k, options=o, container=c, pod_spec=p
                ),
                r,
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
    for name in [*MODES, "plain, via a handler"]:
        if name in results:
            extra = results[name][1] - floor_cpu
            print(f"{name}: {extra / n * 1e3:+.3f} ms CPU per pod over the Popen floor")
    for name, without in (
        ("overlay + boundary", "boundary, no seccomp"),
        ("+ hostUsers: false", "overlay + boundary"),
    ):
        if name in results and without in results:
            (wall, cpu), (wall0, cpu0) = results[name], results[without]
            print(
                f"{name} vs {without}: x{wall / wall0:.2f} wall, x{cpu / cpu0:.2f} CPU,"
                f" {(cpu - cpu0) / n * 1e3:+.3f} ms CPU per pod"
            )
    if os.geteuid() == 0:
        layers(min(n, 300), r)


def layers(runs: int, repeat: int) -> None:
    """Each layer alone: `runs` sequential wf-sandbox shims running `true` in an overlay,
    per ISO argument (see wf_isolate.c); CPU of this process and its children."""
    helper = find_helper()
    if helper is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for d in ("root", "upper", "work"):
            (root / d).mkdir()
        cgroups = probe_cgroups("wf-bench-layers")
        procs = () if isinstance(cgroups, str) else cgroups.create("bench", 1 << 28, 1000)
        variants = {
            "overlay only": "-",
            "pid (+ own /proc)": "pid",
            "uts + ipc": "uts=bench,ipc",
            "own /dev": "dev",
            "capabilities": "caps=a80425fb",
            "seccomp filter": "caps=a80425fb,seccomp",
            "user namespace": "userns=100000,uid=0,gid=0",
            "network": "net",
            "cgroups": ",".join(f"cg={p}" for p in procs) or "-",
            "all but network": "pid,uts=bench,ipc,dev,caps=a80425fb"
            + "".join(f",cg={p}" for p in procs),
        }
        base: tuple[float, float] | None = None
        print(f"\n{runs} sequential `true` shims per layer, median of {repeat}")
        print(f"{'':20s} {'wall ms':>8s} {'over':>7s} {'CPU ms':>7s} {'over':>7s}")
        for name, iso in variants.items():
            wall, cpu = median(lambda i=iso: shim_runs(helper, root, i, runs), repeat)
            per = (wall / runs * 1e3, cpu / runs * 1e3)
            base = per if base is None else base
            print(
                f"{name:20s} {per[0]:8.3f} {per[0] - base[0]:+7.3f}"
                f" {per[1]:7.3f} {per[1] - base[1]:+7.3f}"
            )
        if not isinstance(cgroups, str):
            cgroups.remove("bench")
            cgroups.close()


def shim_runs(helper: str, root: Path, iso: str, runs: int) -> float:
    journal = os.open(root / "journal", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    dir_fd = os.open(root, os.O_PATH | os.O_DIRECTORY)
    options = f"lowerdir=/,upperdir={root / 'upper'},workdir={root / 'work'}"
    own = {item.partition("=")[0] for item in iso.split(",")}
    binds = [p for p, ns in (("/proc", "pid"), ("/dev", "dev")) if ns not in own]
    flat = [x for p in binds for x in (p, p, "d")]
    start = time.perf_counter()
    for i in range(runs):
        report_r, report_w = os.pipe()
        argv = [helper, "--shim", str(dir_fd), str(journal), "-", "-", "-", f"k{i}"]
        argv += [str(report_w), iso, str(root / "root"), options, "/", str(len(binds)), *flat]
        proc = subprocess.Popen([*argv, "true"], pass_fds=(report_w, dir_fd, journal))
        os.close(report_w)
        failure = os.read(report_r, 512)
        os.close(report_r)
        if proc.wait() != -9 or failure:  # the shim ends by killing its process group
            raise SystemExit(f"shim failed with {iso}: {failure!r}")
    elapsed = time.perf_counter() - start
    os.close(journal)
    os.close(dir_fd)
    return elapsed


if __name__ == "__main__":
    main()
