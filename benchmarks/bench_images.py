"""Figures for the image pipeline: decode cost per format, cache hit latency, prefetch time.

Run from the repository root: ``python -m benchmarks.bench_images``. Prints medians;
asserts nothing. The network is an ``httpx.MockTransport`` (optionally with a fixed
latency per request), so the figures measure this code, not a real link.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import PIL

from reviewer.api import SYNTHESIZED_POSES, AsyncAurousClient, Character, Ref
from reviewer.imaging.cache_file import read_entry, write_entry
from reviewer.imaging.decode import decode_image
from reviewer.review.images import DiskCache, ImagePipeline, client_downloader, image_key
from tests.review.images.pictures import encode, picture

SIDE = 1024
GRID = 512
MAX_PIXELS = 64_000_000
FORMATS: dict[str, dict[str, Any]] = {
    "PNG": {},
    "JPEG": {"quality": 90},
    "WEBP": {"quality": 90},
}
DECODE_RUNS = 15
HIT_RUNS = 2000
DISK_RUNS = 50
PREFETCH_RUNS = 7
LATENCY = 0.040  # seconds a simulated request takes before its first byte
T0 = datetime(2026, 5, 8, 10, tzinfo=UTC)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e3:8.2f} ms"


def median_us(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e6:8.1f} µs"


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


async def timed_async(fn: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - start)
    return samples


def sample_images() -> dict[str, list[bytes]]:
    """Per format, one 1024² image per pose (different seeds, so nothing is shared)."""
    return {
        fmt: [encode(picture(SIDE, SIDE, seed=n), fmt, **params) for n in range(8)]
        for fmt, params in FORMATS.items()
    }


def characters(images: list[bytes]) -> tuple[list[Character], dict[str, bytes]]:
    """Two characters of four poses over ``images``, and what storage serves per path."""
    served: dict[str, bytes] = {}
    chars = []
    for c in range(2):
        refs = []
        for p, pose in enumerate(SYNTHESIZED_POSES):
            path = f"/storage/char_{c}/{pose}.bin"
            served[path] = images[c * 4 + p]
            refs.append(Ref(pose, f"https://storage.example{path}?token=t"))
        chars.append(
            Character(
                id=f"char_{c}",
                name=f"Character {c}",
                status="reviewing",
                refs=tuple(refs),
                created_at=T0,
                updated_at=T0,
            )
        )
    return chars, served


def storage(served: dict[str, bytes], latency: float) -> httpx.MockTransport:
    async def handle(request: httpx.Request) -> httpx.Response:
        if latency:
            await asyncio.sleep(latency)
        return httpx.Response(200, content=served[request.url.path])

    return httpx.MockTransport(handle)


async def no_refresh(character_id: str) -> Character:
    raise AssertionError("the benchmark's URLs never expire")


# -- the figures ------------------------------------------------------------------------------


def bench_decode(images: dict[str, list[bytes]]) -> list[str]:
    rows = [
        f"decode + scale, one thread, {SIDE}×{SIDE} source (median of {DECODE_RUNS})",
        f"  {'format':<6} {'file size':>10} {f'→ {GRID} px':>12} {'→ full':>12}",
    ]
    for fmt, encoded in images.items():
        data = encoded[0]
        grid = timed(partial(decode_image, data, max_side=GRID, max_pixels=MAX_PIXELS), DECODE_RUNS)
        full = timed(partial(decode_image, data, max_side=None, max_pixels=MAX_PIXELS), DECODE_RUNS)
        rows.append(
            f"  {fmt:<6} {len(data) / 1024:>7.0f} KB {median_ms(grid):>12} {median_ms(full):>12}"
        )
    return rows


async def bench_caches(images: list[bytes], root: Path) -> list[str]:
    chars, served = characters(images)
    async with AsyncAurousClient(
        api_key="al_live_" + "0" * 64, transport=storage(served, 0.0)
    ) as client:
        pipeline = ImagePipeline(download=client_downloader(client), refresh=no_refresh)
        c = chars[0]
        grid = await pipeline.load(c, "front", max_side=GRID)
        full = await pipeline.load(c, "front")
        load_hit = await timed_async(lambda: pipeline.load(c, "front", max_side=GRID), HIT_RUNS)
        peek_hit = timed(lambda: pipeline.peek(c, "front", max_side=GRID), HIT_RUNS)
        await pipeline.aclose()

    key = image_key(c, "front")
    assert key is not None
    entry = DiskCache(root / "hits").path_of(key)
    write_entry(entry, served["/storage/char_0/front.bin"])
    # What a decoder does for a disk hit before it decodes (in its worker process).
    disk_hit = await timed_async(lambda: asyncio.to_thread(read_entry, entry), DISK_RUNS)
    return [
        f"cache hits, PNG {SIDE}×{SIDE} (median)",
        f"  memory, await load()   {median_us(load_hit)}",
        f"  memory, peek()         {median_us(peek_hit)}",
        f"  disk, read_entry() {len(served['/storage/char_0/front.bin']) / 1024:.0f} KB"
        f"   {median_ms(disk_hit)}",
        "decoded bytes per cached image",
        f"  {grid.width}×{grid.height} grid     {grid.nbytes / 2**20:8.2f} MiB",
        f"  {full.width}×{full.height} full   {full.nbytes / 2**20:8.2f} MiB",
    ]


async def prefetch_once(
    chars: list[Character], served: dict[str, bytes], latency: float, disk: DiskCache | None
) -> float:
    async with AsyncAurousClient(
        api_key="al_live_" + "0" * 64, transport=storage(served, latency)
    ) as client:
        pipeline = ImagePipeline(
            download=client_downloader(client), refresh=no_refresh, disk_cache=disk
        )
        start = time.perf_counter()
        pipeline.prefetch(chars, max_side=GRID)
        await pipeline.wait_prefetched()
        elapsed = time.perf_counter() - start
        stats = pipeline.stats
        await pipeline.aclose()
    expected = (8, 0) if disk is None or not disk.total_bytes else (0, 8)
    assert (stats.downloads, stats.disk_hits) in (expected, (8, 0)), stats
    return elapsed


async def bench_prefetch(images: dict[str, list[bytes]], root: Path) -> list[str]:
    rows = [
        f"prefetch 2 characters × 4 poses to {GRID} px, decode_workers=2 "
        f"(median of {PREFETCH_RUNS})",
        f"  {'format':<6} {'warm disk':>12} {'network':>12} {f'net +{LATENCY * 1e3:.0f} ms':>12}",
    ]
    for fmt, encoded in images.items():
        chars, served = characters(encoded)
        disk = DiskCache(root / fmt)
        await prefetch_once(chars, served, 0.0, disk)  # fills the disk cache
        warm = [await prefetch_once(chars, served, 0.0, disk) for _ in range(PREFETCH_RUNS)]
        net = [await prefetch_once(chars, served, 0.0, None) for _ in range(PREFETCH_RUNS)]
        slow = [await prefetch_once(chars, served, LATENCY, None) for _ in range(PREFETCH_RUNS)]
        rows.append(f"  {fmt:<6} {median_ms(warm):>12} {median_ms(net):>12} {median_ms(slow):>12}")
    rows.append("  network: MockTransport, no latency; net +N ms: every request waits N ms first")
    return rows


async def run() -> list[str]:
    images = sample_images()
    with tempfile.TemporaryDirectory(prefix="bench-images-") as tmp:
        root = Path(tmp)
        return [
            f"Python {platform.python_version()}, Pillow {PIL.__version__}, {os.cpu_count()} CPUs",
            "",
            *bench_decode(images),
            "",
            *await bench_caches(images["PNG"], root),
            "",
            *await bench_prefetch(images, root),
        ]


def main() -> None:
    for line in asyncio.run(run()):
        print(line)


if __name__ == "__main__":
    main()
