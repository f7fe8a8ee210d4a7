"""The image cache: its entries' file format (read and written where images are decoded)
and its index in the app (LRU within max_bytes, harmless when broken)."""

from __future__ import annotations

import logging
import os
import tracemalloc
from pathlib import Path

import pytest

from reviewer.imaging.cache_file import (
    CacheEntryDamaged,
    CacheEntryMissing,
    entry_size,
    read_entry,
    write_entry,
)
from reviewer.review.images import DiskCache

from .conftest import cache_files

pytestmark = pytest.mark.anyio

HEADER = 20  # bytes the cache adds to each entry


async def put(cache: DiskCache, key: str, data: bytes) -> bool:
    """What the pipeline and a decoder do with fresh bytes; False if not stored."""
    path = await cache.store_path(key, len(data))
    if path is None:
        return False
    write_entry(path, data)
    await cache.stored(key, len(data))
    return True


async def get(cache: DiskCache, key: str) -> bytes | None:
    """What a decoder reads for the pipeline from the cache, dropping what is damaged."""
    path = await cache.lookup(key)
    if path is None:
        return None
    try:
        return read_entry(path)
    except CacheEntryMissing:
        await cache.forget(key)
    except CacheEntryDamaged:
        await cache.discard(key)
    return None


# -- the entries --------------------------------------------------------------------------


def test_an_entry_round_trips_atomically(tmp_path: Path) -> None:
    path = tmp_path / "ab" / "abc123"
    write_entry(path, b"hello")
    assert read_entry(path) == b"hello"
    assert path.stat().st_size == entry_size(5) == HEADER + 5
    write_entry(path, b"again")
    assert read_entry(path) == b"again"
    assert cache_files(tmp_path) == [path]  # no temporary file left


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) - 3],  # cut short
        lambda raw: raw[:-1] + bytes([raw[-1] ^ 0xFF]),  # a flipped byte
        lambda raw: b"",  # empty
        lambda raw: b"not a cache entry at all, just text",
        lambda raw: raw + b"more",  # longer than it says
    ],
    ids=["truncated", "bit-rot", "empty", "foreign", "overlong"],
)
def test_a_damaged_entry_is_never_read_as_bytes(tmp_path: Path, damage) -> None:
    path = tmp_path / "entry"
    write_entry(path, b"x" * 100)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CacheEntryDamaged):
        read_entry(path)


def test_a_missing_entry_says_so(tmp_path: Path) -> None:
    with pytest.raises(CacheEntryMissing):
        read_entry(tmp_path / "nothing")


def test_reading_an_entry_marks_it_used(tmp_path: Path) -> None:
    path = tmp_path / "entry"
    write_entry(path, b"data")
    os.utime(path, (1_000_000, 1_000_000))
    read_entry(path)
    assert path.stat().st_mtime > 1_000_000


def test_a_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError, match="No space"):
        write_entry(tmp_path / "ab" / "abc", b"data")
    assert cache_files(tmp_path) == []


def test_a_pose_is_not_copied_whole_on_its_way_to_disk_and_back(tmp_path: Path) -> None:
    """Writing joined the pose to its header and reading sliced the header off: each a
    whole copy (made under the GIL when a thread of the app did it)."""
    data = os.urandom(8 << 20)
    path = tmp_path / "big"
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        write_entry(path, data)
        write_peak = tracemalloc.get_traced_memory()[1] - before
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        got = read_entry(path)
        read_peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert got == data
    assert write_peak < 1 << 20
    assert read_peak < len(data) + (1 << 20)  # the payload itself, read once


# -- the index ------------------------------------------------------------------------------


async def test_the_index_outlives_the_app(tmp_path: Path) -> None:
    assert await put(DiskCache(tmp_path), "abc123", b"hello")
    again = DiskCache(tmp_path)
    assert await get(again, "abc123") == b"hello"
    assert await again.lookup("def456") is None
    assert again.total_bytes == HEADER + 5


async def test_storing_again_replaces(disk: DiskCache) -> None:
    await put(disk, "k1", b"one")
    await put(disk, "k1", b"two!")
    assert await get(disk, "k1") == b"two!"
    assert disk.total_bytes == HEADER + 4


async def test_an_entry_gone_or_damaged_behind_the_apps_back_is_a_miss(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    await put(cache, "gone", b"x" * 10)
    await put(cache, "bad", b"y" * 10)
    (tmp_path / "go" / "gone").unlink()
    (tmp_path / "ba" / "bad").write_bytes(b"rot")
    assert await get(cache, "gone") is None
    assert await get(cache, "bad") is None
    assert not (tmp_path / "ba" / "bad").exists()
    assert await cache.lookup("gone") is None
    assert await cache.lookup("bad") is None
    assert cache.total_bytes == 0


async def test_evicts_least_recently_used_beyond_max_bytes(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=3 * (HEADER + 100))
    for key in ("a1", "b2", "c3"):
        await put(cache, key, key.encode() * 50)
    assert await cache.lookup("a1") is not None  # a1 is now the most recently used
    await put(cache, "d4", b"d" * 100)

    assert await cache.lookup("b2") is None
    assert {p.name for p in cache_files(tmp_path)} == {"a1", "c3", "d4"}
    assert cache.total_bytes <= cache.max_bytes
    assert sum(p.stat().st_size for p in cache_files(tmp_path)) <= cache.max_bytes


async def test_a_smaller_limit_after_a_restart_trims_the_oldest(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    for n, key in enumerate(("old", "mid", "new")):
        await put(cache, key, b"z" * 100)
        path = tmp_path / key[:2] / key
        os.utime(path, (1_000_000 + n, 1_000_000 + n))  # explicit ages, no sleeping
    smaller = DiskCache(tmp_path, max_bytes=2 * (HEADER + 100))
    assert await smaller.lookup("new") is not None
    assert {p.name for p in cache_files(tmp_path)} == {"mid", "new"}


async def test_an_entry_larger_than_the_cache_is_not_stored(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=100)
    assert await put(cache, "small", b"s" * 10)
    assert not await put(cache, "big", b"b" * 200)
    assert await get(cache, "small") == b"s" * 10


async def test_discard(disk: DiskCache) -> None:
    await put(disk, "k1", b"one")
    await disk.discard("k1")
    await disk.discard("never-there")
    assert await disk.lookup("k1") is None
    assert cache_files(disk.root) == []
    assert disk.total_bytes == 0


async def test_an_unreadable_folder_degrades_to_uncached_with_one_warning(
    tmp_path: Path, caplog
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache folder cannot be made under a file")
    cache = DiskCache(blocker / "cache")
    with caplog.at_level(logging.WARNING):
        for n in range(3):
            assert await cache.lookup(f"k{n}") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "images are not cached" in warnings[0].getMessage()


async def test_a_missing_folder_is_made_by_the_first_store(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "not" / "yet")
    assert await cache.lookup("k1") is None
    await put(cache, "k1", b"data")
    assert await get(cache, "k1") == b"data"


async def test_stale_temporary_files_are_removed_fresh_ones_kept(tmp_path: Path) -> None:
    shard = tmp_path / "k1"
    shard.mkdir()
    stale, fresh = shard / ".tmp-stale", shard / ".tmp-fresh"
    stale.write_bytes(b"left by a crash")
    fresh.write_bytes(b"another process is writing this")
    os.utime(stale, (1_000_000, 1_000_000))
    await DiskCache(tmp_path).lookup("k1")
    assert not stale.exists()
    assert fresh.exists()


@pytest.mark.parametrize("key", ["../escape", "a/b", "", "x" * 200, "dot.dot"])
async def test_keys_that_are_not_plain_names_are_refused(disk: DiskCache, key: str) -> None:
    with pytest.raises(ValueError, match="not a cache key"):
        await disk.lookup(key)
    with pytest.raises(ValueError, match="not a cache key"):
        disk.path_of(key)
