"""The image cache's index: which entries the folder holds, least recently used first
out, bounded by bytes.

The entries themselves are read and written where the bytes are decoded (a decode worker
process; ``reviewer.imaging.cache_file`` says why and how), so the app never moves a
cached image's bytes: it hands the decoder a path. This index lives on the event loop's
thread; what touches the folder here (the scan on first use, removals) is rare and runs
in a worker thread. The cache is an optimisation only: when its folder is missing,
read-only or full, one warning says so and the app works uncached."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import OrderedDict
from pathlib import Path
from typing import Final

from reviewer.imaging.cache_file import TMP_PREFIX, entry_size

__all__ = ["DiskCache"]

log = logging.getLogger(__name__)

_KEY: Final = re.compile(r"[0-9A-Za-z_-]{1,128}")
# A temporary file this old was left by a crash, not by a write still under way.
_STALE_TMP_SECONDS: Final = 3600.0

_Index = OrderedDict[str, int]  # key → bytes on disk, least recently used first


class DiskCache:
    """The index of a folder of cached image entries, ``root/<2 chars>/<key>``, kept
    within ``max_bytes``. Read from the folder on first use."""

    def __init__(self, root: Path, *, max_bytes: int = 1 << 30) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, got {max_bytes}")
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._index: _Index | None = None
        self._loading: asyncio.Future[_Index] | None = None
        self._total = 0
        self._warned = False

    def __repr__(self) -> str:
        return f"DiskCache({str(self.root)!r}, max_bytes={self.max_bytes})"

    @property
    def total_bytes(self) -> int:
        """Bytes of the entries this cache knows of (after its first use)."""
        return self._total

    def path_of(self, key: str) -> Path:
        return self.root / _checked(key)[:2] / key

    async def lookup(self, key: str) -> Path | None:
        """Where the entry for ``key`` is, if the folder holds one; it becomes the most
        recently used. (Whether it is intact is found when it is read.)"""
        index = await self._loaded()
        if _checked(key) not in index:
            return None
        index.move_to_end(key)
        return self.path_of(key)

    async def store_path(self, key: str, payload_length: int) -> Path | None:
        """Where to store an entry of ``payload_length`` bytes for ``key``; None when it
        would not fit at all (it would only evict everything else)."""
        await self._loaded()
        return None if entry_size(payload_length) > self.max_bytes else self.path_of(key)

    async def stored(self, key: str, payload_length: int) -> None:
        """An entry was written at ``path_of(key)``: count it, then evict the least
        recently used beyond ``max_bytes``."""
        index = await self._loaded()
        size = entry_size(payload_length)
        self._total += size - index.pop(_checked(key), 0)
        index[key] = size
        await self._evict(index)

    async def forget(self, key: str) -> None:
        """The entry is not there after all (removed behind the app's back)."""
        index = await self._loaded()
        self._total -= index.pop(_checked(key), 0)

    async def discard(self, key: str) -> None:
        """Remove the entry: its bytes must never be served again."""
        await self.forget(key)
        await self._remove([key])

    # -- the folder ---------------------------------------------------------------------

    async def _loaded(self) -> _Index:
        if self._index is not None:
            return self._index
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load())
        return await asyncio.shield(self._loading)

    async def _load(self) -> _Index:
        found, error = await asyncio.to_thread(_scan, self.root)
        if error is not None:
            self._warn_once("read", error)
        found.sort()
        index: _Index = OrderedDict((name, size) for _, name, size in found)
        self._index, self._total = index, sum(index.values())
        await self._evict(index)  # the limit may have shrunk since the last run
        return index

    async def _evict(self, index: _Index) -> None:
        """Remove the least recently used entries beyond ``max_bytes``."""
        victims = []
        while self._total > self.max_bytes and index:
            victim, size = index.popitem(last=False)
            self._total -= size
            victims.append(victim)
        if victims:
            await self._remove(victims)

    async def _remove(self, keys: list[str]) -> None:
        paths = [self.path_of(key) for key in keys]
        await asyncio.to_thread(_unlink_all, paths)

    def _warn_once(self, action: str, exc: OSError) -> None:
        # A broken cache folder fails every call: one warning says so, the rest is noise.
        level = logging.DEBUG if self._warned else logging.WARNING
        self._warned = True
        log.log(
            level,
            "cannot %s the image cache in %s (%s); images are not cached",
            action,
            self.root,
            exc,
        )


def _scan(root: Path) -> tuple[list[tuple[float, str, int]], OSError | None]:
    """(time of last use, key, size) of each entry; stale temporary files removed."""
    found: list[tuple[float, str, int]] = []
    try:
        shards = [entry for entry in os.scandir(root) if entry.is_dir()]
        for shard in shards:
            for entry in os.scandir(shard.path):
                stat = entry.stat()
                if entry.name.startswith(TMP_PREFIX):
                    if time.time() - stat.st_mtime > _STALE_TMP_SECONDS:
                        _unlink_all([Path(entry.path)])
                elif _KEY.fullmatch(entry.name) and entry.is_file():
                    found.append((stat.st_mtime, entry.name, stat.st_size))
    except FileNotFoundError:
        pass  # made on the first store
    except OSError as exc:
        return found, exc
    return found, None


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.debug("could not remove %s: %s", path, exc)


def _checked(key: str) -> str:
    # Keys become file names: nothing that could climb out of the folder.
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a cache key: {key!r}")
    return key
