"""ImagePipeline against a fake storage host: caching, sharing, renewal, errors, shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from reviewer.api import APIConnectionError, AsyncAurousClient, Character, NotFoundError
from reviewer.imaging.decode import decode_image
from reviewer.imaging.worker import Decode, Job
from reviewer.review.images import (
    DecodedImage,
    DiskCache,
    ImageLoadError,
    ImagePipeline,
    client_downloader,
    image_key,
)
from reviewer.review.images._decoders import DECODE_NICENESS, ThreadDecoder

from .conftest import FakeAurous, MakePipeline, cache_files, entry_of, png, store_in
from .pictures import encode, picture

pytestmark = pytest.mark.anyio


def token(request: httpx.Request) -> str:
    return str(request.url.params["token"])


# -- decoding through the network -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
async def test_decodes_whatever_the_extension_and_content_type_say(
    fake: FakeAurous, make_pipeline: MakePipeline, fmt: str
) -> None:
    fake.content_type = "image/png"  # a lie for two of the three
    c = fake.add("char_1", encode(picture(600, 300), fmt))
    image = await make_pipeline().load(c, "front", max_side=256)
    assert image.format == fmt
    assert (image.width, image.height) == (256, 128)
    assert (image.source_width, image.source_height) == (600, 300)


async def test_full_resolution_and_grid_size(fake: FakeAurous, make_pipeline: MakePipeline) -> None:
    c = fake.add("char_1", png(1200, 900))
    pipeline = make_pipeline()
    full = await pipeline.load(c, "side")
    grid = await pipeline.load(c, "side", max_side=500)
    assert (full.width, full.height) == (1200, 900)
    assert (grid.width, grid.height) == (512, 384)  # the 512 bucket: never smaller than asked
    assert len(fake.storage_requests) == 1  # the grid size came from the full one in memory
    assert pipeline.stats.decodes == 2


async def test_no_pose_no_image(fake: FakeAurous, make_pipeline: MakePipeline) -> None:
    c = fake.add("char_1", png(), poses=["front"])
    with pytest.raises(ImageLoadError, match="could not load the back pose of Aurora: it has no"):
        await make_pipeline().load(c, "back")


# -- memory cache ---------------------------------------------------------------------------


async def test_a_second_load_is_a_memory_hit(fake: FakeAurous, make_pipeline: MakePipeline) -> None:
    c = fake.add("char_1", png(800, 800))
    pipeline = make_pipeline()
    first = await pipeline.load(c, "front", max_side=256)
    again = await pipeline.load(c, "front", max_side=250)  # same bucket
    assert again is first
    assert pipeline.peek(c, "front", max_side=240) is first
    assert pipeline.peek(c, "front", max_side=None) is None
    assert len(fake.storage_requests) == 1
    stats = pipeline.stats
    assert (stats.downloads, stats.decodes, stats.memory_hits) == (1, 1, 2)
    assert stats.memory_bytes == first.nbytes == 256 * 256 * 4


async def test_each_image_decoded_into_memory_is_announced(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png(800, 800))
    pipeline = make_pipeline()
    announced: list[str] = []

    def decoded(key: str) -> None:
        # Said once it is in memory: a view may peek it at once.
        assert pipeline.peek(c, "front", max_side=256) is not None
        announced.append(key)

    pipeline.decoded.connect(decoded)
    await pipeline.load(c, "front", max_side=256)
    await pipeline.load(c, "front", max_side=250)  # in memory already: nothing decoded
    assert announced == [image_key(c, "front")]


async def test_a_refreshed_token_still_hits_the_cache(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png())
    pipeline = make_pipeline()
    image = await pipeline.load(c, "front", max_side=256)
    fake.expire()
    assert pipeline.peek(fake.character("char_1"), "front", max_side=256) is image


async def test_an_image_smaller_than_the_bucket_is_kept_once(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c, d = fake.add("char_1", png(300, 200)), fake.add("char_2", png(300, 200))
    pipeline = make_pipeline()
    full = await pipeline.load(c, "front")
    assert await pipeline.load(c, "front", max_side=512) is full
    grid = await pipeline.load(d, "front", max_side=512)  # the other way round
    assert await pipeline.load(d, "front") is grid
    assert pipeline.stats.memory_images == 2
    assert pipeline.stats.decodes == 2


async def test_memory_stays_within_its_budget_least_recent_out(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    each = 128 * 128 * 4
    pipeline = make_pipeline(memory_budget_bytes=2 * each + 100)
    chars = [fake.add(f"char_{n}", png(400, 400, seed=n)) for n in range(3)]
    for c in chars[:2]:
        await pipeline.load(c, "front", max_side=128)
    assert pipeline.peek(chars[0], "front", max_side=128) is not None  # char_0 most recent
    await pipeline.load(chars[2], "front", max_side=128)

    assert pipeline.stats.memory_bytes == 2 * each
    assert pipeline.peek(chars[1], "front", max_side=128) is None
    assert pipeline.peek(chars[0], "front", max_side=128) is not None
    await pipeline.load(chars[1], "front", max_side=128)
    assert len(fake.storage_requests) == 4  # the evicted one came back from the network


async def downloading(
    fake: FakeAurous, *loads: Coroutine[Any, Any, DecodedImage]
) -> list[asyncio.Task[DecodedImage]]:
    """Start ``loads`` (all of one image) and return once their one download is under way."""
    fake.close_gate()
    tasks = [asyncio.create_task(load) for load in loads]
    await fake.until(lambda: fake.waiting == 1)
    return tasks


# -- sharing ---------------------------------------------------------------------------------


async def test_concurrent_identical_loads_share_one_download_and_one_decode(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png(700, 700))
    pipeline = make_pipeline()
    a, b = await asyncio.gather(
        pipeline.load(c, "front", max_side=512), pipeline.load(c, "front", max_side=500)
    )
    assert a is b
    assert len(fake.storage_requests) == 1
    assert (pipeline.stats.downloads, pipeline.stats.decodes) == (1, 1)


async def test_concurrent_loads_at_two_sizes_share_one_download(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png(700, 700))
    pipeline = make_pipeline()
    a, b = await asyncio.gather(pipeline.load(c, "front", max_side=128), pipeline.load(c, "front"))
    assert (a.width, b.width) == (128, 700)
    assert len(fake.storage_requests) == 1
    assert pipeline.stats.decodes == 2


async def test_one_caller_giving_up_does_not_cancel_the_others(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png())
    pipeline = make_pipeline()
    quitter, stayer = await downloading(
        fake, pipeline.load(c, "front", max_side=256), pipeline.load(c, "front", max_side=256)
    )
    quitter.cancel()
    fake.open_gate()
    assert (await stayer).width == 64
    assert quitter.cancelled()
    assert fake.cancelled == 0


async def test_when_the_last_caller_gives_up_the_download_stops(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png())
    pipeline = make_pipeline()
    (task,) = await downloading(fake, pipeline.load(c, "front", max_side=256))
    task.cancel()
    await fake.until(lambda: fake.cancelled == 1)
    assert pipeline.stats.downloads == 0


# -- disk cache --------------------------------------------------------------------------------


async def test_the_disk_cache_outlives_the_pipeline(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path
) -> None:
    c = fake.add("char_1", png(500, 500))
    first = await make_pipeline(disk_cache=DiskCache(tmp_path)).load(c, "back", max_side=128)
    later = make_pipeline(disk_cache=DiskCache(tmp_path))
    again = await later.load(c, "back", max_side=128)
    assert again.data == first.data
    assert len(fake.storage_requests) == 1
    assert (later.stats.disk_hits, later.stats.downloads) == (1, 0)


class _Recording(ThreadDecoder):
    """Decodes on a thread and keeps each job it was handed."""

    def __init__(self) -> None:
        super().__init__(1)
        self.jobs: list[Job] = []

    async def run(self, job: Job) -> DecodedImage:
        self.jobs.append(job)
        return await super().run(job)


async def test_cached_bytes_never_pass_through_the_app(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path
) -> None:
    """The decoder reads a disk hit and writes fresh bytes itself: a thread of the app
    doing either took the GIL in the middle of the GUI thread's paints."""
    c = fake.add("char_1", png(300, 300))
    first = _Recording()
    await make_pipeline(disk_cache=DiskCache(tmp_path), decoder=first).load(c, "front")
    (fresh,) = first.jobs
    key = image_key(c, "front")
    assert key is not None
    assert isinstance(fresh, Decode)
    assert fresh.data == fake.images["char_1", "front"]
    assert fresh.store == str(DiskCache(tmp_path).path_of(key))

    later = _Recording()
    pipeline = make_pipeline(disk_cache=DiskCache(tmp_path), decoder=later)
    await pipeline.load(c, "front", max_side=64)
    (hit,) = later.jobs
    assert isinstance(hit, Decode)
    assert (hit.data, hit.source, hit.store) == (b"", fresh.store, None)
    assert (pipeline.stats.disk_hits, pipeline.stats.downloads) == (1, 0)


async def test_fresh_bytes_are_stored_once_for_all_their_sizes(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path
) -> None:
    c = fake.add("char_1", png(300, 300))
    decoder = _Recording()
    pipeline = make_pipeline(disk_cache=DiskCache(tmp_path, max_bytes=1 << 20), decoder=decoder)
    await asyncio.gather(
        pipeline.load(c, "front", max_side=64), pipeline.load(c, "front", max_side=256)
    )
    stores = [job.store for job in decoder.jobs if isinstance(job, Decode)]
    assert len(stores) == 2
    assert stores.count(None) == 1
    assert len(fake.storage_requests) == 1


async def test_a_cached_file_removed_behind_the_apps_back_is_downloaded_quietly(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path, caplog
) -> None:
    c = fake.add("char_1", png())
    await make_pipeline(disk_cache=DiskCache(tmp_path)).load(c, "front")
    pipeline = make_pipeline(disk_cache=DiskCache(tmp_path))
    for path in cache_files(tmp_path):
        path.unlink()
    with caplog.at_level(logging.WARNING):
        image = await pipeline.load(c, "front")
    assert image.format == "PNG"
    assert len(fake.storage_requests) == 2
    assert caplog.text == ""
    assert len(cache_files(tmp_path)) == 1  # stored again


async def test_bytes_whose_decode_was_called_off_before_it_started_are_still_stored(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path
) -> None:
    held = asyncio.Event()
    first_started = asyncio.Event()

    class Held(ThreadDecoder):
        async def run(self, job: Job) -> DecodedImage:
            first_started.set()
            await held.wait()
            return await super().run(job)

    a, b = fake.add("char_a", png(seed=1)), fake.add("char_b", png(seed=2))
    disk = DiskCache(tmp_path)
    pipeline = make_pipeline(disk_cache=disk, decoder=Held(1))
    first = asyncio.ensure_future(pipeline.load(a, "front"))
    await first_started.wait()  # the one decode slot is taken
    second = asyncio.ensure_future(pipeline.load(b, "front"))
    key = image_key(b, "front")
    assert key is not None
    # Downloaded (the fake answers within the loop), and waiting for the decode slot.
    for _ in range(1000):
        if pipeline.stats.downloads == 2:
            break
        await asyncio.sleep(0)
    assert pipeline.stats.downloads == 2
    second.cancel()
    held.set()
    await first
    await pipeline.aclose()
    assert entry_of(disk, key) == fake.images["char_b", "front"]
    assert await disk.lookup(key) is not None


async def test_a_cached_file_that_does_not_decode_is_downloaded_again_once(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path, caplog
) -> None:
    c = fake.add("char_1", png())
    key = image_key(c, "front")
    assert key is not None
    await store_in(DiskCache(tmp_path), key, b"intact on disk, but not an image")
    pipeline = make_pipeline(disk_cache=DiskCache(tmp_path))
    with caplog.at_level(logging.WARNING):
        image = await pipeline.load(c, "front", max_side=64)
    assert image.format == "PNG"
    assert len(fake.storage_requests) == 1
    assert "did not decode" in caplog.text
    assert entry_of(DiskCache(tmp_path), key) == fake.images["char_1", "front"]


async def test_a_cache_that_cannot_forget_a_bad_file_is_bypassed(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path
) -> None:
    class StickyDisk(DiskCache):
        async def discard(self, key: str) -> None:
            pass  # like a read-only folder: the bad file stays

    c = fake.add("char_1", png())
    key = image_key(c, "front")
    assert key is not None
    disk = StickyDisk(tmp_path)
    await store_in(disk, key, b"intact on disk, but not an image")
    image = await make_pipeline(disk_cache=disk).load(c, "front")
    assert image.format == "PNG"
    assert len(fake.storage_requests) == 1


async def test_a_damaged_cache_file_is_downloaded_again(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path
) -> None:
    c = fake.add("char_1", png())
    await make_pipeline(disk_cache=DiskCache(tmp_path)).load(c, "front")
    (path,) = cache_files(tmp_path)
    path.write_bytes(path.read_bytes()[:-10])
    image = await make_pipeline(disk_cache=DiskCache(tmp_path)).load(c, "front")
    assert image.format == "PNG"
    assert len(fake.storage_requests) == 2


async def test_an_unusable_cache_folder_only_costs_the_cache(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path, caplog
) -> None:
    (tmp_path / "file").write_text("not a folder")
    c = fake.add("char_1", png())
    pipeline = make_pipeline(disk_cache=DiskCache(tmp_path / "file" / "cache"))
    with caplog.at_level(logging.WARNING):
        image = await pipeline.load(c, "front", max_side=256)
    assert image.width == 64
    assert "images are not cached" in caplog.text


# -- expired links ---------------------------------------------------------------------------


async def test_an_expired_link_is_renewed_with_exactly_one_refresh(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    stale = fake.add("char_1", png())
    fake.expire()
    pipeline = make_pipeline()
    image = await pipeline.load(stale, "side", max_side=256)
    assert image.width == 64
    assert [token(r) for r in fake.storage_requests] == ["tok1", "tok2"]
    assert [r.url.path for r in fake.api_requests] == ["/v1/characters/char_1"]
    assert pipeline.stats.refreshes == 1


async def test_four_expired_poses_share_one_refresh(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    stale = fake.add("char_1", png())
    fake.expire()
    pipeline = make_pipeline()
    poses = ("portrait", "front", "side", "back")
    await asyncio.gather(*(pipeline.load(stale, p, max_side=128) for p in poses))
    assert len(fake.api_requests) == 1
    assert sorted(token(r) for r in fake.storage_requests) == ["tok1"] * 4 + ["tok2"] * 4


async def test_a_renewed_link_is_used_straight_away_by_later_loads(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    stale = fake.add("char_1", png())
    fake.expire()
    pipeline = make_pipeline()
    await pipeline.load(stale, "front", max_side=128)
    await pipeline.load(stale, "back", max_side=128)  # still the stale character
    assert [token(r) for r in fake.storage_requests] == ["tok1", "tok2", "tok2"]
    assert len(fake.api_requests) == 1


async def test_a_download_failing_after_another_pose_renewed_the_links_needs_no_refresh(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    stale = fake.add("char_1", png())
    fake.expire()
    pipeline = make_pipeline()
    fake.close_gate(pose="back")
    back = asyncio.create_task(pipeline.load(stale, "back", max_side=128))
    await fake.until(lambda: fake.waiting == 1)  # back's stale request is under way
    await pipeline.load(stale, "front", max_side=128)  # fails, refreshes, succeeds
    fake.open_gate()
    await back  # fails too, after the refresh: takes the renewed link
    assert len(fake.api_requests) == 1
    assert pipeline.stats.refreshes == 1
    assert [token(r) for r in fake.storage_requests] == ["tok1", "tok1", "tok2", "tok2"]


async def test_still_failing_after_the_refresh_is_a_clear_error(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png(), name="Aurora")
    fake.storage_status = 403
    pipeline = make_pipeline()
    with pytest.raises(ImageLoadError) as caught:
        await pipeline.load(c, "side", max_side=256)
    error = caught.value
    assert str(error) == (
        "could not load the side pose of Aurora: HTTP 403 Forbidden (the link may have expired)"
    )
    assert (error.character_id, error.pose, error.status_code) == ("char_1", "side", 403)
    assert "tok" not in str(error)
    assert len(fake.storage_requests) == 2
    assert pipeline.stats.refreshes == 1


async def test_a_deleted_character_says_so(fake: FakeAurous, make_pipeline: MakePipeline) -> None:
    c = fake.add("char_1", png(), name="Aurora")
    fake.expire()
    fake.deleted.add("char_1")
    with pytest.raises(
        ImageLoadError, match="front pose of Aurora: the character no longer exists"
    ) as caught:
        await make_pipeline().load(c, "front")
    assert isinstance(caught.value.__cause__, NotFoundError)


async def test_a_failing_refresh_is_reported(fake: FakeAurous, make_pipeline: MakePipeline) -> None:
    c = fake.add("char_1", png())
    fake.expire()

    async def refresh(character_id: str) -> Character:
        raise APIConnectionError("GET /characters/char_1 could not reach api.aurous-labs.com")

    with pytest.raises(
        ImageLoadError, match="front pose of Aurora: its image links could not be renewed"
    ):
        await make_pipeline(refresh=refresh).load(c, "front")


# -- bad bytes ---------------------------------------------------------------------------------


async def test_undecodable_bytes_are_a_clear_error_and_not_cached(
    fake: FakeAurous, make_pipeline: MakePipeline, tmp_path: Path
) -> None:
    c = fake.add("char_1", b"<html>Service temporarily unavailable</html>")
    pipeline = make_pipeline(disk_cache=DiskCache(tmp_path))
    with pytest.raises(
        ImageLoadError, match="front pose of Aurora: the bytes are not a readable image"
    ):
        await pipeline.load(c, "front")
    assert not cache_files(tmp_path)


async def test_a_decompression_bomb_is_refused(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", encode(Image.new("RGB", (3000, 3000)), "PNG"))
    with pytest.raises(ImageLoadError, match=r"too large \(3000×3000 pixels"):
        await make_pipeline(max_pixels=4_000_000).load(c, "front", max_side=256)


# -- progress and secrecy -----------------------------------------------------------------------


async def test_progress_reports_rising_fractions_ending_at_one(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    data = png(300, 300)
    c = fake.add("char_1", data)
    fake.chunk_size = len(data) // 4 + 1
    seen: list[float | None] = []
    await make_pipeline().load(c, "front", max_side=128, on_progress=seen.append)
    assert len(seen) == 4
    assert seen == sorted(seen)  # type: ignore[type-var]
    assert seen[-1] == 1.0
    assert all(f is not None and 0 < f <= 1 for f in seen)


async def test_progress_without_a_length_is_unknown_then_done(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    data = png(300, 300)
    c = fake.add("char_1", data)
    fake.chunk_size = len(data) // 3 + 1
    fake.send_length = False
    seen: list[float | None] = []
    await make_pipeline().load(c, "front", on_progress=seen.append)
    assert seen == [None, None, None, 1.0]


async def test_a_broken_progress_callback_does_not_break_the_load(
    fake: FakeAurous, make_pipeline: MakePipeline, caplog
) -> None:
    c = fake.add("char_1", png())

    def broken(fraction: float | None) -> None:
        raise ValueError("bad widget")

    image = await make_pipeline().load(c, "front", on_progress=broken)
    assert image.width == 64
    assert "progress callback failed" in caplog.text


async def test_the_api_key_is_never_sent_with_a_download(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    stale = fake.add("char_1", png())  # storage is on the API's own host
    fake.expire()
    await make_pipeline().load(stale, "front")
    assert len(fake.storage_requests) == 2
    for request in fake.storage_requests:
        assert "X-Api-Key" not in request.headers
        assert "Authorization" not in request.headers
    assert "X-Api-Key" in fake.api_requests[0].headers  # the refresh does authenticate


# -- shutdown --------------------------------------------------------------------------------------


def decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("image-decode")]


async def test_aclose_stops_everything(fake: FakeAurous, make_pipeline: MakePipeline) -> None:
    chars = [fake.add(f"char_{n}", png(seed=n)) for n in range(2)]
    tasks_before = asyncio.all_tasks()
    pipeline = make_pipeline()
    await pipeline.load(chars[0], "front")  # the decode pool has a thread now
    assert decode_threads()
    fake.close_gate()
    pending = asyncio.create_task(pipeline.load(chars[1], "front"))
    pipeline.prefetch(chars[1:], max_side=128)
    # The shown front downloads; the prefetch's other three wait in line behind it.
    await fake.until(lambda: fake.waiting == 1)

    await pipeline.aclose()

    with pytest.raises(ImageLoadError, match="image loading was stopped"):
        await pending
    assert asyncio.all_tasks() <= tasks_before
    assert decode_threads() == []
    assert fake.cancelled == 1
    assert pipeline.stats.memory_bytes == 0
    with pytest.raises(ImageLoadError, match="has stopped"):
        await pipeline.load(chars[0], "front")
    pipeline.prefetch(chars, max_side=128)  # a no-op now, not an error
    assert asyncio.all_tasks() <= tasks_before
    await pipeline.aclose()  # twice is fine


async def test_a_file_too_large_is_not_refreshed_for(
    fake: FakeAurous, client: AsyncAurousClient
) -> None:
    c = fake.add("char_1", png(), name="Aurora")
    pipeline = ImagePipeline(
        download=client_downloader(client, max_bytes=100), refresh=client.retrieve_character
    )
    try:
        with pytest.raises(ImageLoadError, match="larger than"):
            await pipeline.load(c, "side", max_side=128)
    finally:
        await pipeline.aclose()
    assert pipeline.stats.refreshes == 0
    assert len(fake.storage_requests) == 1


# -- sharing the machine with the window ------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
async def test_decodes_run_nicer_than_the_thread_that_asked(
    fake: FakeAurous, make_pipeline: MakePipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    niceness: list[int] = []

    def decode(data: bytes, **kwargs: Any) -> DecodedImage:
        niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return decode_image(data, **kwargs)

    monkeypatch.setattr("reviewer.imaging.worker.decode_image", decode)
    c = fake.add("char_1", png())
    await make_pipeline().load(c, "front", max_side=32)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert niceness == [min(19, mine + DECODE_NICENESS)]
