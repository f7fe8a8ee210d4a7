"""The plumbing under every API call: building the request, the overall deadline,
reading the body with a cap, and mapping every failure into the error tree."""

from __future__ import annotations

import asyncio
import logging
import platform
import re
from collections.abc import AsyncIterator, Callable, Generator, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Final, Self, TypeVar

import httpx

from reviewer import __version__

from ._download import DOWNLOAD_DEADLINE
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    ResponseValidationError,
    error_from_response,
    parse_retry_after,
)
from ._models import RateLimit, ResponseMeta
from ._ratelimit import RateLimiter, bucket_for
from ._text import display_safe, html_summary, looks_like_html
from ._transport import (
    ACCEPT_ENCODING,
    MAX_ERROR_BODY_BYTES,
    MAX_RESPONSE_BYTES,
    BodyTooLarge,
    BodyUndecodable,
    decode_json,
    never_sent,
    read_body,
    ssl_context,
    transport_reason,
)
from ._urls import DEFAULT_BASE_URL, normalize_base_url

__all__ = ["API_DEADLINE", "DEFAULT_TIMEOUT", "BaseClient"]

log = logging.getLogger("reviewer.api")

DEFAULT_TIMEOUT: Final = httpx.Timeout(20.0, connect=5.0)
# The longest one API call may take from sending to its last byte, whatever the
# per-read timeouts allow (a server can trickle a byte just inside each of them).
API_DEADLINE: Final = 60.0
# What an API key may hold: printable ASCII, no spaces. httpx puts a bad header value
# into its exception text, so a key with a line break would leak into messages.
_KEY_CHARS = re.compile(r"[\x21-\x7e]+")

T = TypeVar("T")


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


def _checked_key(api_key: str) -> str:
    key = (api_key or "").strip()
    if not key:
        raise ValueError("an API key is required")
    if not _KEY_CHARS.fullmatch(key):
        raise ValueError(
            "the API key holds characters that cannot be sent (spaces, line breaks "
            "or non-ASCII): paste it again"
        )
    return key


def _rate_limit(headers: httpx.Headers) -> RateLimit | None:
    """The X-RateLimit-* headers, or None when any is missing or not believable."""
    try:
        limit = int(headers["X-RateLimit-Limit"])
        remaining = int(headers["X-RateLimit-Remaining"])
        reset = float(headers["X-RateLimit-Reset"])
    except (KeyError, ValueError):
        return None
    if not (0 <= remaining <= limit <= 1_000_000) or not (0 <= reset < 1e11):
        return None
    return RateLimit(limit=limit, remaining=remaining, reset=reset)


def _meta(response: httpx.Response, idempotency_key: str | None) -> ResponseMeta:
    request_id = response.headers.get("Aurous-Request-Id")
    version = response.headers.get("Aurous-Version")
    return ResponseMeta(
        status_code=response.status_code,
        request_id=display_safe(request_id[:128]) if request_id else None,
        api_version=display_safe(version[:32]) if version else None,
        rate_limit=_rate_limit(response.headers),
        idempotency_key=idempotency_key,
        replayed=response.headers.get("Aurous-Idempotent-Replayed", "").lower() == "true",
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


class BaseClient:
    """Configuration and one ``_request`` that every endpoint method goes through."""

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
        deadline: float = API_DEADLINE,
        download_deadline: float = DOWNLOAD_DEADLINE,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        key = _checked_key(api_key)
        self.base_url = normalize_base_url(base_url)
        self.api_version = api_version
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._deadline = deadline
        self._download_deadline = download_deadline
        self._max_response_bytes = max_response_bytes
        url = httpx.URL(self.base_url)
        self._host = url.host
        self._auth = _ApiKeyAuth(key, (url.scheme, url.host, url.port))
        self._owns_http = http_client is None
        # Certificates are checked against the OS trust store; proxies come from the
        # usual environment variables (trust_env). An injected transport bypasses both.
        self._http = http_client or httpx.AsyncClient(
            transport=transport,
            headers={"User-Agent": self.user_agent},
            follow_redirects=False,
            verify=ssl_context() if transport is None else True,
            trust_env=True,
        )
        self.last_meta: ResponseMeta | None = None
        # Every request waits here for a token of its bucket (None: no client-side limit).
        self.limiter = limiter
        # Called with every response's meta, as soon as its headers are known.
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

    def set_api_key(self, api_key: str) -> None:
        """Send another key from now on (the old one was revoked or rotated)."""
        key = _checked_key(api_key)
        url = httpx.URL(self.base_url)
        self._auth = _ApiKeyAuth(key, (url.scheme, url.host, url.port))

    # -- plumbing ------------------------------------------------------------------------

    def _build(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        json: object,
        idempotency_key: str | None,
    ) -> httpx.Request:
        headers = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING}
        if self.api_version:
            headers["Aurous-Version"] = self.api_version
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self._http.build_request(
            method,
            self.base_url + path,
            params=params,
            json=json,
            headers=headers,
            timeout=self._timeout,
        )

    @asynccontextmanager
    async def _exchange(self, what: str, idempotency_key: str | None) -> AsyncIterator[None]:
        """The overall deadline of one exchange, and its failures mapped into the tree."""
        try:
            async with asyncio.timeout(self._deadline):
                yield
        except TimeoutError as exc:
            raise APITimeoutError(
                f"{what}: no complete answer from {self._host} within {self._deadline:g} s",
                idempotency_key=idempotency_key,
            ) from exc
        except httpx.TimeoutException as exc:
            raise APITimeoutError(
                f"{what} timed out: {transport_reason(exc)} ({self._host})",
                idempotency_key=idempotency_key,
                maybe_sent=not never_sent(exc),
            ) from exc
        except httpx.TransportError as exc:
            sent = not never_sent(exc)
            where = "the exchange with" if sent else "could not connect to"
            raise APIConnectionError(
                f"{what}: {where} {self._host} failed: {transport_reason(exc)}",
                idempotency_key=idempotency_key,
                maybe_sent=sent,
            ) from exc
        except httpx.DecodingError as exc:  # only from transports that decode themselves
            raise ResponseValidationError(
                f"{what}: the answer from {self._host} could not be decoded ({exc})"
            ) from exc
        except httpx.RequestError as exc:
            raise APIConnectionError(
                f"{what}: the exchange with {self._host} failed ({type(exc).__name__})",
                idempotency_key=idempotency_key,
            ) from exc

    def _observe(self, meta: ResponseMeta, bucket: str) -> None:
        """Status and headers are known (the body is not read yet)."""
        self.last_meta = meta
        if self.limiter is not None:
            self.limiter.release(
                bucket,
                rate_limit=meta.rate_limit,
                status_code=meta.status_code,
                retry_after=meta.retry_after,
            )
        if self.on_response is not None:
            self.on_response(meta)

    async def _read(self, response: httpx.Response, what: str, meta: ResponseMeta) -> bytes:
        """The body: capped when it is the answer, cut short when it is an error's."""
        if not response.is_success:
            try:
                return await read_body(response, MAX_ERROR_BODY_BYTES, truncate=True)
            except BodyUndecodable:
                return b""  # the status still says what went wrong
        try:
            return await read_body(response, self._max_response_bytes)
        except (BodyTooLarge, BodyUndecodable) as exc:
            raise ResponseValidationError(
                f"{what} answered {response.status_code} but {exc}", request_id=meta.request_id
            ) from None

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
        what = f"{method} {path}"
        if self._http.is_closed:
            raise APIConnectionError(
                f"{what}: the client is closed", idempotency_key=idempotency_key, maybe_sent=False
            )
        request = self._build(method, path, params, json, idempotency_key)
        bucket = bucket_for(method, path)
        # Just before the request goes out: wait for a token (outside the deadline).
        if self.limiter is not None:
            await self.limiter.acquire(bucket)
        observed = False
        try:
            async with self._exchange(what, idempotency_key):
                response = await self._http.send(
                    request, auth=self._auth, stream=True, follow_redirects=False
                )
                try:
                    meta = _meta(response, idempotency_key)
                    observed = True
                    self._observe(meta, bucket)
                    content = await self._read(response, what, meta)
                finally:
                    await response.aclose()
        finally:
            if not observed and self.limiter is not None:
                self.limiter.release(bucket)
        log.debug("%s -> %s [%s]", what, response.status_code, meta.request_id)
        if not response.is_success:
            raise error_from_response(
                response,
                content=content,
                api_version=self.api_version,
                idempotency_key=idempotency_key,
            )
        try:
            body = decode_json(content)
        except ValueError as exc:
            text = content[:65536].decode("utf-8", errors="replace")
            if looks_like_html(text, response.headers.get("Content-Type")):
                reason = f"an HTML page, not the API's JSON: {html_summary(text)}"
            else:
                reason = str(exc)
            raise ResponseValidationError(
                f"{what} answered {response.status_code} with a body that is not JSON: {reason}",
                request_id=meta.request_id,
            ) from None
        return parse(body, meta)
