"""Images that failed to load (the network was away) load again by themselves."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from reviewer.review.feed import ImageFeed, ImageRequest

from .conftest import FakeAurous, MakePipeline, png

pytestmark = pytest.mark.anyio


async def until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(10):
        while not condition():  # noqa: ASYNC110 - fed by signals from several tasks
            await anyio.sleep(0.001)


async def test_failed_images_still_wanted_load_again_on_retry(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png(64, 64))
    feed = ImageFeed(make_pipeline())
    loaded: list[str] = []
    failed: list[str] = []
    feed.loaded.connect(lambda slot, req, image: loaded.append(req.pose))
    feed.failed.connect(lambda slot, req, message: failed.append(req.pose))
    fake.storage_status = 503  # storage cannot be reached
    feed.request("grid", [ImageRequest(c, "front", 64), ImageRequest(c, "side", 64)])
    await until(lambda: len(failed) == 2)
    # The reviewer moved on from "side": only "front" is still wanted there.
    feed.request("grid", [ImageRequest(c, "front", 64)])
    fake.storage_status = None  # back
    feed.retry_failed()
    await until(lambda: loaded == ["front"])
    feed.retry_failed()  # nothing failed any more: nothing loads twice
    assert sum(1 for r in fake.storage_requests if "front" in r.url.path) <= 3
    feed.cancel()


async def test_a_tile_says_plainly_that_the_connection_is_down(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png(64, 64))
    feed = ImageFeed(make_pipeline())
    messages: list[str] = []
    feed.failed.connect(lambda slot, req, message: messages.append(message))
    fake.unreachable = True
    feed.request("grid", [ImageRequest(c, "back", 64)])
    await until(lambda: bool(messages))
    assert messages == [
        "Can't load the back pose: the connection is down. "
        "It loads by itself when the connection is back."
    ]
    feed.cancel()


async def test_a_closed_feed_loads_nothing_more(
    fake: FakeAurous, make_pipeline: MakePipeline
) -> None:
    c = fake.add("char_1", png(64, 64))
    feed = ImageFeed(make_pipeline())
    feed.close()
    # Regression: a repaint while the window closed asked for images with no loop left.
    feed.request("grid", [ImageRequest(c, "front", 64)])
    feed.add("thumbs", ImageRequest(c, "portrait", 44))
    assert not any(feed._slots.values())  # no load was started
