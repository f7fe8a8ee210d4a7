"""Listing: order, paging, filters and the limits on its parameters."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import KEY, OTHER_KEY, Api


def all_pages(api: Api, query: str = "", limit: int = 5) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        after = f"&starting_after={cursor}" if cursor else ""
        page = api.ok("GET", f"/v1/characters?limit={limit}{query}{after}")
        assert page["object"] == "list"
        assert len(page["data"]) <= limit
        seen += page["data"]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            return seen
        assert page["next_cursor"] == page["data"][-1]["id"]
        cursor = page["next_cursor"]


def test_default_page_is_twenty_newest_first(api: Api) -> None:
    page = api.ok("GET", "/v1/characters")
    assert len(page["data"]) == 20
    assert page["has_more"] is True
    stamps = [(c["created_at"], c["id"]) for c in page["data"]]
    assert stamps == sorted(stamps, reverse=True)


def test_paging_visits_every_character_once_in_order(api: Api) -> None:
    everything = all_pages(api, limit=7)
    ids = [c["id"] for c in everything]
    assert len(ids) == len(set(ids)) == 24
    assert ids == sorted(ids, reverse=True)
    assert ids == [c["id"] for c in api.ok("GET", "/v1/characters?limit=100")["data"]]


def test_ties_on_created_at_break_by_id(api: Api) -> None:
    made = [api.create(f"Twin {i}")["id"] for i in range(3)]  # same instant on a manual clock
    page = api.ok("GET", "/v1/characters?limit=3")["data"]
    assert [c["id"] for c in page] == made[::-1]
    assert len({c["created_at"] for c in page}) == 1


@pytest.mark.parametrize("status", ["synthesizing", "reviewing", "ready", "failed"])
def test_status_filter(api: Api, status: str) -> None:
    rows = all_pages(api, f"&status={status}", limit=3)
    assert rows
    assert {c["status"] for c in rows} == {status}


def test_deleted_characters_are_not_listed(api: Api) -> None:
    ready = api.first("ready")
    api.ok("DELETE", f"/v1/characters/{ready['id']}")
    ids = {c["id"] for c in all_pages(api, limit=50)}
    assert ready["id"] not in ids
    assert len(ids) == 23


@pytest.mark.parametrize(
    ("query", "param", "code"),
    [
        ("limit=0", "limit", "invalid_request_error"),
        ("limit=101", "limit", "invalid_request_error"),
        ("limit=ten", "limit", "invalid_format"),
        ("limit=2.5", "limit", "invalid_format"),
        ("status=archived", "status", "invalid_request_error"),
        ("status=deleted", "status", "invalid_request_error"),
        ("starting_after=banana", "starting_after", "invalid_format"),
        (
            "starting_after=char_01HXMQ7Z3K8Y2NABCDEFGHJKMR",
            "starting_after",
            "invalid_request_error",
        ),
        ("cursor=x", "cursor", "invalid_request_error"),
        ("limit=5&limit=6", "limit", "invalid_request_error"),
    ],
)
def test_bad_parameters_are_400_naming_the_param(
    api: Api, query: str, param: str, code: str
) -> None:
    response = api.get(f"/v1/characters?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["param"], error["code"]) == (param, code)


def test_limit_bounds_are_inclusive(api: Api) -> None:
    assert len(api.ok("GET", "/v1/characters?limit=1")["data"]) == 1
    assert len(api.ok("GET", "/v1/characters?limit=100")["data"]) == 24


def test_a_cursor_survives_the_deletion_of_its_character(api: Api) -> None:
    first = api.ok("GET", "/v1/characters?limit=5&status=reviewing")
    cursor = first["next_cursor"]
    api.ok("DELETE", f"/v1/characters/{cursor}")  # reviewing: hard delete
    after = api.ok("GET", f"/v1/characters?limit=100&status=reviewing&starting_after={cursor}")
    expected = [c["id"] for c in all_pages(api, "&status=reviewing", limit=100)][4:]
    assert [c["id"] for c in after["data"]] == expected


def test_another_teams_cursor_is_refused(api: Api) -> None:
    mine = api.first("reviewing")["id"]
    response = api.get(f"/v1/characters?starting_after={mine}", key=OTHER_KEY)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "starting_after"


def test_teams_see_only_their_own(api: Api) -> None:
    assert api.ok("GET", "/v1/characters", key=OTHER_KEY)["data"] == []
    theirs = api.create(key=OTHER_KEY)
    assert [c["id"] for c in api.ok("GET", "/v1/characters", key=OTHER_KEY)["data"]] == [
        theirs["id"]
    ]
    assert theirs["id"] not in {c["id"] for c in all_pages(api, limit=100)}
    assert len(api.sim.characters(KEY)) == 24


def test_empty_page(api: Api) -> None:
    page = api.ok("GET", "/v1/characters", key=OTHER_KEY)
    assert page == {"object": "list", "data": [], "has_more": False, "next_cursor": None}
