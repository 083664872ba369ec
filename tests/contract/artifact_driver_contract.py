"""The ArtifactDriver contract: what every driver must do (see artifacts/base.py).

Not collected by itself: a test module subclasses `ArtifactDriverContract`, sets
`writable` (can `save` store objects?) and `keeps_directories` (does a saved directory
load back as a directory?), and supplies three fixtures:
- `driver`: the driver under test;
- `stored`: a `Stored` object that exists (the fixture put it there by its own means);
- `missing`: an artifact whose location holds nothing, or None when the kind cannot
  miss (raw data is its own object);
and, when `writable`, `fresh`: a factory of artifacts at unused locations.

Errors are the project's taxonomy: a missing object is NotFound, a location the driver
cannot serve is PermanentError; nothing else leaks out (no library exceptions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from workflow_engine.artifacts import ArtifactDriver
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.spec.models import Artifact

Fresh = Callable[[str], Artifact]


@dataclass(frozen=True)
class Stored:
    """An existing object: loading it yields `content`, at `dest` for a file or at
    `dest / inner` for a directory."""

    artifact: Artifact
    content: bytes
    inner: str = ""


def loaded(dest: Path, inner: str = "") -> bytes:
    return (dest / inner).read_bytes() if dest.is_dir() else dest.read_bytes()


class ArtifactDriverContract:
    writable = True
    keeps_directories = True

    @pytest.fixture
    def fresh(self) -> Fresh:
        pytest.skip("this driver only reads")

    @pytest.fixture
    def missing(self) -> Artifact | None:
        return None

    # -- every driver -----------------------------------------------------------------

    def test_load_puts_the_object_at_dest(
        self, driver: ArtifactDriver, stored: Stored, tmp_path: Path
    ) -> None:
        dest = tmp_path / "dest"
        driver.load(stored.artifact, dest)
        assert loaded(dest, stored.inner) == stored.content

    def test_load_of_a_missing_object_is_not_found(
        self, driver: ArtifactDriver, missing: Artifact | None, tmp_path: Path
    ) -> None:
        if missing is None:
            pytest.skip("this kind of location always holds its object")
        with pytest.raises(NotFound):
            driver.load(missing, tmp_path / "dest")
        assert not (tmp_path / "dest").exists()

    def test_delete_of_a_missing_object_is_not_an_error(
        self, driver: ArtifactDriver, missing: Artifact | None, stored: Stored
    ) -> None:
        driver.delete(missing if missing is not None else stored.artifact)

    @pytest.mark.parametrize("verb", ["load", "save", "delete"])
    def test_an_artifact_without_the_drivers_location_is_permanent(
        self, driver: ArtifactDriver, tmp_path: Path, verb: str
    ) -> None:
        bare = Artifact(name="nowhere")
        src = tmp_path / "src"
        src.write_bytes(b"x")
        calls = {
            "load": lambda: driver.load(bare, tmp_path / "dest"),
            "save": lambda: driver.save(src, bare),
            "delete": lambda: driver.delete(bare),
        }
        if verb == "delete" and not self.writable:
            calls[verb]()  # read-only kinds own nothing to delete
            return
        with pytest.raises(PermanentError):
            calls[verb]()

    # -- drivers that store objects -----------------------------------------------------

    def test_save_then_load_a_file(
        self, driver: ArtifactDriver, fresh: Fresh, tmp_path: Path
    ) -> None:
        self._writable()
        src = tmp_path / "src.bin"
        src.write_bytes(b"\x00payload\xff" * 1000)
        saved = driver.save(src, fresh("file"))
        driver.load(saved, tmp_path / "back")
        assert (tmp_path / "back").read_bytes() == src.read_bytes()

    def test_save_then_load_a_directory(
        self, driver: ArtifactDriver, fresh: Fresh, tmp_path: Path
    ) -> None:
        self._writable()
        src = tmp_path / "tree"
        (src / "sub").mkdir(parents=True)
        (src / "a.txt").write_text("a")
        (src / "sub" / "b.txt").write_text("b")
        if not self.keeps_directories:
            with pytest.raises(PermanentError):
                driver.save(src, fresh("dir"))
            return
        saved = driver.save(src, fresh("dir"))
        driver.load(saved, tmp_path / "back")
        assert (tmp_path / "back" / "a.txt").read_text() == "a"
        assert (tmp_path / "back" / "sub" / "b.txt").read_text() == "b"

    def test_save_replaces_an_existing_object(
        self, driver: ArtifactDriver, fresh: Fresh, tmp_path: Path
    ) -> None:
        self._writable()
        target = fresh("twice")
        for text in ("first", "second"):
            (tmp_path / "src").write_text(text)
            saved = driver.save(tmp_path / "src", target)
        driver.load(saved, tmp_path / "back")
        assert (tmp_path / "back").read_text() == "second"

    def test_deleted_objects_are_not_found_and_delete_is_idempotent(
        self, driver: ArtifactDriver, fresh: Fresh, tmp_path: Path
    ) -> None:
        self._writable()
        (tmp_path / "src").write_text("bye")
        saved = driver.save(tmp_path / "src", fresh("gone"))
        driver.delete(saved)
        with pytest.raises(NotFound):
            driver.load(saved, tmp_path / "back")
        driver.delete(saved)

    # -- read-only drivers ------------------------------------------------------------

    def test_a_read_only_location_refuses_save(
        self, driver: ArtifactDriver, stored: Stored, tmp_path: Path
    ) -> None:
        if self.writable:
            pytest.skip("this driver stores objects")
        (tmp_path / "src").write_text("x")
        with pytest.raises(PermanentError):
            driver.save(tmp_path / "src", stored.artifact)

    def _writable(self) -> None:
        if not self.writable:
            pytest.skip("this driver only reads")
