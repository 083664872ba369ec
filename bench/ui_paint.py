"""Benchmark: the web UI's first paint of a large workflow graph in a real browser.

Where it sits: measures the server room's UI (workflow_engine.server.ui, static/app.js)
end to end: a workflow whose status already holds --nodes nodes is stored directly in
a SQLite store in a temporary state directory (nothing runs), the server's app serves it
on 127.0.0.1, and Debian's headless chromium (driven by Playwright, never a downloaded
browser) opens its detail page. The figure is the time from navigation to all of the
graph's node elements being in the page, median of --repeat fresh pages, next to a
10-node baseline measured in the same run.
Run: .venv/bin/python bench/ui_paint.py [--nodes 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from workflow_engine.server import ServerContext, TokenAuth
from workflow_engine.server.serve import BackgroundServer
from workflow_engine.store import SqliteStore

TOKEN = "bench"
NS = "bench"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [  # the flags tests/integration/server/test_ui.py uses
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAYER = 100  # nodes per layer: columns of chains under one root


def status_nodes(count: int) -> dict[str, Any]:
    """A root node and count-1 pod nodes in layers of LAYER, each a chain's next link."""
    root = "paint"
    nodes: dict[str, Any] = {
        root: {"id": root, "name": root, "displayName": root, "type": "DAG", "phase": "Running"}
    }
    phases = ["Succeeded", "Succeeded", "Running", "Failed", "Pending"]
    for i in range(count - 1):
        node_id = f"paint-{i}"
        parent = root if i < LAYER else f"paint-{i - LAYER}"
        nodes[parent].setdefault("children", []).append(node_id)
        nodes[node_id] = {
            "id": node_id,
            "name": f"paint.task-{i}",
            "displayName": f"task-{i}",
            "type": "Pod",
            "phase": phases[i % len(phases)],
        }
    return nodes


def workflow(name: str, count: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "suspend": {}}]},
        "status": {"phase": "Running", "nodes": status_nodes(count)},
    }


def first_paint(context: Any, url: str, count: int) -> float:
    """Seconds from navigation to `count` graph nodes being in a fresh page."""
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(
            f"document.querySelectorAll('#graph-svg g[data-node]').length >= {count}",
            timeout=300_000,
        )
        return time.perf_counter() - start
    finally:
        page.close()


def measure(server_url: str, profile: Path, sizes: list[int], repeat: int) -> dict[int, float]:
    from playwright.sync_api import sync_playwright

    times: dict[int, list[float]] = {size: [] for size in sizes}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        context.add_init_script(f"localStorage.setItem('wf.token', '{TOKEN}')")
        try:
            for size in sizes:  # one warm-up page each, not counted
                first_paint(context, f"{server_url}/#/workflows/{NS}/graph-{size}", size)
            for _ in range(repeat):  # interleaved, so a busy moment hits both sizes
                for size in sizes:
                    url = f"{server_url}/#/workflows/{NS}/graph-{size}"
                    times[size].append(first_paint(context, url, size))
        finally:
            context.close()
    return {size: statistics.median(values) for size, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [10, args.nodes]
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "store.db")
        for size in sizes:
            store.create(workflow(f"graph-{size}", size))
        server = BackgroundServer(ServerContext(store=store, auth=TokenAuth.from_text(TOKEN)))
        server.start()
        try:
            medians = measure(server.url, Path(tmp) / "profile", sizes, args.repeat)
        finally:
            server.stop()
            store.close()
    for size, seconds in medians.items():
        print(f"first paint, {size:5} nodes  {seconds * 1000:8.1f} ms  (median of {args.repeat})")


if __name__ == "__main__":
    main()
