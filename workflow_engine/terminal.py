"""A container's `tty: true`: its command runs on a pseudo-terminal.

Argo's emissary (workflow/executor/osspecific/command_unix.go) starts the user's
command with `pty.Start` when the container has a terminal, copying the terminal's
output to the container's stdout; the program then sees `isatty()` true on its stdin,
stdout and stderr. We do the same with a small wrapper program put in front of the
command (`terminal_argv`), so every way a process is started (the process runtime with
or without its shim, `wf-exec` in a container) gets it without changes of its own:

    python -S -E -P .../workflow_engine/terminal.py -- CMD ARGS...

(by path and without `site`: it imports only the standard library, and an interpreter
that skips the virtualenv's start-up starts several times faster).

The wrapper opens a pseudo-terminal, runs CMD as the leader of a new session with the
terminal as its controlling terminal and its stdin, stdout and stderr, copies what it
writes to the wrapper's stdout (the container's log), forwards SIGTERM/SIGINT/SIGHUP,
and exits with CMD's exit code (128 + N when killed by signal N). The terminal's output
post-processing is off, so lines end with "\\n" as the program wrote them (a kubelet's
terminal would turn them into "\\r\\n"). Nothing is ever typed on the terminal: a
program reading its stdin waits, as it would on Argo without `stdin: true`.

Imports nothing of ours: the executor and the runtimes both use it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import termios

TYPE_CHECKING = False
if TYPE_CHECKING:  # for the annotations only: fewer imports, a faster start
    from collections.abc import Mapping, Sequence
    from typing import Any

MODULE = "workflow_engine.terminal"
ROWS, COLUMNS = 24, 80
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def terminal_argv(argv: Sequence[str], python: str | None = None) -> list[str]:
    """`argv` run on a pseudo-terminal by this module, with `python` (default: ours)."""
    return [python or sys.executable, "-S", "-E", "-P", __file__, "--", *argv]


def wants_terminal(container: Mapping[str, Any]) -> bool:
    """A container spec (as in a pod manifest) asks for `tty: true`."""
    return container.get("tty") is True


def run_on_terminal(argv: Sequence[str]) -> int:
    """Run argv on a new pseudo-terminal, copy its output to our stdout; its exit code."""
    pid, master = os.forkpty()
    if pid == 0:  # the child: the terminal is already its stdin, stdout and stderr
        _child(argv)
    for signum in _FORWARDED:
        signal.signal(signum, lambda s, _f: _forward(pid, s))
    out = sys.stdout.buffer
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every copy of the terminal's other end is closed
            break
        if not data:
            break
        out.write(data)
        out.flush()
    os.close(master)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _child(argv: Sequence[str]) -> None:
    try:
        attrs = termios.tcgetattr(1)
        attrs[1] &= ~termios.OPOST  # no "\n" -> "\r\n": the log keeps the program's bytes
        termios.tcsetattr(1, termios.TCSANOW, attrs)
        termios.tcsetwinsize(1, (ROWS, COLUMNS))
        os.execvp(argv[0], list(argv))
    except OSError as exc:
        os.write(2, f"{argv[0]}: {exc.strerror}\n".encode())
        os._exit(127 if isinstance(exc, FileNotFoundError) else 126)


def _forward(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)  # the child leads its own session and process group


def main(args: Sequence[str]) -> int:
    argv = list(args[1:] if args[:1] == ["--"] else args)
    if not argv:
        sys.stderr.write(f"usage: python -m {MODULE} -- CMD [ARGS...]\n")
        return 2
    return run_on_terminal(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
