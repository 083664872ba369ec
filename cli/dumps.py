"""Data as JSON or YAML text (`-o json|yaml`): the light part of `cli.format`, without
rich or the models, for commands that print only data."""

from __future__ import annotations

import json
from typing import Any

import yaml


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False)


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
