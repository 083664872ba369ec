#!/usr/bin/env python3
"""argosay: the small test program of the `argoproj/argosay:v2` image, for the process runtime.

Part of the process runtime's image profiles (`profiles.py`): a pod whose image is
argosay gets this program on its PATH as `argosay`, and as the image's entrypoint.
Self-contained (standard library only): it runs under the host's python3 in the sandbox.

    argosay                      print a greeting
    argosay echo [MSG [FILE]]    print MSG, or write it to FILE (parents created)
    argosay cat FILE...          print the files
    argosay sleep DURATION       sleep a Go-style duration (`10s`, `1m30s`, `500ms`)
    argosay exit [CODE]          exit with CODE (0 by default)
    argosay assert_contains FILE TEXT   fail unless FILE contains TEXT
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

USAGE = (
    "usage: argosay [echo [MSG [FILE]] | cat FILE... | sleep DURATION | exit [CODE] | "
    "assert_contains FILE TEXT]"
)
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string; ValueError when it is not one."""
    if text in ("0", "+0", "-0"):
        return 0.0
    sign, body = (-1.0, text[1:]) if text.startswith("-") else (1.0, text.lstrip("+"))
    pos, total = 0, 0.0
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None:
            raise ValueError(f"invalid duration {text!r}")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not body:
        raise ValueError(f"invalid duration {text!r}")
    return sign * total


def main(args: list[str]) -> int:
    verb, rest = (args[0], args[1:]) if args else ("echo", [])
    if verb == "echo" and len(rest) <= 2:
        message = rest[0] if rest else "hello argo"
        if len(rest) == 2:
            target = Path(rest[1])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(message)
        else:
            print(message, flush=True)
        return 0
    if verb == "cat" and rest:
        for name in rest:
            sys.stdout.write(Path(name).read_text())
        sys.stdout.flush()
        return 0
    if verb == "sleep" and len(rest) == 1:
        time.sleep(max(0.0, parse_duration(rest[0])))
        return 0
    if verb == "exit" and len(rest) <= 1:
        return int(rest[0]) if rest else 0
    if verb == "assert_contains" and len(rest) == 2:
        if rest[1] in Path(rest[0]).read_text():
            return 0
        print(f"{rest[0]!r} does not contain {rest[1]!r}", file=sys.stderr)
        return 1
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
