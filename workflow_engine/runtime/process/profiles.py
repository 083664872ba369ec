"""Image -> host profile: which directories come first on a pod container's PATH.

Part of the process runtime (`workflow_engine.runtime.process`): images are recorded,
never pulled, so a container runs host programs. This module decides which ones:
`alpine`/`busybox` images get busybox applets first (so `sh` is busybox ash), `python`
images get a `python` link to the host's python3, `argoproj/argosay` images the small
`argosay` program of `images/argosay.py` (also their entrypoint: see `entrypoint_for`),
anything else the host's PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

BUSYBOX_IMAGES = frozenset({"alpine", "busybox"})
PYTHON_IMAGES = frozenset({"python"})
ARGOSAY_IMAGES = frozenset({"argosay"})
ARGOSAY_PROGRAM = Path(__file__).with_name("images") / "argosay.py"
# Image base name -> the image's ENTRYPOINT, for the images a profile stands in for.
IMAGE_ENTRYPOINTS: dict[str, tuple[str, ...]] = {"argosay": ("argosay",)}


def image_base_name(image: str) -> str:
    """`docker.io/library/alpine:3.19@sha256:...` -> `alpine`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def find_host_python(search_path: str) -> str | None:
    """The system python3 (not a virtualenv's and not a pyenv shim when avoidable)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("python3", path=search_path)


class Profiles:
    """Builds (once, lazily, under `root`) the link directories and answers PATH per image."""

    def __init__(self, root: Path, host_path: str) -> None:
        self._root = root
        self._host_path = host_path
        self._lock = threading.Lock()
        self._built: dict[str, str | None] = {}

    @property
    def host_path(self) -> str:
        return self._host_path

    def path_for(self, image: str) -> str:
        base = image_base_name(image)
        if base in BUSYBOX_IMAGES:
            first = self._link_dir("busybox", self._build_busybox)
        elif base in PYTHON_IMAGES:
            first = self._link_dir("python", self._build_python)
        elif base in ARGOSAY_IMAGES:
            first = self._link_dir("argosay", self._build_argosay)
        else:
            first = None
        return f"{first}:{self._host_path}" if first else self._host_path

    def _link_dir(self, kind: str, build: object) -> str | None:
        with self._lock:
            if kind not in self._built:
                self._built[kind] = build()  # type: ignore[operator]
            return self._built[kind]

    def _build_busybox(self) -> str | None:
        busybox = shutil.which("busybox", path=self._host_path) or shutil.which("busybox")
        if busybox is None:
            return None
        target = self._root / "busybox" / "bin"
        if not (target / "sh").exists():
            applets = subprocess.run(
                [busybox, "--list"], capture_output=True, check=True, text=True
            ).stdout.split()
            _fill_links(target, {applet: busybox for applet in applets})
        return str(target)

    def _build_python(self) -> str | None:
        python = find_host_python(self._host_path)
        if python is None:
            return None
        target = self._root / "python" / "bin"
        if not (target / "python").exists():
            _fill_links(target, {"python": python, "python3": python})
        return str(target)

    def _build_argosay(self) -> str | None:
        python = find_host_python(self._host_path)
        if python is None:
            return None
        target = self._root / "argosay" / "bin"
        if not (target / "argosay").exists():
            source = ARGOSAY_PROGRAM.read_text().split("\n", 1)[1]
            _fill_links(target, {}, {"argosay": f"#!{python}\n{source}"})
        return str(target)


def entrypoint_for(image: str) -> tuple[str, ...] | None:
    """The ENTRYPOINT of an image a profile stands in for (None: unknown, Docker's rule
    then makes a container's args its command line)."""
    return IMAGE_ENTRYPOINTS.get(image_base_name(image))


def _fill_links(
    target: Path, links: dict[str, str], programs: dict[str, str] | None = None
) -> None:
    """Create the links in a temporary directory, then rename it into place, so a
    concurrent builder (another runtime on the same state dir) never sees half a dir."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".bin-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name, dest in links.items():
        (staging / name).symlink_to(dest)
    for name, text in (programs or {}).items():
        (staging / name).write_text(text)
        (staging / name).chmod(0o755)
    try:
        staging.rename(target)
    except OSError:  # someone else won the race: theirs is as good as ours
        shutil.rmtree(staging, ignore_errors=True)
