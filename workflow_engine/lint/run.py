"""Lint's entry points: text or files in, every error at once out.

Above spec and expr, below the CLI and `wf submit`. Documents are parsed one by one so
one broken document does not hide the errors of the others; a document whose only
structural errors are unknown fields is also checked without those fields, so its
semantic errors show up in the same run. WorkflowTemplates found in the linted text
(or file set) are visible to the templateRefs of every document.

Paths of a text with several documents start with the document's index:
`[1].spec.templates[0].name` (the convention of `spec.load_objects`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from workflow_engine.errors import SpecError, SpecErrors, SpecWarning
from workflow_engine.lint.context import ChainResolver
from workflow_engine.lint.objects import LintedObject, lint_parsed
from workflow_engine.lint.unhonoured import unhonoured_warnings
from workflow_engine.spec import load_documents, parse_object
from workflow_engine.spec.limits import DEFAULT_LIMITS, DocumentLimits
from workflow_engine.spec.models import ClusterWorkflowTemplate, WorkflowTemplate
from workflow_engine.spec.objects import KINDS
from workflow_engine.spec.resolver import MappingResolver, TemplateResolver


def lint_object(obj: LintedObject, resolver: TemplateResolver | None = None) -> list[SpecError]:
    """Semantic errors of one parsed object. Without a resolver, templateRefs are skipped."""
    return list(lint_parsed(obj, resolver, authoritative=resolver is not None))


def lint_text(
    text: str,
    source: str = "<input>",
    resolver: TemplateResolver | None = None,
    limits: DocumentLimits = DEFAULT_LIMITS,
) -> list[SpecError]:
    """Every error of a YAML or JSON text (one or several documents); [] when valid."""
    parsed = _parse_text(text, source, limits)
    if isinstance(parsed, SpecError):
        return [parsed]
    return _lint_parsed_set([parsed], resolver)[0]


def lint_texts(
    texts: Sequence[tuple[str, str | SpecError]],
    resolver: TemplateResolver | None = None,
    limits: DocumentLimits = DEFAULT_LIMITS,
) -> list[list[SpecError]]:
    """Every error of every (source, text), the WorkflowTemplates of all texts visible
    to all; a source that could not be read comes as its SpecError and gets only it."""
    return lint_loaded(
        [
            (source, text if isinstance(text, SpecError) else load_or_error(text, source, limits))
            for source, text in texts
        ],
        resolver,
    )


def load_or_error(
    text: str, source: str, limits: DocumentLimits = DEFAULT_LIMITS
) -> list[dict[str, Any]] | SpecError:
    """`load_documents`, its SpecError returned instead of raised (for `lint_loaded`)."""
    try:
        return load_documents(text, source, limits)
    except SpecError as exc:
        return exc


def lint_loaded(
    loaded: Sequence[tuple[str, list[dict[str, Any]] | SpecError]],
    resolver: TemplateResolver | None = None,
) -> list[list[SpecError]]:
    """As `lint_texts`, for texts already loaded (`load_or_error`): a caller that also
    wants their warnings (`document_warnings`) parses each text once."""
    parsed = [
        docs if isinstance(docs, SpecError) else _parse_docs(docs, source)
        for source, docs in loaded
    ]
    good = [p for p in parsed if not isinstance(p, SpecError)]
    results = iter(_lint_parsed_set(good, resolver))
    return [[p] if isinstance(p, SpecError) else next(results) for p in parsed]


def lint_documents(
    docs: Sequence[dict[str, Any]],
    source: str = "<input>",
    resolver: TemplateResolver | None = None,
) -> list[SpecError]:
    """As `lint_text`, for documents already loaded (`spec.load_documents`)."""
    parsed = _parse_docs(list(docs), source)
    if isinstance(parsed, SpecError):
        return [parsed]
    return _lint_parsed_set([parsed], resolver)[0]


def lint_warnings(
    text: str, source: str = "<input>", limits: DocumentLimits = DEFAULT_LIMITS
) -> list[SpecWarning]:
    """The warnings of a text (fields accepted but not honoured); [] when it does not
    load (its errors come from `lint_text`). Paths as `lint_text`'s."""
    try:
        docs = load_documents(text, source, limits)
    except SpecError:
        return []
    return document_warnings(docs)


def document_warnings(docs: Sequence[dict[str, Any]]) -> list[SpecWarning]:
    """As `lint_warnings`, for documents already loaded."""
    return [
        warning
        for index, doc in enumerate(docs)
        if isinstance(doc, dict)
        for warning in unhonoured_warnings(doc, f"[{index}]" if len(docs) > 1 else "")
    ]


def structural_errors(docs: Sequence[dict[str, Any]]) -> list[SpecError]:
    """Only the structural errors (shape and types, at field paths) of loaded documents:
    what must hold before anything reads them."""
    errors: list[SpecError] = []
    for index, doc in enumerate(docs):
        try:
            parse_object(doc, f"[{index}]" if len(docs) > 1 else "")
        except SpecErrors as exc:
            errors.extend(exc.errors)
    return errors


class _Parsed:
    """The documents of one text: (path prefix, object or None, structural errors)."""

    def __init__(self) -> None:
        self.documents: list[tuple[str, LintedObject | None, list[SpecError]]] = []


def _parse_text(text: str, source: str, limits: DocumentLimits) -> _Parsed | SpecError:
    docs = load_or_error(text, source, limits)
    return docs if isinstance(docs, SpecError) else _parse_docs(docs, source)


def _parse_docs(docs: list[dict[str, Any]], source: str) -> _Parsed | SpecError:
    if not docs:
        return SpecError(source, "no documents found")
    parsed = _Parsed()
    for index, doc in enumerate(docs):
        prefix = f"[{index}]" if len(docs) > 1 else ""
        parsed.documents.append((prefix, *_parse_document(doc, prefix)))
    return parsed


def _parse_document(
    doc: dict[str, Any], prefix: str
) -> tuple[LintedObject | None, list[SpecError]]:
    try:
        return parse_object(doc, prefix), []  # type: ignore[return-value]
    except SpecErrors as exc:
        errors = exc.errors
    return _without_unknown_fields(doc), errors


def _without_unknown_fields(doc: dict[str, Any]) -> LintedObject | None:
    """The object once its unknown fields are dropped, if that is all that was wrong."""
    kind = doc.get("kind")
    model = KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        return None
    try:
        model.model_validate(doc)
    except ValidationError as exc:
        raw = exc.errors()
    else:
        return None
    if any(error["type"] != "extra_forbidden" for error in raw):
        return None
    pruned = copy.deepcopy(doc)
    for error in raw:
        if not _drop(pruned, error["loc"]):
            return None
    try:
        return model.model_validate(pruned)  # type: ignore[return-value]
    except ValidationError:
        return None


def _drop(tree: Any, loc: tuple[int | str, ...]) -> bool:
    for part in loc[:-1]:
        if isinstance(tree, dict) and part in tree:
            tree = tree[part]
            continue
        if isinstance(tree, list) and isinstance(part, int) and part < len(tree):
            tree = tree[part]
            continue
        return False
    if isinstance(tree, dict) and loc[-1] in tree:
        del tree[loc[-1]]
        return True
    return False


class _LocalTemplates(MappingResolver):
    """Templates of the linted files. One without a namespace is found from any
    namespace: applied together, it would land where the workflow does."""

    def __init__(self, templates: Iterable[WorkflowTemplate | ClusterWorkflowTemplate]) -> None:
        kept = list(templates)
        super().__init__(kept)
        self._anywhere = {
            t.metadata.name or "": t
            for t in kept
            if isinstance(t, WorkflowTemplate) and not t.metadata.namespace
        }

    def workflow_template(self, name: str, namespace: str) -> WorkflowTemplate | None:
        return super().workflow_template(name, namespace) or self._anywhere.get(name)


def _lint_parsed_set(
    texts: list[_Parsed], resolver: TemplateResolver | None
) -> list[list[SpecError]]:
    local = _LocalTemplates(
        obj
        for parsed in texts
        for _, obj, _ in parsed.documents
        if isinstance(obj, WorkflowTemplate | ClusterWorkflowTemplate)
    )
    chain = ChainResolver(local, resolver)
    results: list[list[SpecError]] = []
    for parsed in texts:
        errors: list[SpecError] = []
        for prefix, obj, structural in parsed.documents:
            errors.extend(structural)
            if obj is not None:
                for error in lint_parsed(obj, chain, authoritative=resolver is not None):
                    path = f"{prefix}.{error.path}" if prefix else error.path
                    errors.append(SpecError(path, error.reason))
        results.append(errors)
    return results
