"""The argosay program standing in for `argoproj/argosay:v2`, and its image profile."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workflow_engine.runtime.process.images.argosay import main, parse_duration
from workflow_engine.runtime.process.profiles import Profiles, entrypoint_for


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("10s", 10.0), ("1m30s", 90.0), ("500ms", 0.5), ("1.5h", 5400.0), ("-2s", -2.0)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "10", "s", "1x", "1s2"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_echo_cat_exit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "deep" / "out.txt"
    assert main([]) == 0
    assert main(["echo", "hi there"]) == 0
    assert main(["echo", "saved", str(target)]) == 0
    assert target.read_text() == "saved"
    assert main(["cat", str(target)]) == 0
    assert main(["sleep", "0s"]) == 0
    assert main(["assert_contains", str(target), "ave"]) == 0
    assert main(["assert_contains", str(target), "nope"]) == 1
    assert (main(["exit", "3"]), main(["exit"])) == (3, 0)
    assert capsys.readouterr().out == "hello argo\nhi there\nsaved"


@pytest.mark.parametrize("args", [["frobnicate"], ["echo", "a", "b", "c"], ["cat"], ["sleep"]])
def test_bad_usage_exits_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert "usage: argosay" in capsys.readouterr().err


def test_profile_puts_argosay_on_path(tmp_path: Path) -> None:
    profiles = Profiles(tmp_path, "/usr/bin:/bin")
    first = profiles.path_for("docker.io/argoproj/argosay:v2").split(":")[0]
    done = subprocess.run(
        [str(Path(first, "argosay")), "echo", "from the profile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "from the profile\n")
    assert entrypoint_for("argoproj/argosay:v2") == ("argosay",)
    assert entrypoint_for("alpine:3.19") is None
