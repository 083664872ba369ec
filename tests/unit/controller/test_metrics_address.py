"""`--metrics-address`: HOST:PORT, :PORT (every interface, as Argo's controller serves
its metrics) or PORT (loopback); anything else is refused before anything starts."""

from __future__ import annotations

import pytest

from workflow_engine.controller.metrics import parse_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9090", ("127.0.0.1", 9090)),
        (":9090", ("0.0.0.0", 9090)),
        ("9090", ("127.0.0.1", 9090)),
        ("[::1]:0", ("::1", 0)),
    ],
)
def test_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["", "host:", "host:http", "1.2.3.4:65536", ":-1"])
def test_bad_addresses(text: str) -> None:
    with pytest.raises(ValueError, match="is not HOST:PORT"):
        parse_address(text)
