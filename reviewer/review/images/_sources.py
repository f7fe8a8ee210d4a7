"""Where image bytes come from: the callables the pipeline is given, and an adapter for
the API client's ``download``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from reviewer.api import AsyncAurousClient, Character, Download

__all__ = ["DownloadFn", "ProgressFn", "RefreshFn", "client_downloader"]

# (received bytes, total bytes or None) while a download runs.
ByteProgressFn = Callable[[int, int | None], None]
DownloadFn = Callable[[str, ByteProgressFn | None], Awaitable[Download]]
RefreshFn = Callable[[str], Awaitable[Character]]
# A fraction in [0, 1], or None while the size is unknown.
ProgressFn = Callable[[float | None], None]


def client_downloader(client: AsyncAurousClient, *, max_bytes: int | None = None) -> DownloadFn:
    """``client.download`` in the shape ``ImagePipeline(download=...)`` expects."""

    async def download(url: str, on_progress: ByteProgressFn | None) -> Download:
        if max_bytes is None:
            return await client.download(url, on_progress=on_progress)
        return await client.download(url, max_bytes=max_bytes, on_progress=on_progress)

    return download
