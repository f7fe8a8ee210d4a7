"""The image cache's entries on disk: the encoded bytes behind a checksummed header.

Read and written where the bytes are decoded (a decode worker process), not in the app:
PySide6 lets go of the GIL at every Qt call, so a thread of the app's doing this work took
the GIL in the middle of the GUI thread's paints, and the GUI thread waited to get it back
(up to 5 ms a time; the kernel's scheduler trace showed it in most stalls over 5 ms while
characters arrived). The app keeps only the index (``reviewer.review.images.DiskCache``).

An entry is ``MAGIC``, the CRC-32 of the payload and its length, then the payload: a file
cut short by a crash or damaged on disk is noticed and never decoded as an image. Entries
are written to a temporary file in the same folder and renamed over the old one, so a
reader sees the old entry or the whole new one.
"""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Final

__all__ = [
    "HEADER",
    "TMP_PREFIX",
    "CacheEntryDamaged",
    "CacheEntryMissing",
    "entry_size",
    "read_entry",
    "write_entry",
]

MAGIC: Final = b"AURIMG1\n"
HEADER: Final = struct.Struct(">8sIQ")  # magic, crc32 of the payload, payload length
# Temporary files start so; a folder scan tells them from entries by it.
TMP_PREFIX: Final = ".tmp-"


class CacheEntryMissing(Exception):
    """The entry's file is not there (removed since it was indexed, or never written)."""


class CacheEntryDamaged(Exception):
    """The entry's file is not what was written: cut short, altered or foreign."""


def entry_size(payload_length: int) -> int:
    """Bytes on disk of an entry holding ``payload_length`` bytes."""
    return HEADER.size + payload_length


def read_entry(path: str | os.PathLike[str]) -> bytes:
    """The payload of the entry at ``path``, checked; its time is set to now, so the
    least recently used go first after a restart too. Raises ``CacheEntryMissing``,
    ``CacheEntryDamaged`` or ``OSError``.

    The payload is read into one buffer the kernel fills, and checked by zlib, both
    without the GIL (reading the file whole and slicing the header off made two more
    whole copies)."""
    try:
        file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below, errors told apart
    except FileNotFoundError as exc:
        raise CacheEntryMissing(str(path)) from exc
    with file:
        size = os.fstat(file.fileno()).st_size
        head = file.read(HEADER.size)
        if len(head) < HEADER.size:
            raise CacheEntryDamaged(f"{path}: {size} bytes, shorter than a header")
        magic, crc, length = HEADER.unpack(head)
        if magic != MAGIC or length != size - HEADER.size:
            raise CacheEntryDamaged(f"{path}: not an entry of {size} bytes")
        payload = file.read(length)
    if len(payload) != length or zlib.crc32(payload) != crc:
        raise CacheEntryDamaged(f"{path}: the checksum does not match")
    with contextlib.suppress(OSError):  # a read-only cache still serves
        os.utime(path)
    return payload


def write_entry(path: str | os.PathLike[str], payload: bytes) -> None:
    """Store ``payload`` at ``path`` atomically (its folder made if missing); raises
    ``OSError``, leaving no temporary file behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=target.parent)
    try:
        try:
            head = HEADER.pack(MAGIC, zlib.crc32(payload), len(payload))
            for part in (head, payload):  # straight from each buffer: no joined copy
                view = memoryview(part)
                while view:
                    view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
