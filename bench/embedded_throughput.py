"""Embedded throughput: workflows of `true` pods through the whole embedded stack
(lint, SqliteStore, controller loop, engine, pod builder, ProcessRuntime, in-process
executor), against `make -j8` doing the same work in the same run.
A script that prints figures, not a test.

    .venv/bin/python bench/embedded_throughput.py [--tasks 1000] [--chain 200]
        [--dense 10x100] [--repeat 1] [--sandbox auto|plain|overlay]
        [--rss-workflows 100] [--profile FILE] [--results-in-process]

Shapes: a fan-out of N `true` tasks with `parallelism: 8` (8 runtime slots too), a
chain of M tasks (each depends on the one before), and a dense DAG of L layers of W
tasks, every task depending on every task of the layer before (`--dense 0x0`: none).
With `--repeat R` each shape and its `make -j8` run R times back to back, and the
medians are printed with the median of each run's own ratio to its `make`. CPU counts
this process, its reaped children (pods) and the TaskResult writer child
(controller/result_writer.py), read from /proc before it ends. Peak RSS: a separate
controller process (`python -m workflow_engine.controller`) running K small workflows
at once.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
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

from executor.report import task_result
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


def dense(layers: int, width: int) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = []
    for layer in range(layers):
        before = [f"l{layer - 1}t{i}" for i in range(width)] if layer else []
        for i in range(width):
            task: dict[str, Any] = {"name": f"l{layer}t{i}", "template": "true"}
            if before:
                task["dependencies"] = before
            tasks.append(task)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"dense-{layers}x{width}"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": tasks}},
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


def _proc_cpu(pid: int) -> float:
    """utime + stime of a live process, from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_bytes()
    fields = stat[stat.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def make_fan_out(workdir: Path, tasks: int, chained: bool) -> float:
    deps = {f"t{i}": [f"t{i - 1}"] if chained and i else [] for i in range(tasks)}
    return run_make(workdir / f"Makefile-{tasks}-{chained}", deps)


def make_dense(workdir: Path, layers: int, width: int) -> float:
    deps = {
        f"l{layer}t{i}": [f"l{layer - 1}t{j}" for j in range(width)] if layer else []
        for layer in range(layers)
        for i in range(width)
    }
    return run_make(workdir / f"Makefile-dense-{layers}x{width}", deps)


def run_make(makefile: Path, deps: dict[str, list[str]]) -> float:
    lines = [f"all: {' '.join(deps)}", ".PHONY: all " + " ".join(deps)]
    lines += [
        f"{name}:{''.join(' ' + d for d in before)}\n\t@true" for name, before in deps.items()
    ]
    makefile.write_text("\n".join(lines) + "\n")
    return timed(
        lambda: subprocess.run(["make", "-s", f"-j{SLOTS}", "-f", str(makefile)], check=True)
    )


class Stack:
    """The embedded controller in this process, over a fresh state directory."""

    def __init__(self, root: Path, sandbox: str, result_process: bool = True) -> None:
        self.paths = StatePaths(root)
        options = EmbeddedOptions(slots=SLOTS, sandbox=sandbox)
        if result_process is False:  # a branch point without the option takes the default
            options = EmbeddedOptions(slots=SLOTS, sandbox=sandbox, result_process=False)
        self.controller, self._closers = build_controller(self.paths, options)
        self.store = self._closers[-1]
        # the TaskResult writer child (absent at a branch point): its CPU is counted
        self.helpers = [pid for c in self._closers if (pid := getattr(c, "child_pid", None))]
        for writer in self._closers[:-1]:
            if hasattr(writer, "child_pid"):  # started (imports done) before the clock runs
                writer.create(
                    task_result(node_id="warm-up", namespace="bench", workflow_name="-", outputs={})
                )
        self.controller.start()

    def run(self, doc: dict[str, Any]) -> tuple[float, float, str]:
        """(wall seconds, CPU seconds of this process and its pods, final phase)."""
        text = yaml.safe_dump(doc)
        start, cpu = time.perf_counter(), self.cpu()
        [obj] = submit_text(self.store, text, "bench", SubmitOptions(), datetime.now(UTC))
        phase = wait_phase(self.store, obj["metadata"]["name"])
        return time.perf_counter() - start, self.cpu() - cpu, phase

    def cpu(self) -> float:
        return _cpu() + sum(_proc_cpu(pid) for pid in self.helpers)

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


def run_shape(
    work: Path,
    label: str,
    doc: dict[str, Any],
    baseline: Callable[[], float],
    args: argparse.Namespace,
) -> dict[str, float] | None:
    """Run one shape `--repeat` times, each on a fresh state directory followed by its
    `make -j8`; print each run and return the medians (None when a run failed)."""
    runs: list[tuple[float, float, float]] = []
    for index in range(args.repeat):
        # A fresh state directory each time: the process runtime keeps finished pods
        # (for their logs), and observing them is part of every wake-up.
        stack = Stack(work / f"{label}-{index}", args.sandbox, not args.results_in_process)
        try:
            wall, cpu, phase = stack.run(doc)
        finally:
            stack.close()
        mk = baseline()
        print(
            f"  {label} run {index + 1}: {phase}, wall {wall:.3f} s, CPU {cpu:.2f} s, "
            f"make -j8 {mk:.3f} s, x make {wall / mk:.2f}",
            flush=True,
        )
        if phase != "Succeeded":
            return None
        runs.append((wall, cpu, mk))
    return {
        "wall": statistics.median(r[0] for r in runs),
        "cpu": statistics.median(r[1] for r in runs),
        "make": statistics.median(r[2] for r in runs),
        "ratio": statistics.median(r[0] / r[2] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--dense", default="10x100", help="LAYERSxWIDTH; 0x0: none")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--sandbox", default="auto")
    parser.add_argument("--steps", action="store_true", help="fan out with steps, not a DAG")
    parser.add_argument("--rss-workflows", type=int, default=100)
    parser.add_argument("--profile", help="write cProfile stats of the fan-out here")
    parser.add_argument(
        "--results-in-process",
        action="store_true",
        help="TaskResults written by the controller's process (no writer child)",
    )
    args = parser.parse_args()
    layers, width = (int(n) for n in args.dense.split("x"))
    profiles = profile_threads() if args.profile else None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        probe = Stack(work / "probe", args.sandbox)
        kind = probe.controller.reconciler.runtime.sandbox_kind  # type: ignore[attr-defined]
        probe.close()
        print(
            f"sandbox: {kind}, slots: {SLOTS}, cpus: {os.cpu_count()}, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        shapes: list[tuple[str, int, dict[str, Any], Callable[[], float]]] = [
            (
                f"fan-out {args.tasks}, parallelism 8",
                args.tasks,
                fan_out(args.tasks, args.steps),
                lambda: make_fan_out(work, args.tasks, False),
            ),
            (
                f"chain {args.chain}",
                args.chain,
                chain(args.chain),
                lambda: make_fan_out(work, args.chain, True),
            ),
        ]
        if layers and width:
            shapes.append(
                (
                    f"dense {layers}x{width}",
                    layers * width,
                    dense(layers, width),
                    lambda: make_dense(work, layers, width),
                )
            )
        results = []
        for label, tasks, doc, baseline in shapes:
            if profiles is not None and results:
                break  # the profile is of the fan-out alone
            found = run_shape(work, label.split(",")[0].replace(" ", "-"), doc, baseline, args)
            results.append((label, tasks, found))
        print(f"medians of {args.repeat}, load now {os.getloadavg()[0]:.1f}:")
        print("| shape | wf wall s | make -j8 s | x make (median of runs) | CPU s | CPU ms/task |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for label, tasks, found in results:
            if found is None:
                print(f"| {label} | failed | | | | |")
                continue
            print(
                f"| {label} | {found['wall']:.3f} | {found['make']:.3f} | {found['ratio']:.2f} "
                f"| {found['cpu']:.2f} | {found['cpu'] / tasks * 1000:.2f} |"
            )
            if label.startswith("chain"):
                print(f"chain: {found['wall'] / tasks * 1000:.2f} ms wall per task")
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
