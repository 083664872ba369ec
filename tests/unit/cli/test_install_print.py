"""`wf install --print`: the manifests as YAML (libyaml's emitter when PyYAML has it).
Real: the command through CliRunner and the install objects; nothing is faked."""

from __future__ import annotations

import pytest
import yaml

from cli.install import MODES
from tests.unit.cli.conftest import Wf
from workflow_engine.spec.install import install_objects


@pytest.mark.parametrize("mode", sorted(MODES))
def test_print_writes_every_object_as_yaml_in_order(wf: Wf, mode: str) -> None:
    result = wf("install", "--mode", mode, "--print")
    assert result.exit_code == 0, result.output
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert list(yaml.load_all(result.output, Loader=loader)) == install_objects(MODES[mode])
