"""Data as JSON or YAML text (`-o json|yaml`): the light part of `cli.format`, without
rich or the models, for commands that print only data. PyYAML loads on the first YAML
output: `wf list` and `wf get` print tables without it."""

from __future__ import annotations

import json
from typing import Any


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False)


def to_yaml(data: Any) -> str:
    import yaml

    # libyaml's emitter, when PyYAML has it: the pure-Python one cost `wf install
    # --print` (a megabyte of CRDs) a second of CPU; the representer (what is quoted,
    # how) is the same Python one either way
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=False)
    return text
