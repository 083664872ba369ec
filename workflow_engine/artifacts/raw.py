"""The `raw` artifact driver: an artifact whose content is inline (`raw.data`).

Used for input artifacts only (Argo's raw artifacts); saving to a raw location is
refused, since an output's content belongs in a repository.
"""

from __future__ import annotations

from pathlib import Path

from workflow_engine.errors import PermanentError
from workflow_engine.spec.artifacts import Artifact


class RawDriver:
    def load(self, artifact: Artifact, dest: Path) -> None:
        if artifact.raw is None:
            raise PermanentError(f"artifact {artifact.name!r} has no raw location")
        dest.write_text(artifact.raw.data, encoding="utf-8")

    def save(self, src: Path, artifact: Artifact) -> Artifact:
        raise PermanentError(f"artifact {artifact.name!r}: raw locations cannot be saved to")

    def delete(self, artifact: Artifact) -> None:
        return None
