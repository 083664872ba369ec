"""Benchmark: artifact throughput through the executor's S3 driver vs the bare minio
client, peak memory of the driver path, and tar+gzip of many small files.

Where it sits: measures workflow_engine.artifacts (S3Driver behind RetryingDriver, as
`default_drivers` builds it for a pod; `archive.pack`/`unpack_into`) against a real
SeaweedFS started here on free loopback ports (tests/fixtures/seaweedfs.py).

- upload then download SIZE MiB through the driver and through `Minio.fput_object` /
  `fget_object`, MB/s for both and the driver/bare ratio (target >= 0.8);
- peak RSS of a fresh process doing the driver's save+load for each size in --rss
  (target: does not grow with the size), next to its RSS after imports;
- pack (tar+gzip, level 6) and unpack of a directory of --files small files.

Run: .venv/bin/python bench/artifacts_throughput.py [--size 1024] [--rss 100,1024]
     [--files 10000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minio import Minio

from tests.fixtures.seaweedfs import SeaweedServer
from workflow_engine.artifacts import (
    MappingSecrets,
    default_drivers,
    pack,
    parse_repository,
    unpack_into,
)
from workflow_engine.spec.models import Artifact

MIB = 1024 * 1024
BUCKET = "bench"


def repository(server: SeaweedServer) -> dict[str, object]:
    return {
        "s3": {
            "endpoint": server.endpoint,
            "bucket": BUCKET,
            "insecure": True,
            "accessKeySecret": {"name": "c", "key": "a"},
            "secretKeySecret": {"name": "c", "key": "s"},
            "createBucketIfNotPresent": {},
        }
    }


def driver_for(repo: dict[str, object], access: str, secret: str):  # type: ignore[no-untyped-def]
    secrets = MappingSecrets({"c": {"a": access, "s": secret}})
    return default_drivers(parse_repository(json.dumps(repo)), secrets)["s3"]


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(8 * MIB)
    with open(path, "wb") as f:
        for _ in range(size_mib // 8):
            f.write(block)
        f.write(block[: (size_mib % 8) * MIB])


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def throughput(server: SeaweedServer, work: Path, size_mib: int, repeat: int) -> dict[str, float]:
    src = work / "blob.bin"
    make_file(src, size_mib)
    driver = driver_for(repository(server), server.access_key, server.secret_key)
    client = Minio(
        server.endpoint, access_key=server.access_key, secret_key=server.secret_key, secure=False
    )
    art = Artifact.model_validate({"name": "blob", "s3": {"key": "driver/blob.bin"}})
    driver.save(work / "blob.bin", art)  # warm-up: bucket, volumes, connections
    runs: dict[str, list[float]] = {k: [] for k in ("d_up", "d_down", "m_up", "m_down")}
    back = work / "back.bin"
    back_s = str(back)
    for _ in range(repeat):
        runs["d_up"].append(timed(lambda: driver.save(src, art)))
        runs["d_down"].append(timed(lambda: driver.load(art, back)))
        back.unlink()
        runs["m_up"].append(timed(lambda: client.fput_object(BUCKET, "bare/blob.bin", str(src))))
        runs["m_down"].append(timed(lambda: client.fget_object(BUCKET, "bare/blob.bin", back_s)))
        back.unlink()
    src.unlink()
    size_mb = size_mib * MIB / 1e6
    return {k: size_mb / statistics.median(v) for k, v in runs.items()}


RSS_CHILD = """
import json, sys
from pathlib import Path
from workflow_engine.artifacts import MappingSecrets, default_drivers, parse_repository
from workflow_engine.spec.models import Artifact

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

repo, access, secret, src, back = json.loads(sys.argv[1])
secrets = MappingSecrets({"c": {"a": access, "s": secret}})
driver = default_drivers(parse_repository(json.dumps(repo)), secrets)["s3"]
art = Artifact.model_validate({"name": "rss", "s3": {"key": "rss/" + Path(src).name}})
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets the peak (VmHWM) to the current RSS
base = status("VmRSS")
driver.save(Path(src), art)
driver.load(art, Path(back))
print(json.dumps({"base_kib": base, "peak_kib": status("VmHWM")}))
"""


def peak_rss(server: SeaweedServer, work: Path, size_mib: int) -> dict[str, int]:
    src = work / f"rss-{size_mib}.bin"
    back = work / f"rss-{size_mib}.back"
    make_file(src, size_mib)
    args = [repository(server), server.access_key, server.secret_key, str(src), str(back)]
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
    )
    src.unlink()
    back.unlink()
    return json.loads(out.stdout)


def small_files(work: Path, count: int) -> dict[str, float]:
    tree = work / "many"
    for i in range(count):
        sub = tree / f"d{i % 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i:05d}.txt").write_bytes(f"file {i}\n".encode() * (1 + i % 200))
    total = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    packed = work / "many.tgz"
    pack_s = timed(lambda: pack(tree, packed))
    unpack_s = timed(lambda: unpack_into(packed, work / "many-back"))
    result = {
        "files": count,
        "bytes": total,
        "tgz_bytes": packed.stat().st_size,
        "pack_s": pack_s,
        "unpack_s": unpack_s,
    }
    shutil.rmtree(tree)
    shutil.rmtree(work / "many-back")
    packed.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1024, help="MiB for the throughput run")
    parser.add_argument("--rss", default="100,1024", help="MiB sizes for the RSS runs")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wf-bench-artifacts-") as tmp:
        work = Path(tmp)
        server = SeaweedServer(work / "weed", volume_size_limit_mb=1024)
        server.start()
        try:
            t = throughput(server, work, args.size, args.repeat)
            print(f"{args.size} MiB, median of {args.repeat}:")
            print(f"  driver  upload {t['d_up']:7.1f} MB/s   download {t['d_down']:7.1f} MB/s")
            print(f"  minio   upload {t['m_up']:7.1f} MB/s   download {t['m_down']:7.1f} MB/s")
            print(
                f"  ratio   upload {t['d_up'] / t['m_up']:7.2f}        "
                f"download {t['d_down'] / t['m_down']:7.2f}"
            )
            for size in (int(s) for s in args.rss.split(",") if s):
                r = peak_rss(server, work, size)
                print(
                    f"peak RSS of save+load of {size} MiB: {r['peak_kib'] / 1024:.1f} MiB "
                    f"(before: {r['base_kib'] / 1024:.1f} MiB, "
                    f"growth {(r['peak_kib'] - r['base_kib']) / 1024:.1f} MiB)"
                )
        finally:
            server.stop()
        s = small_files(work, args.files)
        print(
            f"tar+gzip of {s['files']} files ({s['bytes'] / 1e6:.1f} MB -> "
            f"{s['tgz_bytes'] / 1e6:.2f} MB): pack {s['pack_s']:.2f} s "
            f"({s['files'] / s['pack_s']:.0f} files/s, {s['bytes'] / 1e6 / s['pack_s']:.1f} MB/s), "
            f"unpack {s['unpack_s']:.2f} s ({s['files'] / s['unpack_s']:.0f} files/s)"
        )
    print(
        f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB"
    )


if __name__ == "__main__":
    main()
