"""Fixtures of the embedded controller tests, shared (see tests/integration/controller)."""

from tests.integration.controller.conftest import embedded, state  # noqa: F401
