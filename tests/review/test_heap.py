"""The long-lived objects are frozen out of garbage collections, at start and after the
queue has loaded."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import anyio
import pytest

from reviewer.review import ManualClock
from reviewer.review.heap import keep_collections_short
from reviewer.review.session import ReviewSession
from tests.simfixtures import make_sim

pytestmark = pytest.mark.anyio


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    # Frozen objects are never collected: give the rest of the test run its heap back.
    gc.unfreeze()


@pytest.mark.usefixtures("thawed")
async def test_frozen_at_start_and_again_once_the_queue_is_in() -> None:
    h = make_sim(characters=30)
    clock = ManualClock()
    client = h.client()
    session = ReviewSession(client, clock=clock, poll_interval=10)
    keep_collections_short(session)
    at_start = gc.get_freeze_count()
    assert at_start > 0
    await session.start()
    with anyio.fail_after(10):
        while session.loading:  # noqa: ASYNC110 - fed by many signals
            await anyio.sleep(0.001)
    entries = session.queue.all_entries()
    assert len(entries) > 0
    # The loaded queue's objects went into the frozen generation with the rest.
    assert gc.get_freeze_count() > at_start
    assert not any(gc.is_tracked(e) and e in gc.get_objects(generation=2) for e in entries[:3])
    await session.aclose(flush=False)
    await client.aclose()
