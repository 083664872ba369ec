"""Lint tests read real YAML files under tests/data/lint/ (nothing is faked); the
template resolver, when one is given, is spec's in-memory MappingResolver."""

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "lint"


@pytest.fixture(scope="session")
def lint_data() -> Path:
    return DATA
