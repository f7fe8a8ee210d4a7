"""Figures for the queue: what a poll of a long list costs on the GUI thread.

Run from the repository root: ``python -m benchmarks.bench_queue``. The Qt list model is
attached (offscreen), as in the app, so row signals are paid for too.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from reviewer.api import Character
from reviewer.review.queue import ReviewQueue
from reviewer.ui.queue_view import QueueModel, Thumbnails
from tests.review.factories import character

SIZES = (100, 500, 2000)
RUNS = 5


def _median_ms(fn: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _loaded(chars: list[Character]) -> ReviewQueue:
    queue = ReviewQueue()
    queue.model = QueueModel(queue, Thumbnails(None))  # type: ignore[attr-defined]
    for c in reversed(chars):  # as pages arrive: newest first
        queue.upsert(c)
    return queue


def _measure(size: int) -> tuple[float, float, float]:
    chars = [character(n) for n in range(size)]
    batches = [[replace(c, name=c.name + "!") for c in chars], chars]
    first = _median_ms(lambda: _loaded(chars))
    queue = _loaded(chars)
    unchanged = _median_ms(lambda: [queue.upsert(c) for c in chars])

    def all_changed() -> None:
        batches.reverse()
        for c in batches[0]:
            queue.upsert(c)

    return first, unchanged, _median_ms(all_changed)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    print("queue with its Qt model attached; median of 5 runs\n")
    print(f"{'characters':>10} {'first load':>11} {'poll, no change':>16} {'all changed':>12}")
    for size in SIZES:
        first, unchanged, changed = _measure(size)
        print(f"{size:>10} {first:>8.1f} ms {unchanged:>13.2f} ms {changed:>9.1f} ms")
    del app


if __name__ == "__main__":
    main()
