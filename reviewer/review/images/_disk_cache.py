"""Encoded image bytes on disk, least recently used first out, bounded by bytes.

Every entry carries a checksum, so a file cut short by a crash or damaged on disk is
noticed and dropped instead of being served. The cache is an optimisation only: when its
folder is missing, read-only or full, it logs one warning and the app works uncached."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import struct
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Final

__all__ = ["DiskCache"]

log = logging.getLogger(__name__)

_MAGIC: Final = b"AURIMG1\n"
_HEADER: Final = struct.Struct(">8sIQ")  # magic, crc32 of the payload, payload length
_KEY: Final = re.compile(r"[0-9A-Za-z_-]{1,128}")
_TMP_PREFIX: Final = ".tmp-"
# A temporary file this old was left by a crash, not by a write still under way.
_STALE_TMP_SECONDS: Final = 3600.0


def _header(data: bytes) -> bytes:
    return _HEADER.pack(_MAGIC, zlib.crc32(data), len(data))


def _read_entry(path: Path) -> tuple[bytes | None, int]:
    """The payload of the entry at ``path`` (None when it is damaged) and the file's size.

    The payload is read into one buffer the kernel fills, and checked by zlib, both with
    the GIL let go: reading the file whole and slicing the header off copied every pose
    twice more under the GIL (~1-2 ms a pose, page faults included), and the GUI thread
    waited for the GIL meanwhile."""
    with open(path, "rb", buffering=0) as file:
        size = os.fstat(file.fileno()).st_size
        head = file.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return None, size
        magic, crc, length = _HEADER.unpack(head)
        if magic != _MAGIC or length != size - _HEADER.size:
            return None, size
        payload = file.read(length)
    if len(payload) != length or zlib.crc32(payload) != crc:
        return None, size
    return payload, size


def _write_all(fd: int, parts: list[bytes]) -> None:
    """Write ``parts`` in order, straight from the given buffers (no joined copy)."""
    for part in parts:
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view) :]


class DiskCache:
    """A folder of cached image files, ``root/<2 chars>/<key>``, within ``max_bytes``.

    Methods are coroutines whose file I/O runs in a worker thread; a lock guards the
    in-memory index (key → size, least recently used first) those threads share."""

    def __init__(self, root: Path, *, max_bytes: int = 1 << 30) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, got {max_bytes}")
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._index: OrderedDict[str, int] | None = None  # read from the folder on first use
        self._total = 0
        self._warned = False

    def __repr__(self) -> str:
        return f"DiskCache({str(self.root)!r}, max_bytes={self.max_bytes})"

    @property
    def total_bytes(self) -> int:
        """Bytes of the entries this cache knows of (after its first operation)."""
        with self._lock:
            return self._total

    async def get(self, key: str) -> bytes | None:
        """The bytes stored under ``key``, or None; a hit becomes the most recently used."""
        return await asyncio.to_thread(self._get, _checked(key))

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` atomically, then evict the least recently used beyond ``max_bytes``."""
        await asyncio.to_thread(self._put, _checked(key), data)

    async def discard(self, key: str) -> None:
        await asyncio.to_thread(self._discard, _checked(key))

    # -- worker-thread side --------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def _get(self, key: str) -> bytes | None:
        self._load_index()
        path = self._path(key)
        try:
            payload, size = _read_entry(path)
        except FileNotFoundError:
            self._forget(key)
            return None
        except OSError as exc:
            self._warn_once("read", exc)
            return None
        if payload is None:
            log.warning("dropping a damaged image cache entry: %s", path)
            self._discard(key)
            return None
        # The file's time orders eviction after a restart; a read-only cache still serves.
        with contextlib.suppress(OSError):
            os.utime(path)
        with self._lock:
            assert self._index is not None
            if key not in self._index:
                self._total += size
            self._index[key] = size
            self._index.move_to_end(key)
        return payload

    def _put(self, key: str, data: bytes) -> None:
        size = _HEADER.size + len(data)
        if size > self.max_bytes:
            return  # would only evict everything else
        self._load_index()
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
            try:
                try:
                    _write_all(fd, [_header(data), data])
                finally:
                    os.close(fd)
                os.replace(tmp, path)  # readers see the old file or the whole new one
            except BaseException:
                _unlink(Path(tmp))
                raise
        except OSError as exc:
            self._warn_once("write", exc)
            return
        with self._lock:
            assert self._index is not None
            self._total += size - self._index.pop(key, 0)
            self._index[key] = size
            victims = self._pop_over_budget()
        self._remove_files(victims)

    def _discard(self, key: str) -> None:
        self._forget(key)
        _unlink(self._path(key))

    def _forget(self, key: str) -> None:
        with self._lock:
            if self._index is not None:
                self._total -= self._index.pop(key, 0)

    def _load_index(self) -> None:
        """Learn what the folder holds, oldest use first, once per instance."""
        with self._lock:
            if self._index is not None:
                return
            found: list[tuple[float, str, int]] = []
            try:
                shards = [entry for entry in os.scandir(self.root) if entry.is_dir()]
                for shard in shards:
                    for entry in os.scandir(shard.path):
                        stat = entry.stat()
                        if entry.name.startswith(_TMP_PREFIX):
                            if time.time() - stat.st_mtime > _STALE_TMP_SECONDS:
                                _unlink(Path(entry.path))
                        elif _KEY.fullmatch(entry.name) and entry.is_file():
                            found.append((stat.st_mtime, entry.name, stat.st_size))
            except FileNotFoundError:
                pass  # created on the first put
            except OSError as exc:
                self._warn_once_locked("read", exc)
            found.sort()
            self._index = OrderedDict((name, size) for _, name, size in found)
            self._total = sum(size for _, _, size in found)
            # The limit may have shrunk since the last run.
            victims = self._pop_over_budget()
        self._remove_files(victims)

    def _pop_over_budget(self) -> list[str]:
        """Drop the least recently used from the index until within budget (lock held)."""
        assert self._index is not None
        victims = []
        while self._total > self.max_bytes and self._index:
            victim, size = self._index.popitem(last=False)
            self._total -= size
            victims.append(victim)
        return victims

    def _remove_files(self, keys: list[str]) -> None:
        for key in keys:
            _unlink(self._path(key))

    def _warn_once(self, action: str, exc: OSError) -> None:
        with self._lock:
            self._warn_once_locked(action, exc)

    def _warn_once_locked(self, action: str, exc: OSError) -> None:
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


def _checked(key: str) -> str:
    # Keys become file names: nothing that could climb out of the folder.
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a cache key: {key!r}")
    return key


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("could not remove %s: %s", path, exc)
