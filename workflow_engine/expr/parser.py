"""Parser of the expr-lang subset Argo uses in `{{=...}}`, `when`, `retryStrategy.expression`
and `valueFrom.expression` (`workflow_engine.expr`).

Text -> lark (LALR, built once per process) -> a tuple AST that `compiler` turns into
Python closures and `template.references` walks for lint. Never Python `eval`.

AST nodes are tuples whose first item names the node:
("lit", v) ("name", n) ("ptr", n) ("member", obj, key, optional) ("index", obj, key)
("slice", obj, lo, hi) ("call", callee, args) ("pipe", value, call) ("bin", op, l, r)
("and", l, r) ("or", l, r) ("not", x) ("neg", x) ("cond", c, a, b) ("coalesce", l, r)
("array", items) ("map", pairs) ("closure", body) ("let", name, value, body).
"""

from __future__ import annotations

import functools
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from workflow_engine.expr.errors import ExprSyntaxError, quoted
from workflow_engine.expr.limits import check_length, forget_on_bound_change

Node = tuple[Any, ...]

_GRAMMAR = r"""
?start: expr

?expr: pipe
     | "let" NAME "=" pipe ";" expr            -> let_

?pipe: ternary
     | pipe "|" postfix                        -> pipe

?ternary: or_expr
        | or_expr "?" ternary ":" ternary      -> cond

?or_expr: and_expr
        | or_expr ("||" | "or") and_expr       -> or_

?and_expr: cmp
         | and_expr ("&&" | "and") cmp         -> and_

?cmp: range_expr
    | cmp CMP_OP range_expr                    -> binop
    | cmp WORD_OP range_expr                   -> binop
    | cmp "not" WORD_OP range_expr             -> not_binop

?range_expr: add
           | add ".." add                      -> range_

?add: not_expr
    | add ADD_OP not_expr                      -> binop

?not_expr: mul
         | ("!" | "not") not_expr              -> not_

?mul: uminus
    | mul MUL_OP uminus                        -> binop

?uminus: power
       | "-" uminus                            -> neg
       | "+" uminus

?power: coalesce
      | coalesce POW_OP uminus                 -> binop

?coalesce: postfix
         | coalesce "??" postfix               -> coalesce

?postfix: primary
        | postfix "." NAME                     -> member
        | postfix "?." NAME                    -> opt_member
        | postfix "[" expr "]"                 -> index
        | postfix "[" [expr] SLICE_COLON [expr] "]"  -> slice
        | postfix "(" [args] ")"               -> call

args: expr ("," expr)* ","?

?primary: INT                                  -> int_
        | FLOAT                                -> float_
        | STRING                               -> string
        | "true"                               -> true
        | "false"                              -> false
        | "nil"                                -> nil
        | NAME                                 -> name
        | POINTER                              -> ptr
        | "." NAME                             -> implicit_member
        | "(" expr ")"
        | "[" [args] "]"                       -> array
        | "{" expr "}"                         -> closure
        | "{" [pair ("," pair)* ","?] "}"      -> map_

pair: key ":" expr
?key: NAME                                     -> key_name
    | STRING                                   -> string
    | INT                                      -> int_
    | "(" expr ")"

SLICE_COLON: ":"
// `#` or `#name` with nothing between: `# endsWith "x"` is the pointer, then an operator
POINTER: /#[A-Za-z_$][A-Za-z0-9_$]*/ | "#"
CMP_OP: "==" | "!=" | "<=" | ">=" | "<" | ">"
WORD_OP: "in" | "matches" | "contains" | "startsWith" | "endsWith"
ADD_OP: "+" | "-"
MUL_OP: "*" | "/" | "%"
POW_OP: "**" | "^"
NAME: /[A-Za-z_$][A-Za-z0-9_$]*/
FLOAT: /\d[\d_]*\.\d[\d_]*([eE][+-]?\d+)?/ | /\d[\d_]*[eE][+-]?\d+/
INT: /0[xX][0-9a-fA-F_]+/ | /0[oO][0-7_]+/ | /0[bB][01_]+/ | /\d[\d_]*/
STRING: /"(?:[^"\\]|\\.)*"/s | /'(?:[^'\\]|\\.)*'/s | /`[^`]*`/
COMMENT: /\/\/[^\n]*/ | /\/\*(.|\n)*?\*\//
%ignore /\s+/
%ignore COMMENT
"""

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
}


def unquote(raw: str) -> str:
    """Decode a Go-style string literal ('..', ".." with escapes, `..` raw)."""
    if raw[0] == "`":
        return raw[1:-1]
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2 : i + 2 + width]
            try:
                if len(digits) != width:
                    raise ValueError(digits)
                out.append(chr(int(digits, 16)))
            except (ValueError, OverflowError):
                raise ExprSyntaxError(f"invalid escape \\{e}{digits} in string", 0) from None
            i += 2 + width
        else:
            raise ExprSyntaxError(f"invalid escape \\{e} in string {raw}", 0)
    return "".join(out)


@v_args(inline=True)
class _ToAst(Transformer[Token, Any]):
    """Builds the tuple AST while the LALR parser runs (no intermediate tree)."""

    def int_(self, tok: Token) -> Node:
        text = str(tok).replace("_", "")
        try:
            if len(text) > 1 and text[0] == "0" and text[1].isdigit():
                return ("lit", int(text, 8))  # Go reads a leading 0 as octal
            return ("lit", int(text, 0))
        except ValueError:
            raise ExprSyntaxError(f"invalid number {str(tok)!r}", tok.start_pos or 0) from None

    def float_(self, tok: Token) -> Node:
        return ("lit", float(str(tok).replace("_", "")))

    def string(self, tok: Token) -> Node:
        try:
            return ("lit", unquote(str(tok)))
        except ExprSyntaxError as e:
            raise ExprSyntaxError(e.message, tok.start_pos or 0) from None

    def true(self) -> Node:
        return ("lit", True)

    def false(self) -> Node:
        return ("lit", False)

    def nil(self) -> Node:
        return ("lit", None)

    def name(self, tok: Token) -> Node:
        return ("name", str(tok))

    def key_name(self, tok: Token) -> Node:
        return ("lit", str(tok))

    def ptr(self, tok: Token) -> Node:
        return ("ptr", str(tok)[1:])

    def implicit_member(self, tok: Token) -> Node:
        return ("member", ("ptr", ""), ("lit", str(tok)), False)

    def member(self, obj: Node, tok: Token) -> Node:
        return ("member", obj, ("lit", str(tok)), False)

    def opt_member(self, obj: Node, tok: Token) -> Node:
        return ("member", obj, ("lit", str(tok)), True)

    def index(self, obj: Node, key: Node) -> Node:
        return ("index", obj, key)

    def slice(self, obj: Node, lo: Node | None, _colon: Token, hi: Node | None) -> Node:
        return ("slice", obj, lo, hi)

    def call(self, callee: Node, args: list[Node] | None) -> Node:
        return ("call", callee, tuple(args or ()))

    def args(self, *items: Node) -> list[Node]:
        return list(items)

    def array(self, items: list[Node] | None) -> Node:
        return ("array", tuple(items or ()))

    def pair(self, key: Node, value: Node) -> tuple[Node, Node]:
        return (key, value)

    def map_(self, *pairs: tuple[Node, Node] | None) -> Node:
        return ("map", tuple(p for p in pairs if p is not None))

    def closure(self, body: Node) -> Node:
        return ("closure", body)

    def binop(self, left: Node, op: Token, right: Node) -> Node:
        return ("bin", str(op), left, right)

    def not_binop(self, left: Node, op: Token, right: Node) -> Node:
        return ("not", ("bin", str(op), left, right))

    def range_(self, left: Node, right: Node) -> Node:
        return ("bin", "..", left, right)

    def and_(self, left: Node, right: Node) -> Node:
        return ("and", left, right)

    def or_(self, left: Node, right: Node) -> Node:
        return ("or", left, right)

    def not_(self, x: Node) -> Node:
        return ("not", x)

    def neg(self, x: Node) -> Node:
        return ("neg", x)

    def cond(self, c: Node, a: Node, b: Node) -> Node:
        return ("cond", c, a, b)

    def coalesce(self, left: Node, right: Node) -> Node:
        return ("coalesce", left, right)

    def pipe(self, value: Node, call: Node) -> Node:
        if call[0] == "call":
            return ("call", call[1], (value, *call[2]))
        return ("call", call, (value,))

    def let_(self, name: Token, value: Node, body: Node) -> Node:
        return ("let", str(name), value, body)


@functools.cache
def _lark() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", transformer=_ToAst(), maybe_placeholders=True)


def _describe(err: UnexpectedInput, source: str) -> ExprSyntaxError:
    pos = getattr(err, "pos_in_stream", None) or 0
    if isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    ):
        return ExprSyntaxError(f"unexpected end of expression {quoted(source)}", len(source))
    if isinstance(err, UnexpectedToken):
        tok = err.token
        pos = tok.start_pos if tok.start_pos is not None else pos
        return ExprSyntaxError(f"unexpected {str(tok)!r} in expression {quoted(source)}", pos)
    if isinstance(err, UnexpectedCharacters):
        char = source[pos] if pos < len(source) else ""
        return ExprSyntaxError(f"unexpected character {char!r} in expression {quoted(source)}", pos)
    return ExprSyntaxError(f"cannot parse expression {quoted(source)}", pos)


@functools.lru_cache(maxsize=4096)
def parse(source: str) -> Node:
    """Parse one expression into its AST (cached per source string)."""
    check_length(source)
    if not source.strip():
        raise ExprSyntaxError("empty expression", 0)
    try:
        ast: tuple[Any, ...] = _lark().parse(source)  # type: ignore[assignment]  # the transformer ran
        return ast
    except UnexpectedInput as e:
        raise _describe(e, source) from None
    except RecursionError:
        raise ExprSyntaxError("expression is nested too deeply", 0) from None


forget_on_bound_change(parse.cache_clear)
