"""What is on screen loads first: the priority gate, and the pipeline's order under it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from reviewer.api import Character
from reviewer.imaging import decode as _decode
from reviewer.imaging import worker as _worker
from reviewer.review.images import DecodedImage, ImagePipeline, Priority
from reviewer.review.images._priority import PriorityGate

from .conftest import FakeAurous, MakePipeline, png

pytestmark = pytest.mark.anyio


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)  # loop turns, not a wait for time


async def test_a_freed_slot_goes_to_the_most_urgent_waiter_then_first_come() -> None:
    urgency = {"a": 2, "b": 1, "c": 2, "d": 0}
    gate: PriorityGate[str] = PriorityGate(1, urgency.__getitem__)
    order: list[str] = []
    release = asyncio.Event()

    async def work(key: str) -> None:
        async with gate.slot(key):
            order.append(key)
            if key == "first":
                await release.wait()

    urgency["first"] = 0
    tasks = [asyncio.create_task(work("first"))]
    await settle()
    tasks += [asyncio.create_task(work(k)) for k in "abcd"]
    await settle()
    assert (gate.busy, gate.waiting) == (1, 4)
    urgency["c"] = 0  # promoted while it waits: it was asked for on screen meanwhile
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first", "c", "d", "b", "a"]
    assert (gate.busy, gate.waiting) == (0, 0)


async def test_a_cancelled_waiter_gives_its_place_and_its_slot_back() -> None:
    gate: PriorityGate[str] = PriorityGate(1, lambda _key: 0)
    await gate._acquire("holder")
    waiting = asyncio.create_task(gate._acquire("waiting"))
    granted = asyncio.create_task(gate._acquire("granted"))
    await settle()
    waiting.cancel()
    await settle()
    assert (gate.busy, gate.waiting) == (1, 1)
    gate._release()  # the holder is done: the slot is handed to "granted"...
    granted.cancel()  # ...which is cancelled before it could run: the slot comes back
    await asyncio.gather(waiting, granted, return_exceptions=True)
    assert (gate.busy, gate.waiting) == (0, 0)
    async with gate.slot("later"):
        assert gate.busy == 1


async def test_a_slot_freed_while_a_cancelled_waiter_has_not_run_yet_goes_to_the_next() -> None:
    # Seen in CI: a prefetch cancelled in the same loop turn a slot was freed. Its future is
    # cancelled at once, its task runs later; the freed slot was handed to it
    # (InvalidStateError in the releasing task), and the waiter behind it never got one.
    gate: PriorityGate[str] = PriorityGate(1, lambda _key: 0)
    await gate._acquire("holder")
    cancelled = asyncio.create_task(gate._acquire("cancelled"))
    behind = asyncio.create_task(gate._acquire("behind"))
    await settle()
    cancelled.cancel()  # its future is cancelled now; its task has not run yet
    gate._release()
    await asyncio.wait_for(behind, timeout=5)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert (gate.busy, gate.waiting) == (1, 0)
    gate._release()
    assert (gate.busy, gate.waiting) == (0, 0)


def downloaded(fake: FakeAurous) -> list[str]:
    return [
        r.url.path.removeprefix("/storage/").removesuffix(".bin") for r in fake.storage_requests
    ]


async def one_download_at_a_time(
    fake: FakeAurous, make_pipeline: MakePipeline, prefetched: list[Character]
) -> ImagePipeline:
    """A pipeline with one download slot, busy with a prefetch held at the closed gate."""
    fake.close_gate()
    pipeline = make_pipeline(download_slots=1)
    pipeline.prefetch(prefetched, max_side=256)
    await fake.until(lambda: fake.waiting == 1)
    return pipeline


async def test_what_is_shown_downloads_before_thumbnails_and_prefetch(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    ahead, current, listed = (fake.add(f"char_{n}", png(seed=n)) for n in range(3))
    pipeline = await one_download_at_a_time(fake, make_pipeline, [ahead])
    thumb = asyncio.create_task(
        pipeline.load(listed, "portrait", max_side=64, priority=Priority.GLANCE)
    )
    shown = [
        asyncio.create_task(pipeline.load(current, p, max_side=256)) for p in ("front", "back")
    ]
    await settle()
    fake.open_gate()
    await asyncio.gather(thumb, *shown)
    await pipeline.wait_prefetched()

    assert downloaded(fake) == [
        "char_0/portrait",  # under way before the others were asked for
        "char_1/front",
        "char_1/back",
        "char_2/portrait",
        "char_0/front",
        "char_0/side",
        "char_0/back",
    ]


async def test_prefetched_work_the_reviewer_moves_to_goes_first(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    ahead, further = (fake.add(f"char_{n}", png(seed=n)) for n in range(2))
    pipeline = await one_download_at_a_time(fake, make_pipeline, [ahead, further])
    # The reviewer moves to the prefetched character: its loads join the prefetch's work.
    shown = asyncio.create_task(pipeline.load(further, "back", max_side=256))
    await settle()
    fake.open_gate()
    await shown
    await pipeline.wait_prefetched()

    order = downloaded(fake)
    assert order[:2] == ["char_0/portrait", "char_1/back"]
    assert sorted(order) == sorted(
        f"char_{n}/{p}" for n in (0, 1) for p in ("portrait", "front", "side", "back")
    )


async def test_decodes_wait_for_a_free_thread_in_priority_order(
    fake: FakeAurous, make_pipeline: MakePipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead, current = (fake.add(f"char_{n}", png(seed=n)) for n in range(2))
    owners = {png(seed=0): "ahead", png(seed=1): "current"}
    decoded: list[str] = []
    real_decode = _decode.decode_image

    def decode(data: bytes, **kwargs: Any) -> DecodedImage:
        decoded.append(owners[data])  # list.append is atomic: safe from the decode thread
        return real_decode(data, **kwargs)

    monkeypatch.setattr(_worker, "decode_image", decode)
    pipeline = make_pipeline(decode_workers=1)
    pipeline.prefetch([ahead], max_side=256)
    shown = await pipeline.load(current, "side", max_side=256)
    await pipeline.wait_prefetched()

    assert shown.width == 64
    # Its bytes came last, but it waited only for the decode that was running.
    assert decoded.index("current") <= 1
    assert sorted(decoded) == ["ahead"] * 4 + ["current"]


async def test_nothing_else_starts_while_what_is_shown_loads(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    current, ahead, listed = (fake.add(f"char_{n}", png(seed=n)) for n in range(3))
    fake.close_gate()
    pipeline = make_pipeline(download_slots=8)
    shown = asyncio.create_task(pipeline.load(current, "front", max_side=256))
    await fake.until(lambda: fake.waiting == 1)
    pipeline.prefetch([ahead], max_side=256)
    thumb = asyncio.create_task(
        pipeline.load(listed, "portrait", max_side=64, priority=Priority.GLANCE)
    )
    await settle()
    assert fake.waiting == 1  # slots are free, yet nothing else went out

    # Moved to the prefetched character: its loads start at once, beside the other.
    moved = asyncio.create_task(pipeline.load(ahead, "back", max_side=256))
    await fake.until(lambda: fake.waiting == 2)

    fake.open_gate()
    await asyncio.gather(shown, moved, thumb)
    await pipeline.wait_prefetched()
    order = downloaded(fake)
    assert order[:2] == ["char_0/front", "char_1/back"]
    assert sorted(order[2:]) == [
        "char_1/front",
        "char_1/portrait",
        "char_1/side",
        "char_2/portrait",
    ]
