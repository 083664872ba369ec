"""`wf` loads a command's module only when that command runs. Real: a fresh interpreter
running `wf --help` / `wf version` over an empty state directory, and click's help
rendering. What is asserted is the set of modules imported, never a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from cli.commands import COMMANDS, LazyGroup
from cli.main import cli
from workflow_engine.controller.statedir import ControllerLock, StatePaths
from workflow_engine.store import SqliteStore

ROOT = Path(__file__).parents[3]

# heavy modules no `wf --help` needs (the import graph of the whole CLI holds them all)
NEVER_FOR_HELP = (
    "cli.workflows",
    "cli.format",
    "executor",
    "fastapi",
    "kubernetes",
    "lark",
    "minio",
    "msgspec",
    "networkx",
    "pydantic",
    "rich",
    "subprocess",
    "uvicorn",
    "workflow_engine.artifacts",
    "workflow_engine.controller.autostart",
    "workflow_engine.controller.embedded",
    "workflow_engine.controller.operations",
    "workflow_engine.engine",
    "workflow_engine.lint",
    "workflow_engine.runtime",
    "workflow_engine.server",
    "workflow_engine.spec.models",
    "yaml",
)
# `wf version` probes the sandbox (the process runtime's probes, with subprocess), nothing else
NEVER_FOR_VERSION = (
    *(m for m in NEVER_FOR_HELP if m not in ("workflow_engine.runtime", "yaml", "subprocess")),
    "workflow_engine.runtime.process.runtime",
    "workflow_engine.runtime.kubernetes_node",
)

_PROBE = """
import json, sys
from cli.main import main
sys.argv = ["wf", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _modules_after(tmp_path: Path, *args: str, autostart: bool = False) -> set[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WF_HOME": str(tmp_path / "state"),
        "WF_NO_CONTROLLER": "0" if autostart else "1",
        "WF_BACKEND": "embedded",
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    return set(report["modules"])


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


@pytest.mark.parametrize("args", [["--help"], ["-h"]], ids=["--help", "-h"])
def test_help_imports_no_command_module(tmp_path: Path, args: list[str]) -> None:
    modules = _modules_after(tmp_path, *args)
    assert _loaded(modules, NEVER_FOR_HELP) == []
    assert not any(m.startswith("cli.") and m not in _EDGE for m in modules)


_EDGE = {"cli.main", "cli.app", "cli.backend", "cli.commands", "cli.errors"}


def test_version_imports_only_the_probes(tmp_path: Path) -> None:
    modules = _modules_after(tmp_path, "version", "-o", "json")
    assert _loaded(modules, NEVER_FOR_VERSION) == []
    assert "cli.system" in modules


def test_the_table_names_every_command_under_its_own_name() -> None:
    for name, entry in COMMANDS.items():
        assert entry.load().name == name, entry


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_help_lists_what_the_loaded_commands_would(width: int) -> None:
    loaded = LazyGroup(name="wf", params=cli.params, help=cli.help)
    for name in COMMANDS:
        loaded.get_command(click.Context(loaded), name)
    lazy = LazyGroup(name="wf", params=cli.params, help=cli.help)

    def render(group: LazyGroup) -> str:
        ctx = click.Context(group, info_name="wf", terminal_width=width)
        return group.get_help(ctx)

    assert not lazy.commands  # nothing loaded to render the listing
    assert render(lazy) == render(loaded)
    assert not lazy.commands


def test_list_imports_no_rich_nor_the_models(tmp_path: Path) -> None:
    # an empty listing; a long one takes the same plain path (tests/unit/cli/test_list_output)
    modules = _modules_after(tmp_path, "list")
    used = "workflow_engine.controller.operations"  # list_workflows itself
    heavy = (
        *(m for m in NEVER_FOR_HELP if m not in (used, "msgspec")),
        "cli.ci",
        "cli.format",
    )
    assert _loaded(modules, heavy) == []


ONE_POD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: one}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [sh, -c, "true"]}
"""
# what `wf submit` needs is lint (the models, the expression parser) and the store; the
# controller's wiring is for the controller process, the tree's formatting for get/watch
NEVER_FOR_SUBMIT = (
    "cli.ci",
    "cli.format",
    "executor",
    "fastapi",
    "kubernetes",
    "minio",
    "networkx",
    "rich",
    "uvicorn",
    "workflow_engine.artifacts",
    "workflow_engine.controller.embedded",
    "workflow_engine.controller.loop",
    "workflow_engine.controller.reconcile",
    "workflow_engine.engine.decision",
    "workflow_engine.engine.operate",
    "workflow_engine.runtime",
    "workflow_engine.server",
)


def test_submit_to_a_running_controller_imports_no_controller_nor_tree(tmp_path: Path) -> None:
    source = tmp_path / "one.yaml"
    source.write_text(ONE_POD)
    held = ControllerLock(StatePaths(tmp_path / "state").lock)
    assert held.acquire()  # a controller runs: `wf submit` must find it and start none
    try:
        modules = _modules_after(tmp_path, "submit", str(source), autostart=True)
    finally:
        held.release()
    assert _loaded(modules, NEVER_FOR_SUBMIT) == []
    assert "workflow_engine.lint" in modules  # it did lint before storing
    store = SqliteStore(StatePaths(tmp_path / "state").db)
    try:
        assert [o["metadata"]["name"] for o in store.list("Workflow").items] == ["one"]
    finally:
        store.close()


def _store_finished(state: Path) -> None:
    store = SqliteStore(StatePaths(state).db)
    try:
        created = store.create(yaml.safe_load(ONE_POD) | {"metadata": {"name": "one"}})
        store.update_status({**created, "status": {"phase": "Succeeded", "nodes": {}}})
    finally:
        store.close()


def test_wait_for_a_finished_workflow_imports_no_controller_nor_tree(tmp_path: Path) -> None:
    _store_finished(tmp_path / "state")
    modules = _modules_after(tmp_path, "wait", "one")
    assert _loaded(modules, NEVER_FOR_SUBMIT) == []
    assert "cli.workflows" in modules


def test_get_imports_the_tree_but_no_yaml_nor_the_models(tmp_path: Path) -> None:
    _store_finished(tmp_path / "state")
    modules = _modules_after(tmp_path, "get", "one")
    drawing = ("cli.workflows", "cli.format", "rich", "msgspec")
    used = ("workflow_engine.controller.operations", "workflow_engine.engine")  # pod names
    heavy = (
        *(m for m in NEVER_FOR_HELP if m not in (*drawing, *used)),
        "workflow_engine.engine.decision",
        "workflow_engine.engine.operate",
        "subprocess",
    )
    assert _loaded(modules, heavy) == []
    assert "cli.format" in modules  # it drew the tree
