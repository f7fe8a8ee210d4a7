"""MemoryCache: an LRU bounded by bytes."""

from __future__ import annotations

from reviewer.review.images import DecodedImage
from reviewer.review.images._memory_cache import MemoryCache


def image(nbytes: int) -> DecodedImage:
    return DecodedImage(nbytes // 4, 1, b"\0" * nbytes, nbytes // 4, 1, "PNG")


def test_evicts_least_recently_used_beyond_the_budget() -> None:
    cache = MemoryCache(1000)
    cache.put("a", image(400))
    cache.put("b", image(400))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", image(400))
    assert "b" not in cache
    assert "a" in cache
    assert "c" in cache
    assert cache.nbytes == 800 <= 1000


def test_replacing_an_entry_counts_its_bytes_once() -> None:
    cache = MemoryCache(1000)
    cache.put("a", image(400))
    cache.put("a", image(600))
    assert (len(cache), cache.nbytes) == (1, 600)
    cache.discard("a")
    assert (len(cache), cache.nbytes) == (0, 0)


def test_an_image_larger_than_the_budget_is_not_kept_and_evicts_nothing() -> None:
    cache = MemoryCache(1000)
    cache.put("a", image(400))
    cache.put("huge", image(2000))
    assert "huge" not in cache
    assert "a" in cache
    assert cache.nbytes == 400


def test_clear_empties() -> None:
    cache = MemoryCache(1000)
    cache.put("a", image(400))
    cache.clear()
    assert (len(cache), cache.nbytes, cache.get("a")) == (0, 0, None)
