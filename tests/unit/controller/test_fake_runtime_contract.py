"""The controller tests' FakeRuntime keeps the Runtime port's bookkeeping: it runs the
port level of the runtime contract (tests/contract/runtime_contract.py). Real: the
FakeRuntime itself (pods in memory, ended at once by `auto` with the exit code their
annotation gives)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.contract.runtime_contract import EXIT_CODE_ANNOTATION, RuntimePortContract
from tests.unit.controller import fakes
from tests.unit.controller.fakes import FakeRuntime


def test_the_fake_obeys_the_contracts_exit_code_annotation() -> None:
    assert fakes.EXIT_CODE_ANNOTATION == EXIT_CODE_ANNOTATION


class TestFakeRuntimeContract(RuntimePortContract):
    @pytest.fixture
    def runtime_factory(self) -> Callable[..., FakeRuntime]:
        def make(**options: Any) -> FakeRuntime:
            if options.get("handlers"):
                pytest.skip("FakeRuntime runs no container handlers")
            return FakeRuntime(auto=True)

        return make
