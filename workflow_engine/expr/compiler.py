"""Turns a parsed expression (`parser.parse`) into a Python closure and runs it
(`workflow_engine.expr`): the evaluator behind `evaluate()` and `{{=...}}`.

Compiling once per source string (cached) makes repeated evaluation cheap: each AST
node becomes one closure `fn(ctx) -> value`, with no tree walk or dispatch per call.
Semantics follow expr-lang: strict types (`"1" + 1` is an error), `/` gives a float,
missing map keys read as nil, `&&`/`||` need booleans.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from workflow_engine.expr import builtins, dates, sprig
from workflow_engine.expr import values as v
from workflow_engine.expr.context import Ctx, Fn
from workflow_engine.expr.errors import (
    ExprError,
    ExprEvalError,
    ExprSyntaxError,
    UnresolvedError,
)
from workflow_engine.expr.limits import forget_on_bound_change
from workflow_engine.expr.parser import Node, parse
from workflow_engine.expr.regex import RegexError, compile_regex


def _type_error(op: str, a: Any, b: Any) -> ExprEvalError:
    hint = ""
    if isinstance(a, str) != isinstance(b, str):
        hint = " (hint: convert with asInt(), asFloat() or string())"
    return ExprEvalError(f"invalid operation: {v.type_name(a)} {op} {v.type_name(b)}{hint}")


def _arith(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, datetime | timedelta) or isinstance(b, datetime | timedelta):
        out = dates.arith(op, a, b)
        if out is NotImplemented:
            raise _type_error(op, a, b)
        return out
    if not (v.is_number(a) and v.is_number(b)):
        if op == "+" and isinstance(a, str) and isinstance(b, str):
            return v.check_str(a + b)
        if op == "+" and isinstance(a, list) and isinstance(b, list):
            v.check_list(len(a) + len(b))
            return a + b
        raise _type_error(op, a, b)
    both_int = isinstance(a, int) and isinstance(b, int)
    if op in ("+", "-", "*"):
        r = a + b if op == "+" else a - b if op == "-" else a * b
        return v.check_int(r) if both_int else r
    if op == "/":
        if b == 0:
            raise ExprEvalError("division by zero")
        return a / b
    if op == "%":
        if not both_int:
            raise _type_error(op, a, b)
        if b == 0:
            raise ExprEvalError("division by zero (modulo)")
        r = abs(a) % abs(b)
        return r if a >= 0 else -r
    try:
        return math.pow(a, b)
    except OverflowError:
        raise ExprEvalError(f"numeric overflow in {a} {op} {b}") from None
    except ValueError:
        return math.nan


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return v.values_equal(a, b)
    if op == "!=":
        return not v.values_equal(a, b)
    numbers = v.is_number(a) and v.is_number(b)
    if not (numbers or (isinstance(a, str) and isinstance(b, str)) or dates.comparable(a, b)):
        raise _type_error(op, a, b)
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    return bool(a <= b if op == "<=" else a >= b)


def _regex(pattern: str) -> Any:
    try:
        return compile_regex(pattern)
    except RegexError as e:
        raise ExprEvalError(str(e)) from None


def _check_literal_pattern(node: Node) -> None:
    """A pattern written as a literal is compiled with the expression, as expr-lang
    does, so lint reports a pattern RE2 refuses before anything runs."""
    if node[0] == "lit" and isinstance(node[1], str):
        try:
            compile_regex(node[1])
        except RegexError as e:
            raise ExprSyntaxError(str(e), 0) from None


def _word_op(op: str, a: Any, b: Any) -> Any:
    if op == "in":
        if isinstance(b, list | tuple):
            return any(v.values_equal(a, e) for e in b)
        if isinstance(b, Mapping):
            return _hashable("a map key", a) in b
        raise ExprEvalError(f"invalid operation: {v.type_name(a)} in {v.type_name(b)}")
    if not (isinstance(a, str) and isinstance(b, str)):
        raise _type_error(op, a, b)
    if op == "matches":
        return _regex(b).search(a) is not None
    if op == "contains":
        return b in a
    return a.startswith(b) if op == "startsWith" else a.endswith(b)


def _hashable(what: str, key: Any) -> Any:
    if isinstance(key, list | dict):
        raise ExprEvalError(f"invalid operation: {v.type_name(key)} cannot be {what}")
    return key


def _range(a: Any, b: Any) -> list[int]:
    if not (v.is_int(a) and v.is_int(b)):
        raise _type_error("..", a, b)
    v.check_list(max(0, b - a + 1))
    return list(range(a, b + 1))


def _binary(op: str) -> Callable[[Any, Any], Any]:
    if op in ("+", "-", "*", "/", "%", "**", "^"):
        return functools.partial(_arith, "**" if op == "^" else op)
    if op in ("==", "!=", "<", ">", "<=", ">="):
        return functools.partial(_compare, op)
    if op == "..":
        return _range
    return functools.partial(_word_op, op)


def read_member(obj: Any, key: Any, optional: bool) -> Any:
    """`obj.key` / `obj[key]`: map keys (nil when missing), array and string indexes."""
    if isinstance(obj, Mapping):
        return obj.get(_hashable("a map key", key))
    if obj is None:
        if optional:
            return None
        raise ExprEvalError(f"cannot read {key!r} of nil")
    if isinstance(obj, list | tuple | str) and v.is_int(key):
        n = len(obj)
        if -n <= key < n:
            return obj[key]
        raise ExprEvalError(f"index out of range: {key} (length {n})")
    raise ExprEvalError(f"cannot read {key!r} of {v.type_name(obj)}")


def _slice(obj: Any, lo: Any, hi: Any) -> Any:
    if not isinstance(obj, list | tuple | str):
        raise ExprEvalError(f"cannot slice {v.type_name(obj)}")
    for bound in (lo, hi):
        if bound is not None and not v.is_int(bound):
            raise ExprEvalError(f"slice bounds must be integers, got {v.type_name(bound)}")
    return obj[lo:hi]


def _bool_of(what: str, x: Any) -> bool:
    if isinstance(x, bool):
        return x
    shown = v.go_str(x)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise ExprEvalError(f"{what} needs a bool, got {v.type_name(x)} {shown!r}")


class _Compiler:
    """One compilation: tracks `let` names in scope to tell them from env names."""

    def __init__(self) -> None:
        self.bound: list[str] = []

    def fn(self, node: Node) -> Fn:
        compile_: Callable[[Node], Fn] = getattr(self, "c_" + node[0])
        return compile_(node)

    def c_lit(self, node: Node) -> Fn:
        value = node[1]
        return lambda ctx: value

    def c_name(self, node: Node) -> Fn:
        name = node[1]
        if name in self.bound:
            return lambda ctx: ctx.vars[name]

        def lookup(ctx: Ctx) -> Any:
            try:
                return ctx.env[name]
            except KeyError:
                raise UnresolvedError(name, f"unknown name {name!r}") from None

        return lookup

    def c_ptr(self, node: Node) -> Fn:
        slot = {"": 0, "index": 1, "acc": 2}.get(node[1])
        if slot is None:
            raise ExprSyntaxError(f"unknown closure variable #{node[1]}", 0)

        def ptr(ctx: Ctx) -> Any:
            if not ctx.frames:
                raise ExprEvalError("# can only be used inside a predicate such as filter()")
            return ctx.frames[-1][slot]

        return ptr

    def c_member(self, node: Node) -> Fn:
        obj, key, optional = self.fn(node[1]), node[2][1], node[3] or _has_optional(node[1])
        return lambda ctx: read_member(obj(ctx), key, optional)

    def c_index(self, node: Node) -> Fn:
        optional = (len(node) > 3 and bool(node[3])) or _has_optional(node[1])
        obj, key = self.fn(node[1]), self.fn(node[2])
        return lambda ctx: read_member(obj(ctx), key(ctx), optional)

    def c_slice(self, node: Node) -> Fn:
        obj = self.fn(node[1])
        lo = self.fn(node[2]) if node[2] else (lambda ctx: None)
        hi = self.fn(node[3]) if node[3] else (lambda ctx: None)
        return lambda ctx: _slice(obj(ctx), lo(ctx), hi(ctx))

    def c_bin(self, node: Node) -> Fn:
        if node[1] == "matches":
            _check_literal_pattern(node[3])
        op, left, right = _binary(node[1]), self.fn(node[2]), self.fn(node[3])
        if node[1] not in ("+", ".."):
            return lambda ctx: op(left(ctx), right(ctx))

        def growing(ctx: Ctx) -> Any:
            # Charge big results to the step budget: repeated concatenation is quadratic.
            out = op(left(ctx), right(ctx))
            if isinstance(out, str | list) and len(out) > 1024:
                ctx.tick(len(out) >> 10)
            return out

        return growing

    def c_and(self, node: Node) -> Fn:
        left, right = self.fn(node[1]), self.fn(node[2])
        return lambda ctx: _bool_of("&&", left(ctx)) and _bool_of("&&", right(ctx))

    def c_or(self, node: Node) -> Fn:
        left, right = self.fn(node[1]), self.fn(node[2])
        return lambda ctx: _bool_of("||", left(ctx)) or _bool_of("||", right(ctx))

    def c_not(self, node: Node) -> Fn:
        x = self.fn(node[1])
        return lambda ctx: not _bool_of("!", x(ctx))

    def c_neg(self, node: Node) -> Fn:
        x = self.fn(node[1])

        def neg(ctx: Ctx) -> Any:
            val = x(ctx)
            if not v.is_number(val):
                raise ExprEvalError(f"invalid operation: -{v.type_name(val)}")
            return -val

        return neg

    def c_cond(self, node: Node) -> Fn:
        c, a, b = self.fn(node[1]), self.fn(node[2]), self.fn(node[3])
        return lambda ctx: a(ctx) if _bool_of("?:", c(ctx)) else b(ctx)

    def c_coalesce(self, node: Node) -> Fn:
        # expr-lang makes every member and index read left of `??` optional
        # (`a.b.c ?? d` reads as `a?.b?.c ?? d`)
        left, right = self.fn(_optional_chain(node[1])), self.fn(node[2])

        def coalesce(ctx: Ctx) -> Any:
            try:
                val = left(ctx)
            except UnresolvedError:
                val = None
            return right(ctx) if val is None else val

        return coalesce

    def c_array(self, node: Node) -> Fn:
        items = [self.fn(n) for n in node[1]]
        return lambda ctx: [f(ctx) for f in items]

    def c_map(self, node: Node) -> Fn:
        pairs = [(self.fn(k), self.fn(x)) for k, x in node[1]]
        return lambda ctx: {_hashable("a map key", k(ctx)): x(ctx) for k, x in pairs}

    def c_closure(self, node: Node) -> Fn:
        raise ExprSyntaxError("a {...} predicate is only allowed as a function argument", 0)

    def c_let(self, node: Node) -> Fn:
        name, value = node[1], self.fn(node[2])
        self.bound.append(name)
        body = self.fn(node[3])
        self.bound.pop()

        def let(ctx: Ctx) -> Any:
            saved = ctx.vars.get(name, _MISSING)
            ctx.vars[name] = value(ctx)
            try:
                return body(ctx)
            finally:
                if saved is _MISSING:
                    del ctx.vars[name]
                else:
                    ctx.vars[name] = saved

        return let

    def c_call(self, node: Node) -> Fn:
        callee, args = node[1], node[2]
        if callee[0] == "member" and callee[1] == ("name", "sprig"):
            if str(callee[2][1]).startswith("regex") and callee[2][1] != "regexQuoteMeta":
                _check_literal_pattern(args[0] if args else ("lit", None))
            return self._sprig_call(callee[2][1], args)
        if callee[0] == "member":
            return self._method_call(callee, args)
        if callee[0] != "name" or callee[1] in self.bound:
            raise ExprSyntaxError("only builtin and sprig.* functions can be called", 0)
        entry = builtins.table().get(callee[1])
        if entry is None:
            raise ExprSyntaxError(f"unknown function {callee[1]}()", 0)
        impl, preds = entry
        fns = [self._arg(a, i in preds) for i, a in enumerate(args)]
        name = callee[1]

        def call(ctx: Ctx) -> Any:
            evaluated = [f if i in preds else f(ctx) for i, f in enumerate(fns)]
            try:
                return impl(ctx, *evaluated)
            except ExprError:
                raise
            except Exception as e:  # a builtin's own failure is the expression's
                raise builtin_failure(f"{name}()", e) from None

        return call

    def _method_call(self, callee: Node, args: tuple[Node, ...]) -> Fn:
        """`date(x).Year()`, `duration("1h").Hours()`: methods of date and duration values."""
        obj, name, fns = self.fn(callee[1]), callee[2][1], [self.fn(a) for a in args]
        return lambda ctx: dates.call_method(obj(ctx), name, [f(ctx) for f in fns])

    def _arg(self, node: Node, is_pred: bool) -> Fn:
        if is_pred:
            return self.fn(node[1] if node[0] == "closure" else node)
        return self.fn(node)

    def _sprig_call(self, name: str, args: tuple[Node, ...]) -> Fn:
        impl = sprig.table().get(name)
        if impl is None:
            raise ExprSyntaxError(f"unknown function sprig.{name}()", 0)
        fns = [self.fn(a) for a in args]

        def call(ctx: Ctx) -> Any:
            args = [f(ctx) for f in fns]
            try:
                return impl(*args)
            except ExprError:
                raise
            except Exception as e:  # as for builtins: never anything but an ExprEvalError
                raise builtin_failure(f"sprig.{name}()", e) from None

        return call


_MISSING = object()


def builtin_failure(name: str, exc: Exception) -> ExprEvalError:
    """The ExprEvalError a function's Python failure becomes: wrong arguments for a
    TypeError, the failure's own words otherwise (an OverflowError, a MemoryError...)."""
    if isinstance(exc, TypeError):
        return ExprEvalError(f"{name}: wrong arguments ({exc})")
    return ExprEvalError(f"{name}: {_describe(exc)}")


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OverflowError | MemoryError):
        return f"numeric overflow ({text})"
    return text


def _optional_chain(node: Node) -> Node:
    if node[0] == "member":
        return ("member", _optional_chain(node[1]), node[2], True)
    if node[0] == "index":
        return ("index", _optional_chain(node[1]), node[2], True)
    return node


def _has_optional(node: Node) -> bool:
    while node[0] in ("member", "index", "slice"):
        if node[0] == "member" and node[3]:
            return True
        node = node[1]
    return False


@functools.lru_cache(maxsize=4096)
def compile_source(source: str) -> Fn:
    """Parse and compile one expression (cached per source string)."""
    try:
        return _Compiler().fn(parse(source))
    except ExprError:
        raise
    except RecursionError:
        raise ExprSyntaxError("expression is nested too deeply", 0) from None
    except Exception as e:  # whatever the parser trips on is the text's fault
        raise ExprSyntaxError(f"cannot parse the expression: {_describe(e)}", 0) from None


def run(source: str, env: Mapping[str, Any]) -> Any:
    """Evaluate `source`; every failure is an ExprError (the engine turns those into a
    node's or the workflow's Error, and nothing else may escape from here)."""
    fn = compile_source(source)
    try:
        return fn(Ctx(env))
    except ExprError:
        raise
    except RecursionError:
        raise ExprEvalError("expression nested too deeply") from None
    except Exception as e:  # an operator's Python failure (unhashable key, overflow...)
        raise ExprEvalError(f"cannot evaluate the expression: {_describe(e)}") from None


forget_on_bound_change(compile_source.cache_clear)
