"""The API side of resource templates: the manifest and conditions checked, one action
done through the official client's dynamic API, output parameters read from the
object. Used by `controller.resources`, which runs a resource node around these."""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Mapping
from typing import Any

import yaml
from jsonpath_ng.ext.parser import parse as parse_jsonpath

from workflow_engine.engine.resource_conditions import (
    BadCondition,
    Condition,
    as_text,
    parse_condition,
)
from workflow_engine.spec.models import Template

FIELD_MANAGER = "wf-controller"
ACTIONS = ("get", "create", "apply", "patch", "delete", "replace")
_PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}


class ResourceError(Exception):
    """The action could not be carried out: the node ends Error with this message."""


class ResourceFailed(Exception):
    """The failure condition holds: the node fails with this message."""


def condition(text: str | None, field_name: str) -> Condition | None:
    if not text:
        return None
    try:
        return parse_condition(text)
    except BadCondition as exc:
        raise ResourceError(f"resource.{field_name}: {exc}") from exc


def manifest_body(text: str | None, action: str, merge: str | None) -> Any:
    if not text:
        raise ResourceError("resource.manifest is required")
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ResourceError(f"resource.manifest is not valid YAML: {exc}") from exc
    if action == "patch" and merge == "json":
        if not isinstance(body, list):
            raise ResourceError("resource.manifest of a json patch must be a list of operations")
        return body
    if not isinstance(body, dict) or not body.get("apiVersion") or not body.get("kind"):
        raise ResourceError("resource.manifest must be an object with apiVersion and kind")
    if action not in ("create",) and not (body.get("metadata") or {}).get("name"):
        raise ResourceError(f"resource.manifest needs metadata.name for {action}")
    return body


def json_patch(api: Any, ops: list[Any], flags: list[str], ns: str) -> dict[str, Any]:
    """Argo's `mergeStrategy: json`: the manifest is a JSON patch (a list of operations)
    and `flags` name its target as kubectl's arguments do: `[TYPE, NAME]`."""
    from kubernetes.dynamic.exceptions import DynamicApiError

    if len(flags) != 2:
        raise ResourceError("resource.flags must name the target of a json patch: [TYPE, NAME]")
    kind, name = resource_type(api, flags[0]), flags[1]
    kw: dict[str, Any] = {"namespace": ns} if kind.namespaced else {}
    try:
        found = api.patch(kind, body=ops, name=name, content_type=_PATCH_TYPES["json"], **kw)
    except DynamicApiError as exc:
        raise ResourceError(f"patch {kind.kind}/{name}: {_api_message(exc)}") from exc
    return dict(found.to_dict())


def resource_type(api: Any, word: str) -> Any:
    """The API resource kubectl's TYPE names: plural, singular or kind, optionally
    with its group (`deployments.apps`)."""
    base, _, group = word.partition(".")
    for key, value in (("name", base.lower()), ("singular_name", base.lower()), ("kind", base)):
        found = [
            r
            for r in api.resources.search(**{key: value})
            if "/" not in r.name and (not group or r.group == group)
        ]
        if found:
            return found[0]
    raise ResourceError(f"resource.flags: unknown resource type {word!r}")


def do_action(api: Any, action: str, body: dict[str, Any], merge: str | None, ns: str) -> Any:
    from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError, ResourceNotFoundError

    try:
        kind = api.resources.get(api_version=body["apiVersion"], kind=body["kind"])
    except ResourceNotFoundError as exc:
        raise ResourceError(f"unknown kind {body['apiVersion']}/{body['kind']}") from exc
    namespace = (body.get("metadata") or {}).get("namespace") or ns
    name = (body.get("metadata") or {}).get("name")
    kw: dict[str, Any] = {"namespace": namespace} if kind.namespaced else {}
    try:
        if action == "get":
            found = api.get(kind, name=name, **kw)
        elif action == "create":
            found = api.create(kind, body=body, **kw)
        elif action == "apply":
            found = api.server_side_apply(
                kind, body=body, field_manager=FIELD_MANAGER, force_conflicts=True, **kw
            )
        elif action == "patch":
            content = _PATCH_TYPES.get(merge or "strategic", _PATCH_TYPES["strategic"])
            found = api.patch(kind, body=body, content_type=content, **kw)
        elif action == "replace":
            current = api.get(kind, name=name, **kw).to_dict()
            meta = {
                **body.get("metadata", {}),
                "resourceVersion": current["metadata"]["resourceVersion"],
            }
            found = api.replace(kind, body={**body, "metadata": meta}, **kw)
        elif action == "delete":
            with contextlib.suppress(NotFoundError):  # Argo: `delete --ignore-not-found`
                api.delete(kind, name=name, **kw)
            return {}
        else:
            raise ResourceError(f"resource.action {action!r} is not one of {', '.join(ACTIONS)}")
    except DynamicApiError as exc:
        raise ResourceError(
            f"{action} {body['kind']}/{name or '(generated)'}: {_api_message(exc)}"
        ) from exc
    return found.to_dict() if hasattr(found, "to_dict") else dict(found)


def _api_message(exc: Any) -> str:
    try:
        return str(json.loads(exc.body).get("message") or exc.reason)
    except (TypeError, ValueError, AttributeError):
        return str(getattr(exc, "reason", exc))


def ref_of(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{meta.get('name')}"


def outputs_of(template: Template, obj: Mapping[str, Any]) -> dict[str, Any]:
    """Output parameters read from the object: `valueFrom.jsonPath` (kubectl's form,
    `{.status.succeeded}`) or `valueFrom.jqFilter` (as `jq -r`)."""
    params = []
    for param in (template.outputs.parameters if template.outputs else None) or ():
        source = param.value_from
        if source is None:
            continue
        if source.jq_filter is not None:
            value, used = jq_value(obj, source.jq_filter), source.jq_filter
        elif source.json_path is not None:
            value, used = json_path_value(obj, source.json_path), source.json_path
        else:
            continue
        if value is None:
            if source.default is None:
                raise ResourceError(f"outputs.parameters.{param.name}: {used} found nothing")
            value = source.default
        params.append({"name": param.name, "value": value})
    return {"parameters": params} if params else {}


def jq_value(obj: Mapping[str, Any], text: str) -> str | None:
    """A jq filter's results as `jq -r` prints them (strings bare, anything else as
    compact JSON), one a line; None: no result."""
    jq = importlib.import_module("jq")  # the jq package: libjq's own semantics
    try:
        results = jq.compile(text).input_value(obj).all()
    except ValueError as exc:
        raise ResourceError(f"bad jqFilter {text!r}: {exc}") from exc
    if not results:
        return None
    return "\n".join(
        r if isinstance(r, str) else json.dumps(r, separators=(",", ":")) for r in results
    )


def json_path_value(obj: Mapping[str, Any], path: str) -> str | None:
    """kubectl's jsonpath (`{.metadata.name}`, `.items[0].x`) as text; None: no match."""
    expr = path.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1]
    if not expr.startswith("$"):
        expr = "$" + (expr if expr.startswith((".", "[")) else "." + expr)
    try:
        found = [m.value for m in parse_jsonpath(expr).find(obj)]
    except Exception as exc:  # jsonpath-ng raises its own and Python's errors
        raise ResourceError(f"bad jsonPath {path!r}: {exc}") from exc
    if not found:
        return None
    return " ".join(as_text(v) for v in found)
