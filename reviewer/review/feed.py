"""Images for whatever the window shows, loaded in the background, reported by signal.

The window names what it wants per slot ("grid", "loupe"); wanting something new
cancels the loads it no longer needs. Results arrive as signals; nothing here waits
on the GUI thread.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import httpx
from psygnal import Signal

from reviewer.api import APIConnectionError, AurousError, Character, DownloadError
from reviewer.imaging.decode import Bounds

from .images import ImageLoadError, ImagePipeline, Priority
from .keys import KeyNames

__all__ = ["ImageFeed", "ImageRequest"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """Equal requests (same character version, pose, size, side) share one load."""

    character: Character = field(compare=False)
    pose: str
    max_side: Bounds  # a square's side or a (width, height) box; None: full resolution
    before: bool = False  # the pose as it was before a regenerate (before/after)
    character_id: str = field(init=False)
    version: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "character_id", self.character.id)
        object.__setattr__(self, "version", self.character.updated_at.isoformat())


class ImageFeed:
    # Each names its slot, so one view never paints what another asked for.
    loaded = Signal(str, object, object)  # slot, ImageRequest, DecodedImage
    progress = Signal(str, object, object)  # slot, ImageRequest, float | None
    failed = Signal(str, object, str)  # slot, ImageRequest, message

    def __init__(self, pipeline: ImagePipeline, keys: KeyNames | None = None) -> None:
        self._keys = keys or KeyNames()
        self.pipeline = pipeline
        self._slots: dict[str, dict[ImageRequest, asyncio.Task[None]]] = {}
        # What failed, per slot, while still wanted there: loaded again by retry_failed.
        self._failed: dict[str, set[ImageRequest]] = {}
        self._priorities: dict[str, Priority] = {}  # per slot, as last asked
        self._closed = False

    def request(
        self, slot: str, requests: list[ImageRequest], priority: Priority = Priority.SHOWN
    ) -> None:
        """Show these images in ``slot``; loads for anything else there are cancelled.
        ``priority``: how urgent the slot's loads are beside the others'."""
        self._priorities[slot] = priority
        current = self._slots.setdefault(slot, {})
        for old in [r for r in current if r not in requests]:
            current.pop(old).cancel()
        failed = self._failed.setdefault(slot, set())
        failed.intersection_update(requests)
        for req in requests:
            self._start(slot, req)

    def add(self, slot: str, request: ImageRequest, priority: Priority = Priority.SHOWN) -> None:
        """Also load ``request`` in ``slot``, keeping what is already wanted there."""
        self._priorities[slot] = priority
        self._start(slot, request)

    def cancel(self, slot: str | None = None) -> None:
        slots = [slot] if slot is not None else list(self._slots)
        for name in slots:
            self._failed.pop(name, None)
            for task in self._slots.pop(name, {}).values():
                task.cancel()

    def close(self) -> None:
        """Stop every load; later requests (a repaint while the window closes) load nothing."""
        self._closed = True
        self.cancel()

    def retry_failed(self) -> None:
        """Load again what failed and is still wanted (the network is back, say)."""
        for slot, failed in self._failed.items():
            again = list(failed)
            failed.clear()
            for req in again:
                self._start(slot, req)

    def _start(self, slot: str, req: ImageRequest) -> None:
        if self._closed:
            return
        current = self._slots.setdefault(slot, {})
        if req in current:
            return
        ready = self.pipeline.peek(req.character, req.pose, max_side=req.max_side)
        if ready is not None:
            self.loaded.emit(slot, req, ready)
            return
        current[req] = asyncio.get_running_loop().create_task(self._load(slot, req))

    async def _load(self, slot: str, req: ImageRequest) -> None:
        try:
            image = await self.pipeline.load(
                req.character,
                req.pose,
                max_side=req.max_side,
                on_progress=lambda fraction: self.progress.emit(slot, req, fraction),
                priority=self._priorities.get(slot, Priority.SHOWN),
            )
        except (ImageLoadError, AurousError) as exc:
            self._failed.setdefault(slot, set()).add(req)
            if _unreachable(exc):
                # The technical line is for the log; the tile says it in plain words.
                log.info("the %s pose of %s: %s", req.pose, req.character_id, exc)
                self.failed.emit(
                    slot,
                    req,
                    f"Can't load the {req.pose} pose: the connection is down. "
                    "It loads by itself when the connection is back.",
                )
            else:
                log.warning("the %s pose of %s: %s", req.pose, req.character_id, exc)
                self.failed.emit(slot, req, _not_loaded(req.pose, self._keys))
        except Exception:
            log.exception("loading the %s pose of %s failed", req.pose, req.character_id)
            self._failed.setdefault(slot, set()).add(req)
            self.failed.emit(slot, req, _not_loaded(req.pose, self._keys))
        else:
            self.loaded.emit(slot, req, image)
        finally:
            tasks = self._slots.get(slot)
            if tasks is not None and tasks.get(req) is asyncio.current_task():
                del tasks[req]


def _not_loaded(pose: str, keys: KeyNames) -> str:
    # Plain words on the tile; the technical line went to the log just before.
    return (
        f"Can't load the {pose} pose: the image could not be fetched or read. "
        f"{keys('refresh')} refreshes the queue and tries again."
    )


def _unreachable(error: BaseException) -> bool:
    """Whether the load failed because nothing answered (not a bad or missing image)."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, APIConnectionError):
            return True
        if (
            isinstance(seen, DownloadError)
            and seen.status_code is None
            and (isinstance(seen.__cause__, httpx.TransportError))
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
