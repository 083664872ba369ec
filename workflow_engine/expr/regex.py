"""Regular expressions as Argo evaluates them: Go's `regexp`, which is RE2.

Part of expr: `matches` (expr-lang), `=~`/`!~` (govaluate `when` conditions) and the
sprig `regex*` functions all compile here, with Google's RE2 (the `google-re2`
binding), so a pattern means what it means on Argo: no backreferences or lookaround
(refused with the reason, as Go refuses them), `$` only at the end of the text, `\\d`
and `\\w` ASCII only, linear time whatever the input.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import re2


class RegexError(ValueError):
    """A pattern RE2 (Go's regexp) does not accept."""


@functools.lru_cache(maxsize=1)
def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refusal on stderr
    return options


@functools.lru_cache(maxsize=512)
def compile_regex(pattern: str) -> Any:
    """The compiled pattern (re-like: search, finditer, sub...); RegexError if RE2
    refuses it."""
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise RegexError(f"invalid regular expression {pattern!r}: {text}") from None


def go_find_all(pattern: str, text: str) -> Iterator[Any]:
    """The successive matches as Go's FindAll gives them: an empty match right where
    the previous match ended is ignored (Python's finditer keeps it)."""
    previous = -1
    for match in compile_regex(pattern).finditer(text):
        if match.start() == match.end() == previous:
            continue
        previous = match.end()
        yield match


def go_split(pattern: str, text: str, n: int) -> list[str]:
    """Go's Regexp.Split: the pieces between matches (groups are not included); n < 0
    all of them, n == 0 none, n > 0 at most n. Follows Go's loop: an empty match at the
    start adds nothing, and nothing is added after a match that ends the text."""
    if n == 0:
        return []
    if pattern == "" and text == "":
        return [""]
    pieces: list[str] = []
    begin = end = 0
    for match in go_find_all(pattern, text):
        if n > 0 and len(pieces) == n - 1:
            break
        end = match.start()
        if match.end() != 0:
            pieces.append(text[begin:end])
        begin = match.end()
    if end != len(text):
        pieces.append(text[begin:])
    return pieces


_META = frozenset("\\.+*?()|[]{}^$")


def go_quote_meta(text: str) -> str:
    """Go's regexp.QuoteMeta: a backslash before each of `\\.+*?()|[]{}^$`, nothing else."""
    return "".join(f"\\{c}" if c in _META else c for c in text)
