"""Runs the Runtime contract against ProcessRuntime (plain and overlay sandboxes)."""

from __future__ import annotations

from tests.contract.runtime_contract import RuntimeContract


class TestProcessRuntimeContract(RuntimeContract):
    pass
