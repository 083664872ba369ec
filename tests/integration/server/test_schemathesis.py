"""Property-based tests of the REST API against its own OpenAPI document
(schemathesis, over real HTTP on 127.0.0.1): for every operation, generated requests,
valid (positive mode) and invalid (negative mode: wrong types, missing fields, bodies
that break the schema), never get a 5xx, and every error has Argo's `message`. 501 (not
implemented: dry-run submits) is an honest refusal, not a crash, and is allowed.

schemathesis' pytest integration (`from_fixture`) does not work with this pytest, so
the test drives hypothesis itself, one `@given` per operation and mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from tests.integration.controller.conftest import Embedded
from tests.integration.server.conftest import TOKEN, make_context
from workflow_engine.controller import embedded as embedded_mode
from workflow_engine.server import OPENAPI_PATH
from workflow_engine.server.serve import BackgroundServer

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api_url(state: Embedded) -> Iterator[str]:
    store = embedded_mode.open_store(state.paths)
    server = BackgroundServer(make_context(state, store)).start()
    yield server.url
    server.stop()
    store.close()


def check(case: schemathesis.Case, api_url: str) -> None:
    response = case.call(base_url=api_url, headers=AUTH)
    if response.status_code == 501:
        assert response.json()["code"] == 12
        return
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        assert response.json()["message"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_gets_a_server_error(api_url: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(api_url + OPENAPI_PATH)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    tested = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            check(case, api_url)

        try:
            run()
        except Unsatisfiable:  # nothing to break in, e.g., GET /api/v1/version
            assert mode == GenerationMode.NEGATIVE
            continue
        tested += 1
    # every operation in positive mode; those with inputs to break in negative mode
    assert tested == len(operations) if mode == GenerationMode.POSITIVE else tested > 20
