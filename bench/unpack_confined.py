"""Benchmark: unpacking an input archive in-process vs in the confined child.

Where it sits: the executor's input artifacts (executor/inputs.py) are unpacked by
`workflow_engine.artifacts.archive.unpack_at(confined=True)`, which, as root, starts an
unprivileged chrooted interpreter per archive (workflow_engine/artifacts/confined.py).
This measures what that costs per archive, against the same unpacking in-process, in
the same run: wall and CPU (this process and its children), median of --repeat.
Run as root: .venv/bin/python bench/unpack_confined.py [--archives 30] [--files 10]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import tarfile
import tempfile
import time
from pathlib import Path

from workflow_engine.artifacts.archive import unpack_into


def cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def make_archive(path: Path, files: int) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for i in range(files):
            data = os.urandom(4096)
            info = tarfile.TarInfo(f"top/f{i}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def run(archive: Path, dest: Path, archives: int, confined: bool) -> tuple[float, float]:
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    for i in range(archives):
        unpack_into(archive, dest / f"d{i}", confined=confined)
    return time.perf_counter() - wall0, cpu_seconds() - cpu0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archives", type=int, default=30)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("only a root caller is confined: run as root")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive = root / "a.tgz"
        make_archive(archive, args.files)
        results: dict[str, list[tuple[float, float]]] = {"in-process": [], "confined": []}
        for r in range(args.repeat):
            for name in results:
                dest = root / f"{name}{r}"
                dest.mkdir()
                results[name].append(run(archive, dest, args.archives, name == "confined"))
        n = args.archives
        print(f"{n} archives of {args.files} x 4 KiB files, median of {args.repeat}")
        per = {}
        for name, runs in results.items():
            wall = statistics.median(w for w, _ in runs) / n * 1e3
            cpu = statistics.median(c for _, c in runs) / n * 1e3
            per[name] = (wall, cpu)
            print(f"{name:12s} {wall:8.2f} ms wall {cpu:8.2f} ms CPU per archive")
        (w1, c1), (w0, c0) = per["confined"], per["in-process"]
        print(f"confined: x{w1 / w0:.1f} wall, x{c1 / c0:.1f} CPU, {c1 - c0:+.2f} ms CPU")


if __name__ == "__main__":
    main()
