"""Name and value rules lint applies to single fields (below the structural checks).

Each function returns the reason a value is wrong, or None when it is fine, so the
callers decide the field path. The rules follow Argo's validator and Kubernetes'
DNS-1123 rules.
"""

from __future__ import annotations

import json
import re

# Argo: templates, steps and tasks "[a-zA-Z0-9][-a-zA-Z0-9]*", at most 128 characters.
_FIELD_NAME = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")
FIELD_NAME_MAX = 128
# Argo: parameters and artifacts "[-a-zA-Z0-9_]+".
_PARAM_NAME = re.compile(r"[-a-zA-Z0-9_]+")
# Kubernetes object names: DNS-1123 subdomain.
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_GENERATE_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*)?")
# Go's time.ParseDuration: "300ms", "1.5h", "2h45m", "0".
_GO_DURATION = re.compile(r"[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+|[-+]?0")
_WHOLE_NUMBER = re.compile(r"[-+]?\d+")


def is_variable(text: str) -> bool:
    """Whether a value contains a `{{...}}` tag, so it is only known at run time."""
    return "{{" in text


def field_name_problem(name: str) -> str | None:
    """Template, step and task names (Argo's workflow field names)."""
    if len(name) > FIELD_NAME_MAX:
        return f"name {q(name)} is longer than {FIELD_NAME_MAX} characters"
    if not _FIELD_NAME.fullmatch(name):
        return (
            f"name {q(name)} is invalid: use letters, digits and '-', "
            "starting with a letter or digit"
        )
    return None


def param_name_problem(name: str) -> str | None:
    """Parameter and artifact names."""
    if not _PARAM_NAME.fullmatch(name):
        return f"name {q(name)} is invalid: use letters, digits, '_' and '-'"
    return None


def object_name_problem(name: str, max_length: int) -> str | None:
    """metadata.name of an API object: a DNS-1123 subdomain, capped as Argo caps it."""
    if len(name) > max_length:
        return f"name {q(name)} is longer than {max_length} characters"
    if not _DNS1123_SUBDOMAIN.fullmatch(name):
        return (
            f"name {q(name)} is not a valid DNS-1123 name: use lower-case letters, "
            "digits, '-' and '.', starting and ending with a letter or digit"
        )
    return None


def generate_name_problem(prefix: str) -> str | None:
    if not _GENERATE_NAME.fullmatch(prefix):
        return (
            f"generateName {q(prefix)} is invalid: use lower-case letters, digits, '-' "
            "and '.', starting with a letter or digit"
        )
    return None


def duration_problem(value: str, *, seconds_allowed: bool = True) -> str | None:
    """A Go duration ("90s", "1h30m"); a bare number of seconds when `seconds_allowed`.

    Argo reads suspend and backoff durations with ParseStringToDuration (a number means
    seconds) but refuses a whole number for a template's `timeout`.
    """
    if is_variable(value):
        return None
    text = value.strip()
    if _WHOLE_NUMBER.fullmatch(text):
        if seconds_allowed:
            return None
        return f'{q(value)} needs a unit, e.g. "{text}s"'
    if _GO_DURATION.fullmatch(text):
        return None
    return f'{q(value)} is not a duration such as "30s", "5m" or "1h30m"'


def int_value(value: int | str) -> int | None:
    """The integer an IntOrString holds, or None when it is a variable or not a number."""
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def number_value(value: int | float | str) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value.strip())
    except ValueError:
        return None


def q(value: object) -> str:
    """A value quoted for a message: "build", 3, ["a", "b"]."""
    return json.dumps(value, ensure_ascii=False, default=str)
