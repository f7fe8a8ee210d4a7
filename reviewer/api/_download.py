"""Fetching a ref's storage URL: no API key, capped decoded bytes, an overall deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final

import httpx

from ._errors import DownloadError, DownloadTooLargeError
from ._text import display_safe
from ._transport import ACCEPT_ENCODING, BodyTooLarge, BodyUndecodable, read_body, transport_reason

__all__ = [
    "DOWNLOAD_DEADLINE",
    "DOWNLOAD_TIMEOUT",
    "MAX_DOWNLOAD_BYTES",
    "Download",
    "fetch",
]

DOWNLOAD_TIMEOUT: Final = httpx.Timeout(60.0, connect=10.0)
# The longest one image may take in all: a server that trickles a byte just inside
# each read timeout must still end.
DOWNLOAD_DEADLINE: Final = 90.0
MAX_DOWNLOAD_BYTES: Final = 64 * 1024 * 1024


class Download:
    """The bytes of a storage URL and the type the server claimed for them."""

    __slots__ = ("content", "content_type")

    def __init__(self, content: bytes, content_type: str | None) -> None:
        self.content = content
        self.content_type = content_type

    def __repr__(self) -> str:
        return f"Download({len(self.content)} bytes, {self.content_type!r})"


def _where(url: str) -> str:
    """The URL for messages: no query (the token), no user info, nothing that spoofs."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise DownloadError(f"image download failed: not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise DownloadError("image download failed: the ref's URL is not an http(s) URL")
    return display_safe(f"{parsed.scheme}://{parsed.host}{parsed.path}"[:300])


async def fetch(
    http: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    deadline: float,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> Download:
    where = _where(url)
    try:
        async with (
            asyncio.timeout(deadline),
            http.stream(
                "GET",
                url,
                headers={"Accept": "image/*", "Accept-Encoding": ACCEPT_ENCODING},
                auth=None,
                timeout=DOWNLOAD_TIMEOUT,
                follow_redirects=True,
            ) as response,
        ):
            if not response.is_success:
                raise DownloadError(
                    f"image download failed: HTTP {response.status_code} for {where}",
                    status_code=response.status_code,
                )
            try:
                total: int | None = int(response.headers["Content-Length"])
            except (KeyError, ValueError):
                total = None
            if "Content-Encoding" in response.headers:
                total = None  # the length on the wire, not of the image

            def progress(received: int) -> None:
                if on_progress is not None:
                    on_progress(received, total)

            content = await read_body(response, max_bytes, on_progress=progress)
            return Download(content, response.headers.get("Content-Type"))
    except TimeoutError:
        raise DownloadError(
            f"image download did not finish within {deadline:g} s at {where}"
        ) from None
    except BodyTooLarge:
        raise DownloadTooLargeError(f"image larger than {max_bytes} bytes at {where}") from None
    except BodyUndecodable as exc:
        raise DownloadError(f"image download failed: {exc} at {where}") from None
    except httpx.TransportError as exc:
        raise DownloadError(f"image download failed: {transport_reason(exc)} at {where}") from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise DownloadError(f"image download failed ({type(exc).__name__}) at {where}") from exc
