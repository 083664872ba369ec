"""Benchmark: `wf server` over real HTTP on 127.0.0.1 with a SQLite store (no
controller: workflows are stored, not run).

Where it sits: measures the server room (workflow_engine.server) on top of the embedded
store. Prints the list latency with --workflows stored workflows (a whole list, a
100-item page, a page projected to names and phases) and the submits per second from
--clients concurrent clients (each submit is linted, then stored).
Run: .venv/bin/python bench/server_api.py [--workflows 1000] [--clients 10] [--submits 500]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from workflow_engine.server import ServerContext, TokenAuth
from workflow_engine.server.serve import BackgroundServer
from workflow_engine.store import SqliteStore

TOKEN = "bench"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def workflow(name: str = "", generate: str = "bench-") -> dict[str, Any]:
    meta = {"name": name} if name else {"generateName": generate}
    steps = [[{"name": f"s{i}", "template": "echo"}] for i in range(3)]
    return {
        "metadata": {**meta, "labels": {"team": "bench"}},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": steps},
                {"name": "echo", "container": {"image": "alpine", "command": ["echo", "hi"]}},
            ],
        },
    }


def timed(http: httpx.Client, path: str, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        r = http.get(path)
        times.append(time.perf_counter() - start)
        r.raise_for_status()
        size = len(r.content)
    return statistics.median(times), size


def submits(url: str, clients: int, total: int) -> float:
    per_client = total // clients

    def client() -> None:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=120) as http:
            for _ in range(per_client):
                http.post(
                    "/api/v1/workflows/bench", json={"workflow": workflow()}
                ).raise_for_status()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per_client * clients / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workflows", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--submits", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "store.db")
        for i in range(args.workflows):
            doc = workflow(f"wf-{i:05}")
            doc["metadata"]["namespace"] = "bench"
            store.create({"apiVersion": "v1", "kind": "Workflow", **doc})
        ctx = ServerContext(store=store, auth=TokenAuth.from_text(TOKEN))
        server = BackgroundServer(ctx).start()
        try:
            with httpx.Client(base_url=server.url, headers=HEADERS, timeout=120) as http:
                for label, path in [
                    ("whole list", "/api/v1/workflows/bench"),
                    ("page of 100", "/api/v1/workflows/bench?listOptions.limit=100"),
                    (
                        "page of 100, names and phases",
                        "/api/v1/workflows/bench?listOptions.limit=100"
                        "&fields=items.metadata.name,items.status.phase",
                    ),
                ]:
                    seconds, size = timed(http, path, args.repeat)
                    print(f"list {label:32} {seconds * 1000:8.1f} ms  {size / 1024:8.1f} KiB")
            rate = submits(server.url, args.clients, args.submits)
            print(f"submits from {args.clients} clients        {rate:8.1f} /s")
        finally:
            server.stop()
            store.close()


if __name__ == "__main__":
    main()
