"""The asynchronous Aurous Labs client: one method per documented endpoint."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from enum import Enum
from typing import Any, Final
from urllib.parse import quote

from ._base import API_DEADLINE, DEFAULT_TIMEOUT, BaseClient
from ._download import DOWNLOAD_DEADLINE, DOWNLOAD_TIMEOUT, MAX_DOWNLOAD_BYTES, Download, fetch
from ._models import (
    Attributes,
    Balance,
    Character,
    CharacterPage,
    DeletedCharacter,
    SkippedCharacter,
    parse_balance,
    parse_character,
    parse_deleted,
    parse_page,
)
from ._paging import MAX_LIST_PAGES, CursorWalk

__all__ = [
    "API_DEADLINE",
    "DEFAULT_TIMEOUT",
    "DOWNLOAD_DEADLINE",
    "DOWNLOAD_TIMEOUT",
    "NOT_GIVEN",
    "AsyncAurousClient",
    "Download",
    "new_idempotency_key",
]


class _NotGiven(Enum):
    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven.NOT_GIVEN


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def _path_id(value: str) -> str:
    if not value:
        raise ValueError("character id must not be empty")
    return quote(value, safe="")


class AsyncAurousClient(BaseClient):
    """Async client for the Aurous Labs characters API.

    Every method returns a typed model whose ``meta`` holds the request id, rate-limit
    state and idempotency key of the response, or raises an ``AurousError``: whatever
    the server (or something pretending to be it) answers.
    """

    # -- characters ----------------------------------------------------------------------

    async def list_characters(
        self,
        *,
        limit: int | None = None,
        starting_after: str | None = None,
        status: str | None = None,
    ) -> CharacterPage:
        """One page, newest first. ``limit`` is 1–100 (server default 20)."""
        params: dict[str, str | int] = {}
        if limit is not None:
            params["limit"] = limit
        if starting_after is not None:
            params["starting_after"] = starting_after
        if status is not None:
            params["status"] = status
        return await self._request("GET", "/characters", parse_page, params=params)

    async def iter_characters(
        self,
        *,
        status: str | None = None,
        page_size: int = 100,
        max_pages: int = MAX_LIST_PAGES,
        on_skipped: Callable[[SkippedCharacter], None] | None = None,
    ) -> AsyncIterator[Character]:
        """Every character (optionally of one status), following the cursor, each once.
        Unreadable items go to ``on_skipped``. A cursor that repeats or never ends
        raises ``PaginationError`` after what was read so far."""
        walk = CursorWalk(max_pages=max_pages)
        while True:
            page = await self.list_characters(
                limit=page_size, starting_after=walk.cursor, status=status
            )
            for character in walk.fresh(page):
                yield character
            if on_skipped is not None:
                for skipped in page.skipped:
                    on_skipped(skipped)
            if not walk.advance(page):
                return

    async def retrieve_character(self, character_id: str) -> Character:
        return await self._request("GET", f"/characters/{_path_id(character_id)}", parse_character)

    async def save_character(self, character_id: str) -> Character:
        """reviewing → ready. Saving a ready character again is a harmless 200."""
        return await self._request(
            "POST", f"/characters/{_path_id(character_id)}/save", parse_character
        )

    async def regenerate_ref(
        self,
        character_id: str,
        pose: str,
        *,
        prompt_override: str | None = None,
        idempotency_key: str | None = None,
    ) -> Character:
        """Re-run one pose (1 generation). Retry only with the same ``idempotency_key``;
        the one used is in ``result.meta.idempotency_key`` (and on any error raised)."""
        body: dict[str, Any] = {"pose": pose}
        if prompt_override is not None:
            body["prompt_override"] = prompt_override
        return await self._request(
            "POST",
            f"/characters/{_path_id(character_id)}/refs/regenerate",
            parse_character,
            json=body,
            idempotency_key=idempotency_key or new_idempotency_key(),
        )

    async def resynthesize(
        self,
        character_id: str,
        *,
        force_all: bool = False,
        idempotency_key: str | None = None,
    ) -> Character:
        """Replace all four poses (4 generations). Same retry rule as ``regenerate_ref``."""
        return await self._request(
            "POST",
            f"/characters/{_path_id(character_id)}/resynthesize",
            parse_character,
            json={"force_all": force_all},
            idempotency_key=idempotency_key or new_idempotency_key(),
        )

    async def delete_character(self, character_id: str) -> DeletedCharacter:
        """Hard-deletes a reviewing character (gone for good); soft-deletes others."""
        return await self._request("DELETE", f"/characters/{_path_id(character_id)}", parse_deleted)

    async def create_character(
        self,
        *,
        name: str,
        attributes: Attributes | Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Character:
        """Start the synthesize flow (4 generations); the result is ``synthesizing``."""
        body: dict[str, Any] = {"name": name, "generate": True}
        if attributes is not None:
            body["attributes"] = _attributes_json(attributes)
        return await self._request(
            "POST",
            "/characters",
            parse_character,
            json=body,
            idempotency_key=idempotency_key or new_idempotency_key(),
        )

    async def update_character(
        self,
        character_id: str,
        *,
        name: str | _NotGiven = NOT_GIVEN,
        attributes: Attributes | Mapping[str, Any] | _NotGiven | None = NOT_GIVEN,
    ) -> Character:
        """PATCH: ``attributes`` replaces the whole object."""
        body: dict[str, Any] = {}
        if not isinstance(name, _NotGiven):
            body["name"] = name
        if not isinstance(attributes, _NotGiven):
            body["attributes"] = None if attributes is None else _attributes_json(attributes)
        if not body:
            raise ValueError("update_character needs name or attributes")
        return await self._request(
            "PATCH", f"/characters/{_path_id(character_id)}", parse_character, json=body
        )

    async def get_balance(self) -> Balance:
        return await self._request("GET", "/balance", parse_balance)

    # -- storage -------------------------------------------------------------------------

    async def download(
        self,
        url: str,
        *,
        max_bytes: int = MAX_DOWNLOAD_BYTES,
        on_progress: Callable[[int, int | None], None] | None = None,
        deadline: float | None = None,
    ) -> Download:
        """Fetch a ref's storage URL. It carries its own token; the API key is not sent.
        At most ``max_bytes`` decoded bytes, within ``deadline`` seconds overall (the
        client's ``download_deadline`` by default). ``on_progress(received, total)`` is
        called as bytes arrive (total may be None)."""
        return await fetch(
            self._http,
            url,
            max_bytes=max_bytes,
            deadline=self._download_deadline if deadline is None else deadline,
            on_progress=on_progress,
        )


def _attributes_json(attributes: Attributes | Mapping[str, Any]) -> dict[str, Any]:
    return attributes.to_dict() if isinstance(attributes, Attributes) else dict(attributes)
