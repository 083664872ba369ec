"""Lint's one door to the filesystem: read the files named on the command line, then
hand their texts to the pure `lint_texts`.

Sits at lint's edge; an import-linter contract keeps every other lint module (and the
rest of the pure core) from importing this one or `pathlib`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workflow_engine.errors import SpecError, SpecWarning
from workflow_engine.lint.run import document_warnings, lint_loaded, load_or_error
from workflow_engine.spec.limits import DEFAULT_LIMITS, DocumentLimits, decode
from workflow_engine.spec.resolver import TemplateResolver


def lint_files(
    paths: Sequence[Path],
    resolver: TemplateResolver | None = None,
    limits: DocumentLimits = DEFAULT_LIMITS,
) -> dict[Path, list[SpecError]]:
    """Every error of every file, the WorkflowTemplates of all files visible to all."""
    return lint_files_warned(paths, resolver, limits)[0]


def lint_files_warned(
    paths: Sequence[Path],
    resolver: TemplateResolver | None = None,
    limits: DocumentLimits = DEFAULT_LIMITS,
) -> tuple[dict[Path, list[SpecError]], dict[Path, list[SpecWarning]]]:
    """`lint_files`, and each file's warnings (`lint_warnings`: none for a file that
    does not load) from the same parse."""
    loaded: list[tuple[str, list[dict[str, Any]] | SpecError]] = []
    for path in paths:
        try:
            loaded.append(
                (str(path), load_or_error(read_document(path, limits), str(path), limits))
            )
        except SpecError as exc:
            loaded.append((str(path), exc))
    # before lint reads the documents, as `lint_warnings` saw them
    warnings = {
        Path(p): [] if isinstance(docs, SpecError) else document_warnings(docs)
        for p, docs in loaded
    }
    results = lint_loaded(loaded, resolver)
    return {Path(p): errors for p, errors in zip(paths, results, strict=True)}, warnings


def read_document(path: Path, limits: DocumentLimits = DEFAULT_LIMITS) -> str:
    """A document file's text: readable, within the size bound, UTF-8; else a SpecError
    (`cannot read: Is a directory`, `not UTF-8 text ...`). Reads at most one byte past
    the bound, so a huge file costs nothing."""
    try:
        with open(path, "rb") as f:
            data = f.read(limits.max_document_bytes + 1)
    except OSError as exc:
        raise SpecError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return decode(data, str(path), limits)
