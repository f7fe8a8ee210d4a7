"""DiskCache: atomic, checksummed, LRU within max_bytes, and harmless when broken."""

from __future__ import annotations

import logging
import os
import tracemalloc
from pathlib import Path

import pytest

from reviewer.review.images import DiskCache

from .conftest import cache_files

pytestmark = pytest.mark.anyio

HEADER = 20  # bytes the cache adds to each entry


async def test_round_trip_and_persistence_across_instances(tmp_path: Path) -> None:
    await DiskCache(tmp_path).put("abc123", b"hello")
    again = DiskCache(tmp_path)
    assert await again.get("abc123") == b"hello"
    assert await again.get("def456") is None
    assert [p.name for p in cache_files(tmp_path)] == ["abc123"]  # no temporary files left


async def test_a_pose_is_not_copied_whole_on_its_way_to_disk_and_back(disk: DiskCache) -> None:
    """Writing joined the pose to its header and reading sliced the header off: each a
    whole copy made under the GIL, which the GUI thread waited for (~1-2 ms a pose)."""
    data = os.urandom(8 << 20)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        await disk.put("big", data)
        put_peak = tracemalloc.get_traced_memory()[1] - before
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        got = await disk.get("big")
        get_peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert got == data
    assert put_peak < 1 << 20
    assert get_peak < len(data) + (1 << 20)  # the payload itself, read once


async def test_put_replaces(disk: DiskCache) -> None:
    await disk.put("k1", b"one")
    await disk.put("k1", b"two!")
    assert await disk.get("k1") == b"two!"
    assert disk.total_bytes == HEADER + 4


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) - 3],  # cut short
        lambda raw: raw[:-1] + bytes([raw[-1] ^ 0xFF]),  # a flipped byte
        lambda raw: b"",  # empty
        lambda raw: b"not a cache entry at all, just text",
    ],
    ids=["truncated", "bit-rot", "empty", "foreign"],
)
async def test_a_damaged_entry_is_dropped_not_served(tmp_path: Path, damage, caplog) -> None:
    await DiskCache(tmp_path).put("key1", b"x" * 100)
    (path,) = cache_files(tmp_path)
    path.write_bytes(damage(path.read_bytes()))

    cache = DiskCache(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert await cache.get("key1") is None
    assert not path.exists()
    assert "damaged" in caplog.text
    await cache.put("key1", b"fresh")
    assert await cache.get("key1") == b"fresh"


async def test_evicts_least_recently_used_beyond_max_bytes(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=3 * (HEADER + 100))
    for key in ("a1", "b2", "c3"):
        await cache.put(key, key.encode() * 50)
    assert await cache.get("a1") is not None  # a1 is now the most recently used
    await cache.put("d4", b"d" * 100)

    assert await cache.get("b2") is None
    assert {p.name for p in cache_files(tmp_path)} == {"a1", "c3", "d4"}
    assert cache.total_bytes <= cache.max_bytes
    assert sum(p.stat().st_size for p in cache_files(tmp_path)) <= cache.max_bytes


async def test_a_smaller_limit_after_a_restart_trims_the_oldest(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    for n, key in enumerate(("old", "mid", "new")):
        await cache.put(key, b"z" * 100)
        path = tmp_path / key[:2] / key
        os.utime(path, (1_000_000 + n, 1_000_000 + n))  # explicit ages, no sleeping
    smaller = DiskCache(tmp_path, max_bytes=2 * (HEADER + 100))
    assert await smaller.get("new") is not None
    assert {p.name for p in cache_files(tmp_path)} == {"mid", "new"}


async def test_an_entry_larger_than_the_cache_is_not_stored(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=100)
    await cache.put("small", b"s" * 10)
    await cache.put("big", b"b" * 200)
    assert await cache.get("big") is None
    assert await cache.get("small") == b"s" * 10


async def test_discard(disk: DiskCache) -> None:
    await disk.put("k1", b"one")
    await disk.discard("k1")
    await disk.discard("never-there")
    assert await disk.get("k1") is None
    assert disk.total_bytes == 0


async def test_an_unusable_folder_degrades_to_uncached_with_one_warning(
    tmp_path: Path, caplog
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache folder cannot be made under a file")
    cache = DiskCache(blocker / "cache")
    with caplog.at_level(logging.WARNING):
        for n in range(3):
            await cache.put(f"k{n}", b"data")
            assert await cache.get(f"k{n}") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "images are not cached" in warnings[0].getMessage()


async def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "not" / "yet")
    assert await cache.get("k1") is None
    await cache.put("k1", b"data")
    assert await cache.get("k1") == b"data"


async def test_stale_temporary_files_are_removed_fresh_ones_kept(tmp_path: Path) -> None:
    shard = tmp_path / "k1"
    shard.mkdir()
    stale, fresh = shard / ".tmp-stale", shard / ".tmp-fresh"
    stale.write_bytes(b"left by a crash")
    fresh.write_bytes(b"another process is writing this")
    os.utime(stale, (1_000_000, 1_000_000))
    await DiskCache(tmp_path).get("k1")
    assert not stale.exists()
    assert fresh.exists()


@pytest.mark.parametrize("key", ["../escape", "a/b", "", "x" * 200, "dot.dot"])
async def test_keys_that_are_not_plain_names_are_refused(disk: DiskCache, key: str) -> None:
    with pytest.raises(ValueError, match="not a cache key"):
        await disk.put(key, b"data")
