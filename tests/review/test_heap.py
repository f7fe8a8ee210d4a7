"""The long-lived objects are frozen out of garbage collections, at start and after the
queue has loaded."""

from __future__ import annotations

import gc
import platform
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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


_FAULTS_OF_A_NEW_BLOCK = """
import resource, sys
from reviewer.review.heap import reuse_freed_memory
if sys.argv[1] == "reuse":
    assert reuse_freed_memory()
size = 4 * 1024 * 1024
block = bytearray(size)  # a pose's pixels, once
del block
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = bytearray(size)  # the next pose's, written through (bytearray zeroes it)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="glibc's allocator",
)
def test_a_new_pose_sized_block_reuses_freed_memory_instead_of_faulting_in_pages() -> None:
    def faults(mode: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", _FAULTS_OF_A_NEW_BLOCK, mode],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        return int(done.stdout.split()[-1])

    assert faults("default") > 500  # a fault for each 4 KB page of 4 MB, mapped anew
    assert faults("reuse") < 50
