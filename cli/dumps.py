"""Data as JSON or YAML text (`-o json|yaml`): the light part of `cli.format`, without
rich or the models, for commands that print only data."""

from __future__ import annotations

import json
from typing import Any

import yaml


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False)


# libyaml's emitter, when PyYAML has it: the pure-Python one took seconds of CPU for
# `wf install --print` (a megabyte of CRDs); the representer (what is quoted, how)
# is the same Python one either way
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
    return text
