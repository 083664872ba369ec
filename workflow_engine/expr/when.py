"""Argo's `when:` conditions (`workflow_engine.expr`), evaluated after the caller has
substituted `{{...}}` tags, with govaluate's rules as Argo applies them: a bare word
is a string (`heads == heads`), numbers are float64, `'..'`/`".."` are strings, and
`=~`/`!~` match regular expressions. Parsed conditions are cached per text.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from workflow_engine.expr.errors import ExprError, ExprEvalError, ExprSyntaxError, quoted
from workflow_engine.expr.limits import check_length, forget_on_bound_change
from workflow_engine.expr.regex import RegexError, compile_regex
from workflow_engine.expr.values import go_float

Node = tuple[Any, ...]
_OPERATORS = {
    "==", "!=", ">", ">=", "<", "<=", "=~", "!~", "&&", "||", "!",
    "+", "-", "*", "/", "%", "**", "?", ":", "??",
}  # fmt: skip
_SYMBOLS = set("=!<>&|+-*/%^~?:")
_BINARY_LEVELS: tuple[tuple[str, ...], ...] = (
    ("==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"),
    ("+", "-"),
    ("*", "/", "%"),
    ("**",),
)
MAX_DEPTH = 200  # operations nested in one condition (its evaluation recurses)
_HINT = " (hint: wrap values with spaces or symbols in quotes, e.g. 'my-value')"


def _lex(text: str) -> list[tuple[str, Any, int]]:
    """Tokens as (kind, value, offset); kinds: val, op, (, ), ','."""
    out: list[tuple[str, Any, int]] = []
    i, n = 0, len(text)
    while i < n:
        c, start = text[i], i
        if c.isspace():
            i += 1
        elif c.isdigit():
            while i < n and (text[i].isdigit() or text[i] == "."):
                i += 1
            try:
                out.append(("val", float(text[start:i]), start))
            except ValueError:
                raise ExprSyntaxError(
                    f"cannot parse number {text[start:i]!r}{_HINT}", start
                ) from None
        elif c.isalpha():
            while i < n and (text[i].isalnum() or text[i] in "_."):
                i += 1
            word = text[start:i]
            if word in ("true", "false"):
                out.append(("val", word == "true", start))
            elif word in ("in", "IN"):
                out.append(("op", "in", start))
            else:
                out.append(("val", word, start))  # a bare word is a string in Argo
        elif c in "'\"":
            i, value = _read_string(text, i)
            out.append(("val", value, start))
        elif c == "[":
            end = text.find("]", i)
            if end < 0:
                raise ExprSyntaxError("unclosed '['", start)
            out.append(("val", text[i + 1 : end], start))
            i = end + 1
        elif c in "(),":
            out.append((c, c, start))
            i += 1
        elif c in _SYMBOLS:
            while i < n and text[i] in _SYMBOLS:
                i += 1
            sym = text[start:i]
            if sym not in _OPERATORS:
                raise ExprSyntaxError(f"invalid token {sym!r}{_HINT}", start)
            out.append(("op", sym, start))
        else:
            raise ExprSyntaxError(f"invalid character {c!r}{_HINT}", start)
    return out


def _read_string(text: str, i: int) -> tuple[int, str]:
    quote, buf, i = text[i], [], i + 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            buf.append(text[i + 1])
            i += 2
        elif c == quote:
            return i + 1, "".join(buf)
        else:
            buf.append(c)
            i += 1
    raise ExprSyntaxError(f"unclosed string in {quoted(text)}", i)


class _Parser:
    """Recursive descent over govaluate's precedence: ?: ?? || && comparison + * ** unary."""

    def __init__(self, text: str, toks: list[tuple[str, Any, int]] | None = None) -> None:
        self.text = text
        self.toks = _lex(text) if toks is None else toks
        self.i = 0

    def peek(self) -> tuple[str, Any, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take_op(self, *ops: str) -> str | None:
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in ops:
            self.i += 1
            return str(tok[1])
        return None

    def fail(self, what: str) -> ExprSyntaxError:
        tok = self.peek()
        if tok is None:
            return ExprSyntaxError(
                f"unexpected end of condition {quoted(self.text)}", len(self.text)
            )
        return ExprSyntaxError(
            f"unexpected {what} {tok[1]!r} in condition {quoted(self.text)}{_HINT}", tok[2]
        )

    def parse(self) -> Node:
        node = self.ternary()
        if self.peek() is not None:
            raise self.fail("token")
        return node

    def ternary(self) -> Node:
        node = self.logic(0)
        while self.take_op("??"):
            node = ("??", node, self.logic(0))
        if self.take_op("?"):
            a = self.ternary()
            if not self.take_op(":"):
                raise self.fail("token")
            node = ("?", node, a, self.ternary())
        return node

    def logic(self, level: int) -> Node:
        op_text = ("||", "&&")[level]
        node = self.logic(level + 1) if level == 0 else self.binary(0)
        while self.take_op(op_text):
            right = self.logic(level + 1) if level == 0 else self.binary(0)
            node = (op_text, node, right)
        return node

    def binary(self, level: int) -> Node:
        if level == len(_BINARY_LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while op := self.take_op(*_BINARY_LEVELS[level]):
            node = (op, node, self.binary(level + 1))
        return node

    def unary(self) -> Node:
        if op := self.take_op("!", "-"):
            return ("u" + op, self.unary())
        tok = self.peek()
        if tok is None:
            raise self.fail("end")
        if tok[0] == "val":
            self.i += 1
            return ("val", tok[1])
        if tok[0] == "(":
            self.i += 1
            items = [self.ternary()]
            while self.peek() and self.peek()[0] == ",":  # type: ignore[index]
                self.i += 1
                items.append(self.ternary())
            tok = self.peek()
            if tok is None or tok[0] != ")":
                raise self.fail("token")
            self.i += 1
            return items[0] if len(items) == 1 else ("list", *items)
        raise self.fail("token")


@functools.lru_cache(maxsize=8192)
def parse_when(text: str) -> Node:
    check_length(text, "condition")
    try:
        toks = _lex(text)
    except ExprError:
        raise
    except Exception:  # the full parse below words the error
        return _parse_text(text)
    # the tree's structure depends only on the tokens' kinds and operators, not on
    # their values: a loop's conditions (`{{item}} > 5` substituted per item) share it
    shape = _shape(tuple(None if kind == "val" else (kind, value) for kind, value, _ in toks))
    if shape is None:
        return _parse_text(text)  # it does not parse: the full parse words why
    return _fill(shape, [value for kind, value, _ in toks if kind == "val"])


@functools.lru_cache(maxsize=1024)
def _shape(key: tuple[tuple[str, str] | None, ...]) -> Node | None:
    """The tree of a token sequence whose values are their positions among the values
    (`_fill` puts the values in); None when it does not parse."""
    toks: list[tuple[str, Any, int]] = []
    slots = 0
    for tok in key:
        if tok is None:
            toks.append(("val", slots, 0))
            slots += 1
        else:
            toks.append((tok[0], tok[1], 0))
    try:
        node = _Parser("", toks).parse()
    except (ExprError, RecursionError):
        return None
    return node if _depth(node) <= MAX_DEPTH else None


def _fill(shape: Node, values: list[Any]) -> Node:
    if shape[0] == "val":
        return ("val", values[shape[1]])
    return (shape[0], *(_fill(child, values) for child in shape[1:]))


def _parse_text(text: str) -> Node:
    try:
        node = _Parser(text).parse()
    except ExprError:
        raise
    except RecursionError:
        raise ExprSyntaxError(f"condition is nested too deeply: {quoted(text)}", 0) from None
    except Exception as e:  # whatever the tokenizer trips on is the text's fault
        raise ExprSyntaxError(f"cannot parse the condition {text[:80]!r}: {e}", 0) from None
    if _depth(node) > MAX_DEPTH:  # `_eval` recurses: a chain `a == b == c ...` is deep too
        raise ExprSyntaxError(
            f"condition is nested deeper than {MAX_DEPTH} operations: {quoted(text)}", 0
        )
    return node


def _depth(root: Node) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if node[0] != "val":
            stack.extend((child, depth + 1) for child in node[1:] if isinstance(child, tuple))
    return deepest


def _show(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    return go_float(x) if isinstance(x, float) else repr(x)


def _num(op: str, x: Any) -> float:
    if isinstance(x, float):
        return x
    hint = _HINT if isinstance(x, str) else ""
    raise ExprEvalError(f"value {_show(x)} cannot be used with {op!r}: it is not a number{hint}")


def _eval(node: Node) -> Any:
    kind = node[0]
    if kind == "val":
        return node[1]
    if kind == "list":
        return [_eval(n) for n in node[1:]]
    if kind in ("&&", "||"):
        left = _bool(kind, _eval(node[1]))
        if left == (kind == "||"):
            return left
        return _bool(kind, _eval(node[2]))
    if kind == "u!":
        return not _bool("!", _eval(node[1]))
    if kind == "u-":
        return -_num("-", _eval(node[1]))
    if kind == "?":
        return _eval(node[2]) if _bool("?", _eval(node[1])) else _eval(node[3])
    if kind == "??":
        left = _eval(node[1])
        return _eval(node[2]) if left is None else left
    return _binary(kind, _eval(node[1]), _eval(node[2]))


def _bool(op: str, x: Any) -> bool:
    if isinstance(x, bool):
        return x
    raise ExprEvalError(f"value {_show(x)} cannot be used with {op!r}: it is not a boolean")


def _equal(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _binary(op: str, a: Any, b: Any) -> Any:
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op == "in":
        return any(_equal(a, e) for e in (b if isinstance(b, list) else [b]))
    if op in ("=~", "!~"):
        if not (isinstance(a, str) and isinstance(b, str)):
            raise ExprEvalError(f"{op} needs two strings, got {_show(a)} and {_show(b)}")
        try:
            found = compile_regex(b).search(a) is not None
        except RegexError as e:
            raise ExprEvalError(str(e)) from None
        return found == (op == "=~")
    if op in (">", ">=", "<", "<="):
        if not (isinstance(a, str) and isinstance(b, str)):
            a, b = _num(op, a), _num(op, b)
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]
    if op == "+" and (isinstance(a, str) or isinstance(b, str)):
        return _concat_text(a) + _concat_text(b)
    return _arith(op, _num(op, a), _num(op, b))


def _concat_text(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    return go_float(x) if isinstance(x, float) else str(x)


def _arith(op: str, a: float, b: float) -> float:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b if b else math.copysign(math.inf, a) if a else math.nan
        if op == "%":
            return math.fmod(a, b) if b else math.nan
        return math.pow(a, b)
    except (OverflowError, ValueError):
        return math.nan


def evaluate_when(text: str) -> bool:
    """True when the (already substituted) `when` condition holds; "" is true."""
    if not text.strip():
        return True
    node = parse_when(text)
    try:
        result = _eval(node)
    except ExprError:
        raise
    except RecursionError:
        raise ExprEvalError(f"condition is nested too deeply: {quoted(text)}") from None
    except Exception as e:  # Python's own failure (an overflow...) is the condition's
        raise ExprEvalError(f"cannot evaluate the when condition {quoted(text)}: {e}") from None
    if not isinstance(result, bool):
        raise ExprEvalError(
            f"when condition {quoted(text)} evaluated to {_show(result)}, not a boolean"
        )
    return result


forget_on_bound_change(parse_when.cache_clear)
forget_on_bound_change(_shape.cache_clear)
