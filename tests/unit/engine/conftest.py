"""Fixtures of the engine's unit tests. Real: `operate` and the spec models. Simulated:
pods (tests/unit/engine/simulator.py plays them on a simulated clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "engine"


@pytest.fixture
def data_dir() -> Path:
    return DATA
