"""Loops: `withItems`, `withParam` and `withSequence` expand one step or task into one
node per item, named `name(index:item)`, with `{{item}}` / `{{item.key}}` substituted."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from workflow_engine.engine.context import Ctx
from workflow_engine.engine.exprs import substitute
from workflow_engine.engine.layers import layered
from workflow_engine.engine.naming import go_format, loop_node_name
from workflow_engine.engine.params import InputError, resolve_argument_artifacts
from workflow_engine.engine.scope import refers_to_skipped_output, substitute_value
from workflow_engine.engine.templates import Scope, TemplateNotFound
from workflow_engine.spec.models import DAGTask, Sequence, WorkflowStep

H = TypeVar("H", WorkflowStep, DAGTask)
_LOOP_KEYS = ("withItems", "withParam", "withSequence")


def has_loop(holder: WorkflowStep | DAGTask) -> bool:
    return (
        holder.with_items is not None
        or holder.with_param is not None
        or holder.with_sequence is not None
    )


def items_of(holder: WorkflowStep | DAGTask, scope: Mapping[str, Any]) -> list[Any]:
    if holder.with_items is not None:
        return [substitute_value(item, scope, strict=True) for item in holder.with_items]
    if holder.with_param is not None:
        return list(_param_items(substitute(holder.with_param, scope, strict=True)))
    assert holder.with_sequence is not None
    return sequence_items(holder.with_sequence, scope)


def _param_items(text: str) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError as err:
        raise InputError(
            f"withParam value could not be parsed as a JSON list: {text.strip()}"
        ) from err
    if not isinstance(value, list):
        raise InputError(f"withParam value could not be parsed as a JSON list: {text.strip()}")
    return value


def _sequence_bounds(seq: Sequence, scope: Mapping[str, Any]) -> tuple[int, int, str] | None:
    """(start, end, format) of a withSequence, or None when it has no items."""

    def number(value: Any) -> int:
        return int(substitute(str(value), scope, strict=True))

    start = number(seq.start) if seq.start is not None else 0
    if seq.end is not None:
        end = number(seq.end)
    elif seq.count is not None:
        count = number(seq.count)
        if count == 0:
            return None
        end = start + count - 1
    else:
        raise InputError("neither end nor count was specified in withSequence")
    return start, end, (seq.format or "%d").replace("%v", "%s")


def sequence_items(seq: Sequence, scope: Mapping[str, Any]) -> list[str]:
    """Argo's expandSequence: strings from start to end (or count), formatted."""
    bounds = _sequence_bounds(seq, scope)
    return [] if bounds is None else list(_sequence(*bounds))


def _sequence(start: int, end: int, fmt: str) -> tuple[str, ...]:
    step = 1 if start <= end else -1
    return tuple(fmt % i for i in range(start, end + step, step))


def item_vars(item: Any) -> dict[str, Any]:
    """`item` and `item.<key>` as Argo's processItem sets them."""
    if isinstance(item, dict):
        out: dict[str, Any] = {"item": json.dumps(item, separators=(",", ":"))}
        for key, value in item.items():
            out[f"item.{key}"] = value if isinstance(value, str) else _json(value)
        return out
    if isinstance(item, list):
        return {"item": _json(item)}
    return {"item": go_format(item)}


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def resolve_holder(holder: H, scope: Mapping[str, Any]) -> H:
    """Substitute a step or task's own fields (arguments, when...) except its loop."""
    data = holder.to_dict()
    kept = {k: data.pop(k) for k in _LOOP_KEYS if k in data}
    for key in ("inline", "hooks", "onExit"):
        if key in data:
            kept[key] = data.pop(key)
    froms = _pop_artifact_sources(data)
    dropped = _drop_skipped_arguments(data, scope)
    new = substitute_value(data, scope, strict=True, at="")
    if new is data and not froms and not dropped:
        return holder
    new.update(kept)
    for art, source in zip(new.get("arguments", {}).get("artifacts", []), froms, strict=False):
        if source is not None:
            art["from"] = source
    return type(holder).model_validate(new)


def _drop_skipped_arguments(data: dict[str, Any], scope: Mapping[str, Any]) -> bool:
    """Leave out the parameters that name what a skipped node never produced."""
    args = data.get("arguments")
    if not isinstance(args, dict) or not args.get("parameters"):
        return False
    params = args["parameters"]
    kept = [p for p in params if not refers_to_skipped_output(p.get("value"), scope)]
    args["parameters"] = kept
    return len(kept) != len(params)


def _pop_artifact_sources(data: dict[str, Any]) -> list[str | None]:
    """`from` tags name artifacts, not strings: they are resolved separately."""
    arts = data.get("arguments", {}).get("artifacts") or []
    return [art.pop("from", None) for art in arts]


Iteration = tuple[str, str, Any]  # node-name suffix, full child node name, item


def iterations(holder: H, scope: Mapping[str, Any], prefix: str = "") -> tuple[Iteration, ...]:
    """Each iteration's node-name suffix, its node's full name (`prefix` + suffix) and
    its item, in order, nothing substituted yet. Memoized on the loop's resolved input
    (a sequence's bounds, a withParam's text): a running loop asks for the same names
    on every call."""
    base = holder.name or ""
    if holder.with_sequence is not None:
        bounds = _sequence_bounds(holder.with_sequence, scope)
        return () if bounds is None else _sequence_iterations(prefix, base, *bounds)
    if holder.with_param is not None:
        text = substitute(holder.with_param, scope, strict=True)
        return _param_iterations(prefix, base, text)
    return _named(prefix, base, items_of(holder, scope))


@functools.lru_cache(maxsize=64)
def _sequence_iterations(
    prefix: str, base: str, start: int, end: int, fmt: str
) -> tuple[Iteration, ...]:
    return _named(prefix, base, _sequence(start, end, fmt))


@functools.lru_cache(maxsize=64)
def _param_iterations(prefix: str, base: str, text: str) -> tuple[Iteration, ...]:
    return _named(prefix, base, _param_items(text))


def _named(prefix: str, base: str, items: Iterable[Any]) -> tuple[Iteration, ...]:
    out = []
    for i, item in enumerate(items):
        suffix = loop_node_name(base, i, item)
        out.append((suffix, prefix + suffix, item))
    return tuple(out)


def resolve_iteration(holder: H, name: str, item: Any, scope: Mapping[str, Any]) -> H:
    """One iteration of a looping step or task, `{{item}}` and its arguments'
    artifact sources (`from`, looked up in `scope`) resolved."""
    resolved = resolve_holder(holder, layered(item_vars(item), scope))
    return resolved.model_copy(
        update={
            "name": name,
            "with_items": None,
            "with_param": None,
            "with_sequence": None,
            "arguments": resolve_argument_artifacts(resolved.arguments, scope),
        }
    )


def expand(holder: H, scope: Mapping[str, Any]) -> list[tuple[str, H]]:
    """The iterations of a looping step or task: (name, resolved holder) in order."""
    return [
        (name, resolve_iteration(holder, name, item, scope))
        for name, _, item in iterations(holder, scope)
    ]


def would_wait(ctx: Ctx, holder: H, tscope: Scope, boundary_id: str, on_exit: bool) -> bool:
    """True when an iteration with no node yet would neither start nor be recorded in
    this call (parallelism is full, nothing stops it, no `when` to skip it, and its
    template resolves without substitution), so it need not be resolved at all."""
    if holder.when or ctx.stop_message(on_exit) is not None or ctx.may_start(boundary_id):
        return False
    if "{{" in (holder.template or "") or holder.template_ref is not None:
        return False
    if getattr(holder, "inline", None) is not None:
        return True
    try:
        ctx.templates.resolve(tscope, holder)
    except TemplateNotFound:
        return False
    return True


class WaitCheck(Generic[H]):
    """`would_wait` for one pass over a loop's iterations: recomputed only when the
    counters parallelism reads (active pods, the boundary's active children) moved."""

    def __init__(self, ctx: Ctx, holder: H, tscope: Scope, boundary_id: str, on_exit: bool) -> None:
        self.ctx, self.tscope = ctx, tscope
        self.holder: H = holder
        self.boundary_id, self.on_exit = boundary_id, on_exit
        self._key: tuple[int, int] | None = None
        self._value = False

    def __call__(self) -> bool:
        run = self.ctx.run
        key = (run.active_pods, run.active_children[self.boundary_id])
        if key != self._key:
            self._key = key
            self._value = would_wait(
                self.ctx, self.holder, self.tscope, self.boundary_id, self.on_exit
            )
        return self._value
