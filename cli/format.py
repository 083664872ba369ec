"""Formatting for `wf`: objects -> strings and rich renderables. Nothing here prints.

Tables (`wf list`, `wf template list`), the node tree of `wf get`/`wf watch` (like
`argo get`: step, template, pod name, duration, message, with phase symbols and
colours), and JSON/YAML dumps.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from operator import attrgetter
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from cli.listing import human_duration, workflow_rows
from cli.node_map import NodeMap, node_map_of
from cli.tree_fold import Fold, fold_children
from workflow_engine.controller import Event
from workflow_engine.engine.naming import pod_name
from workflow_engine.spec.times import parse_time

SYMBOLS = {
    "Succeeded": ("✔", "green"),
    "Failed": ("✖", "red"),
    "Error": ("⚠", "red"),
    "Running": ("●", "cyan"),
    "Pending": ("◷", "yellow"),
    "Skipped": ("○", "dim"),
    "Omitted": ("○", "dim"),
}
HIDDEN_NODE_TYPES = ("StepGroup", "TaskGroup")


def render(renderable: RenderableType, width: int = 160, color: bool = False) -> str:
    """A renderable as text (tests, and output piped to a file)."""
    console = Console(width=width, record=True, force_terminal=color, color_system=None)
    with console.capture() as capture:
        console.print(renderable)
    return "\n".join(line.rstrip() for line in capture.get().split("\n"))


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def span(start: str | None, end: str | None, now: datetime) -> str:
    began = _time(start)
    if began is None:
        return ""
    return human_duration(((_time(end) or now) - began).total_seconds())


def phase_text(phase: str | None) -> Text:
    phase = phase or "Pending"
    symbol, style = SYMBOLS.get(phase, ("?", ""))
    return Text(f"{symbol} {phase}", style=style)


def _phase(obj: dict[str, Any]) -> str:
    return (obj.get("status") or {}).get("phase") or "Pending"


def workflow_table(items: Iterable[dict[str, Any]], now: datetime, wide: bool = False) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False)
    columns, rows = workflow_rows(items, now, wide)
    for column in columns:
        table.add_column(column, no_wrap=column != "MESSAGE")
    at = columns.index("STATUS")
    for row in rows:
        table.add_row(*row[:at], phase_text(row[at]), *row[at + 1 :])
    return table


def template_table(items: Iterable[dict[str, Any]], now: datetime, wide: bool = False) -> Table:
    """NAME KIND AGE ENTRYPOINT; `wide` adds NAMESPACE, TEMPLATES and LABELS."""
    table = Table(box=None, pad_edge=False, show_edge=False)
    columns = ["NAME", "KIND", "AGE", "ENTRYPOINT"]
    if wide:
        columns += ["NAMESPACE", "TEMPLATES", "LABELS"]
    for column in columns:
        table.add_column(column, no_wrap=True)
    for obj in items:
        meta, spec = obj["metadata"], obj.get("spec") or {}
        row = [
            meta["name"],
            obj["kind"],
            span(meta.get("creationTimestamp"), None, now),
            spec.get("entrypoint") or "",
        ]
        if wide:
            row += [
                meta.get("namespace") or "",
                ",".join(t.get("name", "") for t in spec.get("templates") or ()),
                _labels(meta),
            ]
        table.add_row(*row)
    return table


def _labels(meta: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((meta.get("labels") or {}).items()))


def _header(obj: dict[str, Any], now: datetime, nodes: NodeMap) -> Table:
    meta, status = obj["metadata"], obj.get("status") or {}
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    rows: list[tuple[str, str | Text]] = [
        ("Name:", meta["name"]),
        ("Namespace:", meta.get("namespace") or "default"),
        ("Status:", phase_text(_phase(obj))),
    ]
    if status.get("message"):
        rows.append(("Message:", status["message"]))
    rows.append(("Created:", meta.get("creationTimestamp") or ""))
    if status.get("startedAt"):
        rows.append(("Started:", status["startedAt"]))
    if status.get("finishedAt"):
        rows.append(("Finished:", status["finishedAt"]))
    if status.get("startedAt"):
        rows.append(("Duration:", span(status.get("startedAt"), status.get("finishedAt"), now)))
    if status.get("progress"):
        rows.append(("Progress:", status["progress"]))
    for row in rows:
        table.add_row(*row)
    _parameters_and_outputs(table, obj, nodes)
    return table


def _parameters_and_outputs(table: Table, obj: dict[str, Any], nodes: NodeMap) -> None:
    status = obj.get("status") or {}
    params = ((obj.get("spec") or {}).get("arguments") or {}).get("parameters") or []
    if params:
        table.add_row("Parameters:", "")
        for param in params:
            table.add_row(f"  {param.get('name')}:", str(param.get("value", "")))
    outputs = (status.get("outputs") or {}).get("parameters") or []
    if outputs:
        table.add_row("Outputs:", "")
        for param in outputs:
            table.add_row(f"  {param.get('name')}:", str(param.get("value", "")))
    artifacts = artifact_rows(obj, nodes)
    if artifacts:
        table.add_row("Output artifacts:", "")
        for node, name, where in artifacts:
            table.add_row(f"  {node}:", f"{name}  {where}")


def artifact_rows(obj: dict[str, Any], nodes: NodeMap | None = None) -> list[tuple[str, str, str]]:
    """(node display name, artifact name, `kind key`) of each stored output artifact."""
    rows: list[tuple[str, str, str]] = []
    listing = (nodes or node_map_of(obj.get("status") or {})).with_output_artifacts()
    if not listing:
        return rows  # the artifact models and drivers are imported only when needed
    from workflow_engine.artifacts import location_kind, output_artifacts

    only = {**obj, "status": {"nodes": listing}}
    for _node_id, node, art in output_artifacts(only):
        kind = location_kind(art) or ""
        location = getattr(art, kind, None)
        key = getattr(location, "key", None) or getattr(location, "url", None) or ""
        label = node.get("displayName") or node.get("name") or _node_id
        rows.append((str(label), art.name, f"{kind}: {key}" if key else kind))
    return rows


def _visible_children(nodes: NodeMap, node_id: str) -> list[str]:
    """What `wf get` prints under a node, as `argo get` does: a Steps or DAG node lists
    every step/task of its boundary in execution order (step groups collapsed, the
    chain of groups flattened); a Retry node lists its attempts; a containerSet's pod
    node its Container nodes; other leaves list nothing."""
    node = nodes.skeleton(node_id)
    if node is None or node.type not in ("Steps", "DAG", "Pod", "Retry"):
        return []
    if node.type == "Retry":
        return [c for c in node.children or () if c in nodes]
    out: list[str] = []
    seen = {node_id}
    queue = deque(node.children or ())
    get, pop, push = nodes.skeletons.get, queue.popleft, queue.extend
    while queue:
        child_id = pop()
        child = get(child_id)
        if child_id in seen or child is None or child.boundaryID != node_id:
            continue
        seen.add(child_id)
        kind = child.type
        if kind not in HIDDEN_NODE_TYPES:
            out.append(child_id)
        if kind not in ("Retry", "Steps", "DAG") and child.children:
            push(child.children)
    return out


def _roots(obj: dict[str, Any], nodes: NodeMap) -> list[str]:
    name = obj["metadata"]["name"]
    if name in nodes:
        roots = [name]
    else:
        skeleton = nodes.skeleton
        children = {c for i in nodes for c in getattr(skeleton(i), "children", None) or ()}
        roots = [i for i in nodes if i not in children]
    on_exit = nodes.named(f"{name}.onExit")
    return roots + [i for i in on_exit if i not in roots]


def node_tree(
    obj: dict[str, Any],
    now: datetime,
    wide: bool = False,
    fold: Fold | None = None,
    nodes: NodeMap | None = None,
) -> Table:
    """The node tree; `wide` adds Argo's `get -o wide` columns: ARTIFACTS,
    RESOURCESDURATION and NODENAME. Big groups of children are folded (cli/tree_fold.py);
    `fold.unfolded` starts the tree at that node. `nodes`: the status's node map, when
    the caller has it already."""
    fold = fold or Fold()
    if nodes is None:
        nodes = node_map_of(obj.get("status") or {})
    table = Table(box=None, pad_edge=False, show_edge=False)
    columns = ["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE"]
    if wide:
        columns[4:4] = ["ARTIFACTS"]
        columns += ["RESOURCESDURATION", "NODENAME"]
    for column in columns:
        table.add_column(column, no_wrap=column != "MESSAGE")
    wf_name = obj["metadata"]["name"]
    seen: set[str] = set()

    def add(node_id: str, prefix: str, last: bool, depth: int) -> None:
        if node_id in seen:
            return
        seen.add(node_id)
        node = nodes[node_id]
        branch = "" if depth == 0 else ("└─" if last else "├─")
        symbol, style = SYMBOLS.get(node.get("phase") or "Pending", ("?", ""))
        step = Text(f"{prefix}{branch}")
        step.append(symbol, style=style)
        step.append(f" {node.get('displayName') or node.get('name')}")
        template = node.get("templateName") or (node.get("templateRef") or {}).get("template")
        owner = nodes.get(node.get("boundaryID") or "") if node.get("type") == "Container" else node
        pod = ""
        if owner and owner.get("type") == "Pod":
            pod = pod_name(wf_name, owner["name"], template)
        row: list[str | Text] = [
            step,
            template or "",
            pod,
            span(node.get("startedAt"), node.get("finishedAt"), now),
            node.get("message") or "",
        ]
        if wide:
            row[4:4] = [_artifact_names(node)]
            row += [_resources(node), node.get("hostNodeName") or ""]
        table.add_row(*row)
        children, folded = fold_children(
            _phases_of(nodes), node_id, _visible_children(nodes, node_id), fold
        )
        child_prefix = prefix + ("" if depth == 0 else ("  " if last else "│ "))
        for index, child in enumerate(children):
            add(child, child_prefix, index == len(children) - 1 and folded is None, depth + 1)
        if folded is not None:
            table.add_row(
                Text(f"{child_prefix}└─{folded}", style="dim"), *[""] * (len(columns) - 1)
            )

    start = fold.unfolded
    roots = [start] if start is not None and start in nodes else _roots(obj, nodes)
    for root in roots:
        add(root, "", True, 0)
    return table


_PHASE = attrgetter("phase")


def _phases_of(nodes: NodeMap) -> Callable[[list[str]], Iterator[str | None]]:
    """The phases of node ids, in order, without a Python call per node (a loop's group
    of 100,000 children is counted by phase)."""
    get = nodes.skeletons.__getitem__

    def phases(ids: list[str]) -> Iterator[str | None]:
        return map(_PHASE, map(get, ids))

    return phases


def _artifact_names(node: dict[str, Any]) -> str:
    artifacts = (node.get("outputs") or {}).get("artifacts") or ()
    return ",".join(str(a.get("name", "")) for a in artifacts)


def _resources(node: dict[str, Any]) -> str:
    """Argo's `1s*(1 cpu),2s*(100Mi memory)` from `resourcesDuration`."""
    used = node.get("resourcesDuration") or {}
    return ",".join(f"{seconds}s*(1 {name})" for name, seconds in sorted(used.items()))


def events_table(events: list[Event]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("TIME", "TYPE", "REASON", "MESSAGE"):
        table.add_column(column, no_wrap=column != "MESSAGE")
    for event in events:
        table.add_row(event.time, event.type, event.reason, event.message)
    return table


def workflow_details(
    obj: dict[str, Any],
    now: datetime,
    events: list[Event] | None = None,
    wide: bool = False,
    fold: Fold | None = None,
) -> RenderableType:
    """The header, node tree and events of a workflow whose status may keep its nodes
    compressed (they are decoded as far as the tree shows them: `cli.node_map`)."""
    nodes = node_map_of(obj.get("status") or {})
    parts: list[RenderableType] = [_header(obj, now, nodes)]
    if nodes:
        parts += [Text(""), node_tree(obj, now, wide, fold, nodes)]
    if events:
        parts += [Text(""), Text("Events:", style="bold"), events_table(events)]
    return Group(*parts)


def workflow_name_line(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])
