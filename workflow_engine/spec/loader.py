"""Reading documents: YAML (multi-document) or JSON text -> dicts -> API models.

Parsing uses libyaml when PyYAML has it, and checks `spec.limits` (size, nesting,
alias expansion) before building objects. Errors are `SpecError`s that say where: a
YAML syntax error gives the line and column; a structural error (unknown field, wrong
type, missing field) gives the field path in Argo's spelling, e.g.
`spec.templates[2].dag.tasks[1].name`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from workflow_engine.errors import SpecError, SpecErrors
from workflow_engine.spec.base import ArgoModel
from workflow_engine.spec.limits import DEFAULT_LIMITS, DocumentLimits, check_node, check_size
from workflow_engine.spec.objects import ACCEPTED_API_VERSIONS, KINDS

# libyaml's parser is about 10x faster than the pure-Python one and bounds nesting itself
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_documents(
    text: str, source: str = "<input>", limits: DocumentLimits = DEFAULT_LIMITS
) -> list[dict[str, Any]]:
    """Every non-empty document of a YAML or JSON text (JSON is YAML), within `limits`
    (each document's node graph is checked before its objects are built)."""
    docs = parse_yaml(text, source, limits)
    for index, doc in enumerate(docs):
        if not isinstance(doc, dict):
            raise SpecError(f"{source}[{index}]", "a document must be a mapping (an object)")
    return docs


def parse_yaml(text: str, source: str, limits: DocumentLimits = DEFAULT_LIMITS) -> list[Any]:
    """The non-empty documents of a YAML text, whatever their shape, within `limits`."""
    if len(text) > limits.max_document_bytes // 4:
        check_size(len(text.encode("utf-8", "surrogatepass")), source, limits)
    loader = _Loader(text)
    aliases = "*" in text  # without one, the nodes form a tree: a lighter bounds check
    try:
        docs = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            check_node(node, source, limits, aliases)
            doc = loader.construct_document(node)
            if doc is not None:
                docs.append(doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(where, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(source, f"YAML syntax error: {exc}") from None
    except RecursionError:  # the pure-Python parser, without libyaml's own depth bound
        raise SpecError(source, f"nested too deeply (limit {limits.over('max_depth')})") from None
    finally:
        loader.dispose()
    return docs


def format_path(loc: Iterable[int | str]) -> str:
    """('spec', 'templates', 2, 'name') -> 'spec.templates[2].name'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"must be one of {error['ctx']['expected']}"
    message = str(error["msg"])
    return message[0].lower() + message[1:]


def _clean_loc(loc: tuple[int | str, ...]) -> list[int | str]:
    # Union members and validator tags ("int", "str", "function-before[...]") are noise in paths.
    return [
        p
        for p in loc
        if isinstance(p, int) or not (p in {"int", "str", "float", "bool"} or "[" in p)
    ]


def validation_errors(exc: ValidationError, prefix: str = "") -> list[SpecError]:
    seen: set[tuple[str, str]] = set()
    errors: list[SpecError] = []
    for error in exc.errors():
        path = format_path([*([prefix] if prefix else []), *_clean_loc(error["loc"])])
        reason = _reason(error)
        if (path, reason) not in seen:
            seen.add((path, reason))
            errors.append(SpecError(path, reason))
    return errors


def parse_object(doc: dict[str, Any], prefix: str = "") -> ArgoModel:
    """One API object from its dict; raises SpecErrors listing every structural error."""
    where = f"{prefix}." if prefix else ""
    api_version = doc.get("apiVersion")
    if api_version not in ACCEPTED_API_VERSIONS:
        raise SpecErrors(
            [
                SpecError(
                    f"{where}apiVersion",
                    f"unsupported apiVersion {api_version!r}; use one of "
                    + ", ".join(ACCEPTED_API_VERSIONS),
                )
            ]
        )
    kind = doc.get("kind")
    model = KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise SpecErrors(
            [SpecError(f"{where}kind", f"unknown kind {kind!r}; use one of " + ", ".join(KINDS))]
        )
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise SpecErrors(validation_errors(exc, prefix)) from None


def load_objects(text: str, source: str = "<input>") -> list[ArgoModel]:
    """Parse every document of a text; all structural errors of all documents at once."""
    docs = load_documents(text, source)
    objects: list[ArgoModel] = []
    errors: list[SpecError] = []
    for index, doc in enumerate(docs):
        try:
            objects.append(parse_object(doc, f"[{index}]" if len(docs) > 1 else ""))
        except SpecErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise SpecErrors(errors)
    return objects


def dump_yaml(obj: ArgoModel | dict[str, Any]) -> str:
    data = obj.to_dict() if isinstance(obj, ArgoModel) else obj
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
