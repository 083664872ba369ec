"""Token files and Authorization headers; label selectors; pages and projections
(pure parts of the server)."""

from __future__ import annotations

from typing import Any

import pytest

from workflow_engine.errors import SpecError
from workflow_engine.server.auth import TokenAuth, bearer_token
from workflow_engine.server.listing import page, project
from workflow_engine.server.selectors import matches_selector, parse_label_selector

AUTH = TokenAuth.from_text("# tokens\nadmin-token\n\nteam-token team-a,team-b\n")


@pytest.mark.parametrize(
    ("header", "token"),
    [
        pytest.param("Bearer abc", b"abc", id="bearer"),
        pytest.param("bearer abc", b"abc", id="bearer-lower-case"),
        pytest.param("abc", b"abc", id="bare-word"),
        pytest.param("", None, id="empty-is-none"),
        pytest.param(None, None, id="absent"),
        pytest.param("Basic abc", None, id="other-scheme"),
        pytest.param("Bearer ", None, id="bearer-without-token"),
    ],
)
def test_bearer_token(header: str | None, token: bytes | None) -> None:
    assert bearer_token(header) == token


def test_tokens_are_scoped_by_the_file() -> None:
    admin = AUTH.authenticate("Bearer admin-token")
    team = AUTH.authenticate("Bearer team-token")
    assert admin is not None and admin.cluster_wide and admin.may_use("anything")
    assert team is not None and not team.cluster_wide
    assert team.may_use("team-b") and not team.may_use("team-c")
    assert AUTH.authenticate("Bearer admin-tokenX") is None
    assert AUTH.authenticate("") is None


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("a b c", "auth-token-file:1", id="three-words"),
        pytest.param("tok Bad_NS", "auth-token-file:1", id="bad-namespace"),
        pytest.param("# only a comment\n", "auth-token-file", id="no-token"),
    ],
)
def test_a_bad_token_file_names_the_line(text: str, where: str) -> None:
    with pytest.raises(SpecError) as caught:
        TokenAuth.from_text(text)
    assert caught.value.path == where


def obj(name: str, created: str = "2026-01-01T00:00:00Z", **labels: str) -> dict[str, Any]:
    meta = {"name": name, "namespace": "ns", "creationTimestamp": created, "labels": labels}
    return {"metadata": meta, "status": {"phase": "Running", "nodes": {"a": {}}}}


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        pytest.param("app=web", ["a"], id="equals"),
        pytest.param("app==web", ["a"], id="double-equals"),
        pytest.param("app!=web", ["b", "c"], id="not-equals"),
        pytest.param("app", ["a", "b"], id="exists"),
        pytest.param("!app", ["c"], id="absent"),
        pytest.param("app in (web, db)", ["a", "b"], id="in"),
        pytest.param("app notin (web)", ["b", "c"], id="notin"),
        pytest.param("app in (web,db),tier=front", ["a"], id="several"),
    ],
)
def test_label_selectors(selector: str, names: list[str]) -> None:
    items = [obj("a", app="web", tier="front"), obj("b", app="db"), obj("c")]
    requirements = parse_label_selector(selector)
    assert [o["metadata"]["name"] for o in items if matches_selector(o, requirements)] == names


def test_an_unparsable_selector_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="labelSelector"):
        parse_label_selector("app in web")


def test_pages_are_newest_first_and_stable_when_items_are_added() -> None:
    items = [obj(f"w{i:02}", f"2026-01-01T00:00:{i:02}Z") for i in range(10)]
    first, token = page(items, 4, None)
    assert [o["metadata"]["name"] for o in first] == ["w09", "w08", "w07", "w06"]
    items.append(obj("new", "2026-01-01T00:01:00Z"))  # created while paging
    second, token = page(items, 4, token)
    third, last = page(items, 4, token)
    assert [o["metadata"]["name"] for o in second + third] == [f"w{i:02}" for i in range(5, -1, -1)]
    assert last == ""


@pytest.mark.parametrize(
    ("limit", "token", "field"),
    [
        pytest.param(-1, None, "listOptions.limit", id="negative-limit"),
        pytest.param(2, "not-a-token", "listOptions.continue", id="bad-token"),
    ],
)
def test_bad_page_options(limit: int, token: str | None, field: str) -> None:
    with pytest.raises(SpecError) as caught:
        page([obj("a")], limit, token)
    assert caught.value.path == field


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            "metadata.name,status.phase",
            {"metadata": {"name": "a"}, "status": {"phase": "Running"}},
            id="keep",
        ),
        pytest.param(
            "-status.nodes,metadata.labels",
            {
                "metadata": {
                    "name": "a",
                    "namespace": "ns",
                    "creationTimestamp": "2026-01-01T00:00:00Z",
                },
                "status": {"phase": "Running"},
            },
            id="drop",
        ),
    ],
)
def test_fields_projection(fields: str, expected: dict[str, Any]) -> None:
    assert project(obj("a"), fields) == expected
