"""Log files of the process runtime: stamping, partial lines, reading with since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from workflow_engine.runtime.process.logs import MAX_PARTIAL, LogWriter, read_log

T0 = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def read(path: Path, **kw: object) -> list[bytes]:
    opts = {"timestamps": False, "since": None, "follow": False, **kw}
    return list(read_log(path, finished=lambda: True, wait=lambda s: None, **opts))  # type: ignore[arg-type]


def test_lines_are_stamped_when_complete(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "main.log"
    writer = LogWriter(path, clock)
    writer.write(b"one\ntw")
    clock.now = T0 + timedelta(seconds=1)
    writer.write(b"o\nthree")
    writer.close()
    assert read(path) == [b"one\n", b"two\n", b"three\n"]
    assert read(path, timestamps=True) == [
        b"2026-01-02T03:04:05.600000Z one\n",
        b"2026-01-02T03:04:06.600000Z two\n",
        b"2026-01-02T03:04:06.600000Z three\n",
    ]


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        (None, [b"a\n", b"b\n"]),
        (T0, [b"a\n", b"b\n"]),
        (T0 + timedelta(milliseconds=1), [b"b\n"]),
        (T0 + timedelta(hours=1), []),
    ],
    ids=["all", "at-first", "after-first", "future"],
)
def test_since_filters_by_stamp(
    tmp_path: Path, since: datetime | None, expected: list[bytes]
) -> None:
    clock, path = Clock(), tmp_path / "main.log"
    writer = LogWriter(path, clock)
    writer.write(b"a\n")
    clock.now = T0 + timedelta(seconds=2)
    writer.write(b"b\n")
    writer.close()
    assert read(path, since=since) == expected


def test_no_output_means_no_file_and_no_lines(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "main.log"
    LogWriter(path, Clock()).close()
    assert not path.exists()
    assert read(path) == []


def test_an_endless_line_is_split_not_buffered_forever(tmp_path: Path) -> None:
    path = tmp_path / "main.log"
    writer = LogWriter(path, Clock())
    writer.write(b"x" * (MAX_PARTIAL + 10))
    assert len(read(path)) == 1  # written out before any newline came
    writer.close()


def test_line_helper_and_log_dir_creation(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "c.log"
    writer = LogWriter(path, Clock())
    writer.line("note")
    writer.close()
    assert read(path) == [b"note\n"]
