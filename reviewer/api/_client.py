"""The asynchronous Aurous Labs client: one method per documented endpoint."""

from __future__ import annotations

import logging
import platform
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Mapping
from enum import Enum
from types import TracebackType
from typing import Any, Final, Self, TypeVar
from urllib.parse import quote

import httpx

from reviewer import __version__

from ._errors import (
    APIConnectionError,
    APITimeoutError,
    DownloadError,
    DownloadTooLargeError,
    ResponseValidationError,
    error_from_response,
    parse_retry_after,
)
from ._models import (
    Attributes,
    Balance,
    Character,
    CharacterPage,
    DeletedCharacter,
    RateLimit,
    ResponseMeta,
    parse_balance,
    parse_character,
    parse_deleted,
    parse_page,
)
from ._ratelimit import RateLimiter, bucket_for
from ._urls import DEFAULT_BASE_URL, normalize_base_url

__all__ = [
    "DEFAULT_TIMEOUT",
    "DOWNLOAD_TIMEOUT",
    "NOT_GIVEN",
    "AsyncAurousClient",
    "Download",
    "new_idempotency_key",
]

log = logging.getLogger("reviewer.api")

DEFAULT_TIMEOUT: Final = httpx.Timeout(20.0, connect=5.0)
DOWNLOAD_TIMEOUT: Final = httpx.Timeout(60.0, connect=10.0)
MAX_DOWNLOAD_BYTES: Final = 64 * 1024 * 1024

T = TypeVar("T")


class _NotGiven(Enum):
    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven.NOT_GIVEN


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class _ApiKeyAuth(httpx.Auth):
    """Adds ``X-Api-Key`` only to requests for the API's own origin, so the key can
    never follow a storage URL or a redirect to another host."""

    def __init__(self, api_key: str, origin: tuple[str, str, int | None]) -> None:
        self._api_key = api_key
        self._origin = origin

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = request.url
        if (url.scheme, url.host, url.port) == self._origin:
            request.headers["X-Api-Key"] = self._api_key
        yield request

    def __repr__(self) -> str:
        return "_ApiKeyAuth(<redacted>)"


class Download:
    """The bytes of a storage URL and the type the server claimed for them."""

    __slots__ = ("content", "content_type")

    def __init__(self, content: bytes, content_type: str | None) -> None:
        self.content = content
        self.content_type = content_type

    def __repr__(self) -> str:
        return f"Download({len(self.content)} bytes, {self.content_type!r})"


def _rate_limit(headers: httpx.Headers) -> RateLimit | None:
    try:
        return RateLimit(
            limit=int(headers["X-RateLimit-Limit"]),
            remaining=int(headers["X-RateLimit-Remaining"]),
            reset=float(headers["X-RateLimit-Reset"]),
        )
    except (KeyError, ValueError):
        return None


def _path_id(value: str) -> str:
    if not value:
        raise ValueError("character id must not be empty")
    return quote(value, safe="")


class AsyncAurousClient:
    """Async client for the Aurous Labs characters API.

    Every method returns a typed model whose ``meta`` holds the request id, rate-limit
    state and idempotency key of the response, or raises an ``AurousError``.
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("an API key is required")
        self.base_url = normalize_base_url(base_url)
        self.api_version = api_version
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        url = httpx.URL(self.base_url)
        self._auth = _ApiKeyAuth(api_key.strip(), (url.scheme, url.host, url.port))
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport,
            headers={"User-Agent": self.user_agent},
            follow_redirects=False,
        )
        self.last_meta: ResponseMeta | None = None
        # Every request waits here for a token of its bucket (None: no client-side limit).
        self.limiter = limiter
        # Called with every response's meta: a seam for client-side rate limiting.
        self.on_response: Callable[[ResponseMeta], None] | None = None

    user_agent: Final = (
        f"aurous-reviewer/{__version__} httpx/{httpx.__version__} "
        f"python/{platform.python_version()}"
    )

    def __repr__(self) -> str:
        return f"AsyncAurousClient(base_url={self.base_url!r}, api_version={self.api_version!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- plumbing ------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        json: object,
        headers: dict[str, str],
        idempotency_key: str | None,
    ) -> httpx.Response:
        """One HTTP exchange, with transport failures mapped into the error tree."""
        what = f"{method} {path}"
        try:
            return await self._http.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                headers=headers,
                auth=self._auth,
                timeout=self._timeout,
            )
        except httpx.TimeoutException as exc:
            raise APITimeoutError(
                f"{what} timed out ({type(exc).__name__})", idempotency_key=idempotency_key
            ) from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(
                f"{what} could not reach {httpx.URL(self.base_url).host}: "
                f"{exc or type(exc).__name__}",
                idempotency_key=idempotency_key,
            ) from exc

    async def _request(
        self,
        method: str,
        path: str,
        parse: Callable[[object, ResponseMeta], T],
        *,
        params: Mapping[str, str | int] | None = None,
        json: object = None,
        idempotency_key: str | None = None,
    ) -> T:
        headers = {"Accept": "application/json"}
        if self.api_version:
            headers["Aurous-Version"] = self.api_version
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        what = f"{method} {path}"
        bucket = bucket_for(method, path)
        if self.limiter is not None:
            await self.limiter.acquire(bucket)
        try:
            response = await self._send(method, path, params, json, headers, idempotency_key)
        except BaseException:
            if self.limiter is not None:
                self.limiter.release(bucket)
            raise
        if self.limiter is not None:
            self.limiter.release(
                bucket,
                rate_limit=_rate_limit(response.headers),
                status_code=response.status_code,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )

        meta = ResponseMeta(
            status_code=response.status_code,
            request_id=response.headers.get("Aurous-Request-Id"),
            api_version=response.headers.get("Aurous-Version"),
            rate_limit=_rate_limit(response.headers),
            idempotency_key=idempotency_key,
            replayed=response.headers.get("Aurous-Idempotent-Replayed", "").lower() == "true",
        )
        self.last_meta = meta
        if self.on_response is not None:
            self.on_response(meta)
        log.debug("%s -> %s [%s]", what, response.status_code, meta.request_id)
        if not response.is_success:
            raise error_from_response(response, idempotency_key=idempotency_key)
        try:
            body = response.json()
        except ValueError:
            raise ResponseValidationError(
                f"{what} answered {response.status_code} with a body that is not JSON",
                request_id=meta.request_id,
            ) from None
        return parse(body, meta)

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
        self, *, status: str | None = None, page_size: int = 100
    ) -> AsyncIterator[Character]:
        """Every character (optionally of one status), following the cursor."""
        cursor: str | None = None
        while True:
            page = await self.list_characters(limit=page_size, starting_after=cursor, status=status)
            for character in page.data:
                yield character
            if not page.has_more or not page.data:
                return
            cursor = page.next_cursor or page.data[-1].id

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
    ) -> Download:
        """Fetch a ref's storage URL. It carries its own token; the API key is not sent.
        ``on_progress(received, total)`` is called as bytes arrive (total may be None)."""
        where = httpx.URL(url).copy_with(query=None)  # the token stays out of messages
        try:
            async with self._http.stream(
                "GET",
                url,
                headers={"Accept": "image/*"},
                auth=None,
                timeout=DOWNLOAD_TIMEOUT,
                follow_redirects=True,
            ) as response:
                if not response.is_success:
                    raise DownloadError(
                        f"image download failed: HTTP {response.status_code} for {where}",
                        status_code=response.status_code,
                    )
                try:
                    total: int | None = int(response.headers["Content-Length"])
                except (KeyError, ValueError):
                    total = None
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadTooLargeError(
                            f"image larger than {max_bytes} bytes at {where}"
                        )
                    chunks.append(chunk)
                    if on_progress is not None:
                        on_progress(size, total)
                return Download(b"".join(chunks), response.headers.get("Content-Type"))
        except httpx.HTTPError as exc:
            raise DownloadError(
                f"image download failed ({type(exc).__name__}) for {where}"
            ) from exc


def _attributes_json(attributes: Attributes | Mapping[str, Any]) -> dict[str, Any]:
    return attributes.to_dict() if isinstance(attributes, Attributes) else dict(attributes)
