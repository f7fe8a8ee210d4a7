"""Storage's rendered images: the finished ones, the renders under way, and the renders
made ahead while a run is still synthesizing.

Real storage holds a pose's bytes by the time its character is in review; drawing one
takes this simulator about 0.1 s (1024²), so without rendering ahead every first download
would wait for it. A download and the renderer-ahead share one render per object, and a
download never queues behind the work ahead: it takes an image the renderer has not
started yet and draws it itself.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future

from ._model import StoredObject
from ._render import render

__all__ = ["Image", "RenderedImages"]

Image = tuple[bytes, str]  # encoded bytes, content type
CACHE_SIZE = 256


class RenderedImages:
    """``wanted(obj)``: whether storage still holds (or a run will store) the object; it
    is called under ``lock``, the simulator's own."""

    def __init__(
        self,
        size: int,
        lock: threading.RLock,
        wanted: Callable[[StoredObject], bool],
        capacity: int = CACHE_SIZE,
    ) -> None:
        self._size = size
        self._lock = lock
        self._wanted = wanted
        self._capacity = capacity
        self._done: collections.OrderedDict[str, Image] = collections.OrderedDict()
        self._flights: dict[str, Future[Image]] = {}
        self._ahead: collections.deque[StoredObject] = collections.deque()
        self._worker: threading.Thread | None = None
        self._idle = threading.Condition(lock)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._done

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)

    def claim(self, obj: StoredObject) -> tuple[Future[Image], Callable[[], None] | None]:
        """The object's image as a future, and the drawing the caller must run (on a
        thread, to the end, whoever still waits) when no one has started it; None when
        the future is in hand already."""
        return self._claim(obj)

    def _claim(self, obj: StoredObject) -> tuple[Future[Image], Callable[[], None] | None]:
        """The object's image as a future, and the drawing to run when no one has
        started it (None when the future is in hand already)."""
        with self._lock:
            future: Future[Image] = Future()
            hit = self._done.get(obj.key)
            if hit is not None:
                self._done.move_to_end(obj.key)
                future.set_result(hit)
                return future, None
            flight = self._flights.get(obj.key)
            if flight is not None:
                return flight, None
            # Running from now on, so a waiter that gives up (asyncio.wrap_future cancels
            # on its way out) cannot cancel what the others wait for.
            future.set_running_or_notify_cancel()
            self._flights[obj.key] = future
            return future, lambda: self._render(obj, future)

    def render_ahead(self, objects: Iterable[StoredObject]) -> None:
        """Render these in the background, one at a time, oldest first."""
        with self._lock:
            self._ahead.extend(objects)
            if self._ahead and self._worker is None:
                # Lives only while there is work, so an idle simulator holds no thread.
                self._worker = threading.Thread(
                    target=self._work, name="sim-render-ahead", daemon=True
                )
                self._worker.start()

    @property
    def pending(self) -> int:
        """Renders queued ahead or under way."""
        with self._lock:
            return len(self._ahead) + len(self._flights)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is left to render ahead; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._worker is None, timeout)

    def forget(self, stored: Callable[[str], bool]) -> None:
        """Drop the images whose object key storage no longer holds (a hard delete)."""
        with self._lock:
            for key in [k for k in self._done if not stored(k)]:
                del self._done[key]

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._ahead:
                    self._worker = None
                    self._idle.notify_all()
                    return
                obj = self._ahead.popleft()
                job = None
                if self._wanted(obj):
                    _, job = self._claim(obj)
            if job is not None:
                job()

    def _render(self, obj: StoredObject, future: Future[Image]) -> None:
        try:
            image = render(obj, self._size)
        except BaseException as exc:
            with self._lock:
                del self._flights[obj.key]
            future.set_exception(exc)
            return
        with self._lock:
            del self._flights[obj.key]
            if self._wanted(obj):  # not purged while it rendered
                self._done[obj.key] = image
                while len(self._done) > self._capacity:
                    self._done.popitem(last=False)
        future.set_result(image)
