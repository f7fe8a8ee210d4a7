"""ImagePipeline.prefetch: warms the caches, and a newer call drops work no longer wanted."""

from __future__ import annotations

import asyncio
import logging

import pytest

from reviewer.api import SYNTHESIZED_POSES, Character
from reviewer.review.images import ImagePipeline

from .conftest import FakeAurous, MakePipeline, png

pytestmark = pytest.mark.anyio


def requested(fake: FakeAurous, character: Character) -> int:
    return sum(1 for r in fake.storage_requests if f"/{character.id}/" in r.url.path)


def in_memory(pipeline: ImagePipeline, character: Character, max_side: int = 512) -> int:
    return sum(
        pipeline.peek(character, pose, max_side=max_side) is not None for pose in SYNTHESIZED_POSES
    )


async def held_prefetch(
    fake: FakeAurous, pipeline: ImagePipeline, characters: list[Character]
) -> None:
    """Prefetch ``characters`` and return once all their downloads wait at the closed gate."""
    fake.close_gate()
    pipeline.prefetch(characters, max_side=512)
    await fake.until(lambda: fake.waiting == 4 * len(characters))


async def test_prefetch_warms_the_memory_cache(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    chars = [fake.add(f"char_{n}", png(900, 900, seed=n)) for n in range(2)]
    pipeline = make_pipeline()
    pipeline.prefetch(chars, max_side=512)
    await pipeline.wait_prefetched()

    assert [in_memory(pipeline, c) for c in chars] == [4, 4]
    image = await pipeline.load(chars[1], "side", max_side=500)
    assert (image.width, image.height) == (512, 512)
    assert len(fake.storage_requests) == 8
    assert pipeline.stats.decodes == 8


async def test_prefetch_skips_what_is_in_memory_and_poses_without_a_ref(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png(900, 900), poses=["portrait", "front"])
    pipeline = make_pipeline()
    await pipeline.load(c, "front", max_side=512)
    pipeline.prefetch([c], max_side=512)
    await pipeline.wait_prefetched()
    assert [r.url.path for r in fake.storage_requests] == [
        "/storage/char_1/front.bin",
        "/storage/char_1/portrait.bin",
    ]


async def test_a_new_prefetch_cancels_the_pending_work_of_the_last(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    first, second = (fake.add(f"char_{n}", png(seed=n)) for n in range(2))
    pipeline = make_pipeline()
    await held_prefetch(fake, pipeline, [first])

    pipeline.prefetch([second], max_side=512)
    await fake.until(lambda: fake.cancelled == 4)
    fake.open_gate()
    await pipeline.wait_prefetched()

    assert (in_memory(pipeline, first), in_memory(pipeline, second)) == (0, 4)
    assert pipeline.stats.downloads == 4


async def test_work_both_prefetches_want_carries_on(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    a, b, c = (fake.add(f"char_{n}", png(seed=n)) for n in range(3))
    pipeline = make_pipeline()
    await held_prefetch(fake, pipeline, [a, b])

    pipeline.prefetch([b, c], max_side=512)
    await fake.until(lambda: fake.cancelled == 4 and fake.waiting == 8)
    fake.open_gate()
    await pipeline.wait_prefetched()

    assert [in_memory(pipeline, x) for x in (a, b, c)] == [0, 4, 4]
    assert [requested(fake, x) for x in (a, b, c)] == [4, 4, 4]  # b downloaded once
    assert fake.cancelled == 4


async def test_a_new_prefetch_never_cancels_a_load_someone_awaits(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    first, second = (fake.add(f"char_{n}", png(seed=n)) for n in range(2))
    pipeline = make_pipeline()
    await held_prefetch(fake, pipeline, [first])
    awaited = asyncio.create_task(pipeline.load(first, "front", max_side=512))
    await asyncio.sleep(0)  # one loop turn, not a wait: the new task joins the prefetch's work

    pipeline.prefetch([second], max_side=512)
    await fake.until(lambda: fake.cancelled == 3)
    fake.open_gate()

    assert (await awaited).width == 64
    await pipeline.wait_prefetched()
    assert fake.cancelled == 3
    assert (in_memory(pipeline, first), in_memory(pipeline, second)) == (1, 4)


async def test_an_empty_prefetch_cancels_everything_prefetched(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png())
    pipeline = make_pipeline()
    await held_prefetch(fake, pipeline, [c])
    pipeline.prefetch([], max_side=512)
    await fake.until(lambda: fake.cancelled == 4)
    await pipeline.wait_prefetched()
    assert pipeline.stats.downloads == 0


async def test_prefetch_failures_are_logged_not_lost(
    fake: FakeAurous, make_pipeline: MakePipeline, caplog
) -> None:
    c = fake.add("char_1", png(), name="Aurora", poses=["portrait"])
    fake.storage_status = 500
    pipeline = make_pipeline()
    with caplog.at_level(logging.WARNING):
        pipeline.prefetch([c], max_side=512)
        await pipeline.wait_prefetched()
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert messages == [
        "prefetch: could not load the portrait pose of Aurora: HTTP 500 Internal Server Error"
    ]


async def test_an_unexpected_prefetch_failure_is_logged_with_its_traceback(
    fake: FakeAurous, make_pipeline: MakePipeline, caplog
) -> None:
    c = fake.add("char_1", png(), poses=["portrait"])
    fake.expire()

    async def refresh(character_id: str) -> Character:
        raise RuntimeError("a bug in the session")

    pipeline = make_pipeline(refresh=refresh)
    pipeline.prefetch([c], max_side=512)
    await pipeline.wait_prefetched()
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None
    assert "a bug in the session" in str(record.exc_info[1])
