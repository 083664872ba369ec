"""Lint's one door to the filesystem: read the files named on the command line, then
hand their texts to the pure `lint_texts`.

Sits at lint's edge; an import-linter contract keeps every other lint module (and the
rest of the pure core) from importing this one or `pathlib`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workflow_engine.errors import SpecError
from workflow_engine.lint.run import lint_texts
from workflow_engine.spec.resolver import TemplateResolver


def lint_files(
    paths: Sequence[Path], resolver: TemplateResolver | None = None
) -> dict[Path, list[SpecError]]:
    """Every error of every file, the WorkflowTemplates of all files visible to all."""
    texts: list[tuple[str, str | SpecError]] = []
    for path in paths:
        try:
            texts.append((str(path), Path(path).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            texts.append((str(path), SpecError(str(path), f"cannot read: {exc}")))
    return {Path(p): errors for p, errors in zip(paths, lint_texts(texts, resolver), strict=True)}
