"""Embedded throughput: workflows of `true` pods through the whole embedded stack
(lint, SqliteStore, controller loop, engine, pod builder, ProcessRuntime, in-process
executor), against `make -j8` and `xargs -P8` doing the same work in the same run.
A script that prints figures, not a test.

    .venv/bin/python bench/embedded_throughput.py [--tasks 1000] [--chain 200]
        [--sandbox auto|plain|overlay] [--rss-workflows 100] [--profile FILE]

Shapes: a fan-out of N `true` tasks with `parallelism: 8` (8 runtime slots too) and
a chain of M tasks (each depends on the one before). Peak RSS: a separate controller
process (`python -m workflow_engine.controller`) running K small workflows at once.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from workflow_engine.controller.embedded import EmbeddedOptions, StatePaths, build_controller
from workflow_engine.controller.operations import wait
from workflow_engine.controller.reconcile import WORKFLOW_KIND, is_completed
from workflow_engine.controller.submit import SubmitOptions, submit_text
from workflow_engine.errors import Expired
from workflow_engine.store import SqliteStore

SLOTS = 8


def fan_out(tasks: int, steps: bool = False) -> dict[str, Any]:
    loop = {"name": "t", "template": "true", "withSequence": {"count": str(tasks)}}
    main = (
        {"name": "main", "steps": [[loop]]} if steps else {"name": "main", "dag": {"tasks": [loop]}}
    )
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"fan-out-{tasks}"},
        "spec": {
            "entrypoint": "main",
            "parallelism": SLOTS,
            "templates": [
                main,
                {"name": "true", "container": {"image": "busybox", "command": ["true"]}},
            ],
        },
    }


def chain(tasks: int) -> dict[str, Any]:
    dag = [{"name": "t0", "template": "true"}] + [
        {"name": f"t{i}", "template": "true", "depends": f"t{i - 1}"} for i in range(1, tasks)
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"chain-{tasks}"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": dag}},
                {"name": "true", "container": {"image": "busybox", "command": ["true"]}},
            ],
        },
    }


def small(index: int) -> dict[str, Any]:
    steps = [[{"name": f"s{i}", "template": "true"}] for i in range(3)]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"small-{index}"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": steps},
                {"name": "true", "container": {"image": "busybox", "command": ["true"]}},
            ],
        },
    }


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def make_fan_out(workdir: Path, tasks: int, chained: bool) -> float:
    makefile = workdir / f"Makefile-{tasks}-{chained}"
    lines = [
        f"all: {' '.join(f't{i}' for i in range(tasks))}",
        ".PHONY: all " + " ".join(f"t{i}" for i in range(tasks)),
    ]
    for i in range(tasks):
        dep = f" t{i - 1}" if chained and i else ""
        lines.append(f"t{i}:{dep}\n\t@true")
    makefile.write_text("\n".join(lines) + "\n")
    return timed(
        lambda: subprocess.run(["make", "-s", f"-j{SLOTS}", "-f", str(makefile)], check=True)
    )


def xargs(tasks: int, chained: bool) -> float:
    parallel = "1" if chained else str(SLOTS)
    seq = "\n".join(str(i) for i in range(tasks)) + "\n"
    return timed(
        lambda: subprocess.run(
            ["xargs", f"-P{parallel}", "-n1", "true"], input=seq, text=True, check=True
        )
    )


class Stack:
    """The embedded controller in this process, over a fresh state directory."""

    def __init__(self, root: Path, sandbox: str) -> None:
        self.paths = StatePaths(root)
        self.controller, self._closers = build_controller(
            self.paths, EmbeddedOptions(slots=SLOTS, sandbox=sandbox)
        )
        self.store = self._closers[-1]
        self.controller.start()

    def run(self, doc: dict[str, Any]) -> tuple[float, float, str]:
        """(wall seconds, CPU seconds of this process and its pods, final phase)."""
        text = yaml.safe_dump(doc)
        start, cpu = time.perf_counter(), _cpu()
        [obj] = submit_text(self.store, text, "bench", SubmitOptions(), datetime.now(UTC))
        phase = wait_phase(self.store, obj["metadata"]["name"])
        return time.perf_counter() - start, _cpu() - cpu, phase

    def close(self) -> None:
        self.controller.signal_stop()
        for item in reversed(self._closers):
            item.close()
        self.controller.stop()


def wait_phase(store: SqliteStore, name: str) -> str:
    """The workflow's final phase. Unlike `operations.wait` (which inflates each copy's
    compressed nodes, about 4 ms of this process's CPU per change at 1,000 nodes, on
    the cores the controller needs) this only reads the phase."""
    version = None
    while True:
        obj = store.get(WORKFLOW_KIND, name, "default") if version is None else None
        if obj is not None:
            if is_completed(obj):
                return obj["status"]["phase"]
            version = obj["metadata"]["resourceVersion"]
        try:
            for event in store.watch(WORKFLOW_KIND, "default", version, timeout=1.0):
                version = event.object["metadata"]["resourceVersion"]
                if event.object["metadata"]["name"] == name and is_completed(event.object):
                    return event.object["status"]["phase"]
        except Expired:
            version = None


def peak_rss(root: Path, workflows: int, sandbox: str) -> tuple[float, float, int]:
    """(wall seconds, controller peak RSS MiB, workflows succeeded)."""
    env = {**os.environ}
    controller = subprocess.Popen(
        [sys.executable, "-m", "workflow_engine.controller", "--state-dir", str(root)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    store = SqliteStore(StatePaths(root).db)
    try:
        start = time.perf_counter()
        names = []
        for index in range(workflows):
            [obj] = submit_text(
                store, yaml.safe_dump(small(index)), "bench", SubmitOptions(), datetime.now(UTC)
            )
            names.append(obj["metadata"]["name"])
        ok = sum(wait(store, name)["status"]["phase"] == "Succeeded" for name in names)
        elapsed = time.perf_counter() - start
        status = Path(f"/proc/{controller.pid}/status").read_text()
        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
        return elapsed, int(hwm.split()[1]) / 1024, ok
    finally:
        store.close()
        controller.terminate()
        controller.wait(30)


def profile_threads() -> list[cProfile.Profile]:
    """Profile every thread started from now on (cProfile sees only its own thread)."""
    profiles: list[cProfile.Profile] = []
    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profiler = cProfile.Profile(time.thread_time)  # CPU, not waiting
        profiles.append(profiler)
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    threading.Thread.run = run  # type: ignore[method-assign]
    return profiles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--sandbox", default="auto")
    parser.add_argument("--steps", action="store_true", help="fan out with steps, not a DAG")
    parser.add_argument("--rss-workflows", type=int, default=100)
    parser.add_argument("--profile", help="write cProfile stats of the fan-out here")
    args = parser.parse_args()
    profiles = profile_threads() if args.profile else None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Each shape gets a fresh state directory: the process runtime keeps finished
        # pods (for their logs), and observing them is part of every wake-up.
        stack = Stack(work / "fan-out", args.sandbox)
        kind = stack.controller.reconciler.runtime.sandbox_kind  # type: ignore[attr-defined]
        print(f"sandbox: {kind}, slots: {SLOTS}, cpus: {os.cpu_count()}")
        try:
            fan_wall, fan_cpu, fan_phase = stack.run(fan_out(args.tasks, args.steps))
            reconciles = stack.controller.reconciles
        finally:
            stack.close()
        stack = Stack(work / "chain", args.sandbox)
        try:
            chain_wall, chain_cpu, chain_phase = stack.run(chain(args.chain))
        finally:
            stack.close()
        make_fan = make_fan_out(work, args.tasks, False)
        make_chain = make_fan_out(work, args.chain, True)
        xargs_fan = xargs(args.tasks, False)
        xargs_chain = xargs(args.chain, True)
        print("| shape | runner | wall s | tasks/s | x make |")
        print("| --- | --- | ---: | ---: | ---: |")
        for shape, tasks, wf_wall, mk, xa, phase in [
            (
                f"fan-out {args.tasks}, parallelism 8",
                args.tasks,
                fan_wall,
                make_fan,
                xargs_fan,
                fan_phase,
            ),
            (f"chain {args.chain}", args.chain, chain_wall, make_chain, xargs_chain, chain_phase),
        ]:
            for runner, wall in [
                (f"wf embedded ({phase})", wf_wall),
                ("make -j8", mk),
                ("xargs -P8", xa),
            ]:
                print(
                    f"| {shape} | {runner} | {wall:.3f} | {tasks / wall:,.0f} | {wall / mk:.2f} |"
                )
        print(
            f"fan-out: {reconciles} reconciles, {fan_cpu:.2f} s CPU (controller process and "
            f"its pods); chain: {chain_wall / args.chain * 1000:.2f} ms and "
            f"{chain_cpu / args.chain * 1000:.2f} ms CPU per task"
        )
        if profiles is not None:
            merged = pstats.Stats(*profiles)
            merged.dump_stats(args.profile)
            merged.sort_stats("tottime").print_stats(30)
        if args.rss_workflows:
            wall, rss, ok = peak_rss(work / "rss", args.rss_workflows, args.sandbox)
            print(
                f"{args.rss_workflows} workflows x 3 steps at once: {ok} succeeded in "
                f"{wall:.2f} s; controller peak RSS {rss:.0f} MiB"
            )


if __name__ == "__main__":
    main()
