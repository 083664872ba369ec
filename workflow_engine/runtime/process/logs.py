"""Container logs of the process runtime: one file per container, one line per record.

Part of the process runtime: the supervisor (or a container handler's `Sandbox.run`)
pumps a container's output through a `LogWriter`, which stamps every line with the time
it was read (`<RFC 3339 time> <line>`); `read_log` serves `Runtime.logs`, stripping or
keeping the stamps, filtering by `since` and following the file until the container ends.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

MAX_PARTIAL = 64 * 1024  # a line longer than this is split rather than buffered forever
STAMP_LEN = len("2000-01-01T00:00:00.000000Z")


def stamp(moment: datetime) -> bytes:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode()


class LogWriter:
    """Appends stamped lines to a container's log file; holds back a partial last line."""

    def __init__(self, path: Path, now: Callable[[], datetime]) -> None:
        self._path = path
        self._fd: int | None = None  # opened on the first line: most pods print nothing
        self._now = now
        self._partial = b""
        self._lock = threading.Lock()

    def write(self, chunk: bytes) -> None:
        with self._lock:
            lines = (self._partial + chunk).split(b"\n")
            self._partial = lines.pop()
            if len(self._partial) > MAX_PARTIAL:
                lines.append(self._partial)
                self._partial = b""
            if lines:
                self._emit(lines)

    def line(self, text: str) -> None:
        with self._lock:
            self._emit([text.encode(errors="replace")])

    def close(self) -> None:
        with self._lock:
            if self._partial:
                self._emit([self._partial])
                self._partial = b""
            if self._fd is not None and self._fd >= 0:
                os.close(self._fd)
            self._fd = -1

    def _emit(self, lines: list[bytes]) -> None:
        if self._fd is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
            try:
                self._fd = os.open(self._path, flags, 0o644)
            except FileNotFoundError:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self._path, flags, 0o644)
        elif self._fd < 0:
            return
        prefix = stamp(self._now()) + b" "
        os.write(self._fd, b"".join(prefix + ln + b"\n" for ln in lines))


def read_log(
    path: Path,
    *,
    timestamps: bool,
    since: datetime | None,
    follow: bool,
    finished: Callable[[], bool],
    wait: Callable[[float], None],
) -> Iterator[bytes]:
    """Yield the log's lines. With `follow`, keep reading until `finished()` was true
    before a read that found nothing new; `wait` sleeps until something may have changed."""
    floor = stamp(since) if since is not None else None
    while not path.exists():
        if not follow or finished():
            return
        wait(0.1)
    with path.open("rb") as f:
        buffer = b""
        while True:
            done = finished()
            chunk = f.read()
            if chunk:
                lines = (buffer + chunk).split(b"\n")
                buffer = lines.pop()
                for line in lines:
                    if floor is not None and line[:STAMP_LEN] < floor:
                        continue
                    yield line + b"\n" if timestamps else line[STAMP_LEN + 1 :] + b"\n"
            elif done or not follow:
                return
            else:
                wait(0.1)
