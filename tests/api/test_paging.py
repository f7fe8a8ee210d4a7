"""iter_characters and CursorWalk against lists whose cursor misbehaves."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import httpx
import pytest

from reviewer.api import (
    AsyncAurousClient,
    CharacterPage,
    CursorWalk,
    PaginationError,
    SkippedCharacter,
)
from reviewer.api._models import parse_character

from .conftest import API_KEY, BASE, Recorder, character_json

pytestmark = pytest.mark.anyio


def _client(transport: httpx.MockTransport) -> AsyncAurousClient:
    return AsyncAurousClient(api_key=API_KEY, base_url=BASE, transport=transport)


def _ok(
    ids: list[str], *, has_more: bool, cursor: str | None, extra: Sequence[object] = ()
) -> httpx.Response:
    data = [character_json(i) for i in ids] + list(extra)
    return httpx.Response(
        200,
        json={"object": "list", "data": data, "has_more": has_more, "next_cursor": cursor},
        headers={"Aurous-Request-Id": "req_PAGE"},
    )


async def test_a_cursor_that_repeats_ends_with_a_clear_error(recorder: Recorder, transport) -> None:
    pages = {None: (["a", "b"], "b"), "b": (["c", "d"], "d"), "d": (["e"], "b")}

    def handler(r: httpx.Request) -> httpx.Response:
        ids, cursor = pages[r.url.params.get("starting_after")]
        return _ok(ids, has_more=True, cursor=cursor)

    recorder.handler = handler
    got: list[str] = []

    async def walk(client: AsyncAurousClient) -> None:
        async for c in client.iter_characters():
            got.append(c.id)

    async with _client(transport) as client:
        with pytest.raises(PaginationError, match="cursor repeated") as info:
            await walk(client)
    assert got == ["a", "b", "c", "d", "e"]
    assert len(recorder.requests) == 3
    assert info.value.request_id == "req_PAGE"


async def test_the_same_cursor_over_and_over(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _ok(["a", "b"], has_more=True, cursor="b")
    async with _client(transport) as client:
        with pytest.raises(PaginationError):
            [c async for c in client.iter_characters()]
    assert len(recorder.requests) == 2


async def test_a_cursor_that_never_ends_is_bounded(recorder: Recorder, transport) -> None:
    counter = itertools.count()

    def handler(r: httpx.Request) -> httpx.Response:
        n = next(counter)
        return _ok([f"c{n}"], has_more=True, cursor=f"c{n}")

    recorder.handler = handler
    async with _client(transport) as client:
        with pytest.raises(PaginationError, match="did not end after 25 pages"):
            [c async for c in client.iter_characters(max_pages=25)]
    assert len(recorder.requests) == 25


async def test_duplicates_across_pages_are_yielded_once(recorder: Recorder, transport) -> None:
    pages = {
        None: (["a", "b"], "b", True),
        "b": (["b", "c"], "c", True),
        "c": (["a", "d"], None, False),
    }

    def handler(r: httpx.Request) -> httpx.Response:
        ids, cursor, more = pages[r.url.params.get("starting_after")]
        return _ok(ids, has_more=more, cursor=cursor)

    recorder.handler = handler
    async with _client(transport) as client:
        got = [c.id async for c in client.iter_characters()]
    assert got == ["a", "b", "c", "d"]


async def test_a_page_of_only_repeats_ends_the_walk(recorder: Recorder, transport) -> None:
    pages = {None: (["a", "b"], "b"), "b": (["a", "b"], "x"), "x": (["z"], None)}

    def handler(r: httpx.Request) -> httpx.Response:
        ids, cursor = pages[r.url.params.get("starting_after")]
        return _ok(ids, has_more=True, cursor=cursor)

    recorder.handler = handler
    async with _client(transport) as client:
        with pytest.raises(PaginationError, match="only characters already seen"):
            [c async for c in client.iter_characters()]
    assert len(recorder.requests) == 2


async def test_more_pages_but_no_way_to_reach_them(recorder: Recorder, transport) -> None:
    recorder.handler = lambda r: _ok([], has_more=True, cursor=None, extra=[{"id": 3}])
    async with _client(transport) as client:
        with pytest.raises(PaginationError, match="no cursor"):
            [c async for c in client.iter_characters()]


async def test_skipped_items_are_reported_and_do_not_stop_the_walk(
    recorder: Recorder, transport
) -> None:
    bad = character_json("char_bad", created_at="soon")
    pages = {None: (["a"], "char_bad", True, [bad]), "char_bad": (["b"], None, False, [])}

    def handler(r: httpx.Request) -> httpx.Response:
        ids, cursor, more, extra = pages[r.url.params.get("starting_after")]
        return _ok(ids, has_more=more, cursor=cursor, extra=extra)

    recorder.handler = handler
    skipped: list[SkippedCharacter] = []
    async with _client(transport) as client:
        got = [c.id async for c in client.iter_characters(on_skipped=skipped.append)]
    assert got == ["a", "b"]
    assert [(s.index, s.id) for s in skipped] == [(1, "char_bad")]


def test_cursor_walk_counts_skipped_ids_as_seen() -> None:
    page = CharacterPage(
        data=(parse_character(character_json("a")),),
        has_more=True,
        next_cursor="n1",
        skipped=(SkippedCharacter(1, "bad", "character.created_at: ..."),),
    )
    walk = CursorWalk()
    assert [c.id for c in walk.fresh(page)] == ["a"]
    assert walk.fresh(page) == []  # the same page twice gives nothing new
    assert walk.advance(page)
    assert walk.cursor == "n1"
    assert walk.seen == {"a", "bad"}
    with pytest.raises(ValueError, match="at least 1"):
        CursorWalk(max_pages=0)
