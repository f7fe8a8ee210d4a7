"""The image pipeline: memory cache → disk cache → download, decoded off the event loop.

Everything here runs on the event loop's thread (the GUI thread under qasync) except
decoding, which runs in worker processes or threads (``Decoder``), and disk I/O, which the
disk cache moves to threads itself."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Final

from psygnal import Signal

from reviewer.api import (
    SYNTHESIZED_POSES,
    AurousError,
    Character,
    DownloadError,
    DownloadTooLargeError,
    NotFoundError,
)
from reviewer.imaging.cache_file import CacheEntryDamaged, CacheEntryMissing, write_entry
from reviewer.imaging.decode import (
    Bounds,
    Box,
    DecodedImage,
    ImageTooLargeError,
    UndecodableImageError,
    fit_within,
)
from reviewer.imaging.worker import Decode, Job, Rescale

from ._decoders import Decoder, StoreFailures, ThreadDecoder
from ._disk_cache import DiskCache
from ._errors import ImageLoadError, download_reason
from ._keys import image_key, size_bucket
from ._memory_cache import MemoryCache
from ._priority import Priority, PriorityGate
from ._single_flight import FlightCancelledError, SingleFlight
from ._sources import DownloadFn, ProgressFn, RefreshFn

__all__ = ["DOWNLOAD_SLOTS", "ImagePipeline", "PipelineStats"]

log = logging.getLogger(__name__)

# Renewed URLs remembered per stale URL, so the other poses of a refreshed character
# skip their doomed first attempt.
_RENEWED_URLS_KEPT: Final = 256
_CLOSE_TIMEOUT: Final = 5.0
# Downloads at once, as a browser opens per host: enough to keep a slow link busy, few
# enough that what is on screen is not shared out among a page of thumbnails.
DOWNLOAD_SLOTS: Final = 6


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """Counters since the pipeline was made, and what the memory cache holds now."""

    downloads: int = 0  # completed downloads
    disk_hits: int = 0
    memory_hits: int = 0
    decodes: int = 0
    refreshes: int = 0  # calls to refresh()
    memory_bytes: int = 0
    memory_images: int = 0


@dataclass(slots=True)
class _Counters:
    downloads: int = 0
    disk_hits: int = 0
    memory_hits: int = 0
    decodes: int = 0
    refreshes: int = 0


@dataclass(slots=True)
class _Fetched:
    """An image's encoded bytes: downloaded (``data``), or in the disk cache's entry at
    ``source``, which the decoder reads itself (``data`` empty)."""

    data: bytes = b""
    source: Path | None = None
    # Downloaded: where the disk cache keeps them (the first decode of them writes them).
    store: Path | None = None

    @property
    def from_disk(self) -> bool:
        return self.source is not None


_DecodeKey = tuple[str, Bounds]  # (image key, size bucket)
_FetchKey = tuple[str, bool]  # (image key, skip the disk cache)


class ImagePipeline:
    """Loads the four reference poses of characters as pixels, cached at two levels.

    ``download(url, on_progress)`` fetches a storage URL; ``refresh(character_id)``
    re-fetches a character for fresh URLs when a download fails. Decoded images are kept
    in memory per (image, size bucket) within ``memory_budget_bytes``; encoded bytes go to
    ``disk_cache`` if given. Concurrent requests for one image share one download, and
    for one image at one size, one decode.

    When more is asked than ``download_slots`` downloads and the decode threads can do at
    once, what is shown goes first (see ``Priority``): a ``load`` says how urgent it is,
    prefetch is least urgent, and work already under way for a less urgent asker takes the
    most urgent asker's place in line.

    ``decoded`` (an image key) is emitted when an image has been decoded into memory:
    ``peek`` has it from then on, so a view can make what it shows ahead of time without
    looking again and again."""

    decoded = Signal(str)

    def __init__(
        self,
        *,
        download: DownloadFn,
        refresh: RefreshFn,
        disk_cache: DiskCache | None = None,
        memory_budget_bytes: int = 512 * 1024 * 1024,
        decode_workers: int = 2,
        decoder: Decoder | None = None,
        download_slots: int = DOWNLOAD_SLOTS,
        max_pixels: int = 64_000_000,
    ) -> None:
        if decode_workers < 1:
            raise ValueError(f"decode_workers must be at least 1, got {decode_workers}")
        if max_pixels < 1:
            raise ValueError(f"max_pixels must be at least 1, got {max_pixels}")
        self._download = download
        self._refresh = refresh
        self._disk = disk_cache
        self._max_pixels = max_pixels
        self._memory = MemoryCache(memory_budget_bytes)
        # ``decode_workers`` at once: a burst of prefetches queues (by priority) instead
        # of starving the machine.
        self._decoder = decoder if decoder is not None else ThreadDecoder(decode_workers)
        self._decodes: SingleFlight[_DecodeKey, DecodedImage] = SingleFlight(
            "decode", on_orphan_error=self._log_orphan_error
        )
        self._fetches: SingleFlight[_FetchKey, _Fetched] = SingleFlight(
            "fetch", on_orphan_error=self._log_orphan_error
        )
        self._refreshes: SingleFlight[str, Character] = SingleFlight(
            "refresh", on_orphan_error=self._log_orphan_error
        )
        self._renewed: OrderedDict[str, str] = OrderedDict()  # stale URL → fresh URL
        self._listeners: dict[str, list[ProgressFn]] = {}  # image key → progress callbacks
        self._prefetch_round: object | None = None
        # Per image key, the priorities of those waiting for it now (a load, a prefetch).
        self._askers: dict[str, Counter[Priority]] = {}
        self._shown = 0  # loads of what is shown, not done yet
        self._download_gate: PriorityGate[str] = PriorityGate(
            download_slots, self._urgency, self._may_start
        )
        self._decode_gate: PriorityGate[str] = PriorityGate(
            self._decoder.workers, self._urgency, self._may_start
        )
        self._counts = _Counters()
        self._closed = False
        self._background: set[asyncio.Task[None]] = set()
        self._store_failures = StoreFailures()
        # Fresh bytes to be stored by the first decode of them (``_claim_store``).
        self._unstored: dict[str, _Fetched] = {}

    def __repr__(self) -> str:
        return (
            f"ImagePipeline(disk_cache={self._disk!r}, memory={self._memory.nbytes} bytes "
            f"in {len(self._memory)} images, closed={self._closed})"
        )

    @property
    def stats(self) -> PipelineStats:
        return PipelineStats(
            **asdict(self._counts),
            memory_bytes=self._memory.nbytes,
            memory_images=len(self._memory),
        )

    # -- public API ----------------------------------------------------------------------

    async def load(
        self,
        character: Character,
        pose: str,
        *,
        max_side: Bounds = None,
        on_progress: ProgressFn | None = None,
        priority: Priority = Priority.SHOWN,
    ) -> DecodedImage:
        """``character``'s ``pose`` fitted within ``max_side`` (a square's side or a
        (width, height) box; None: full resolution),
        at least as large as asked unless the source is smaller. ``on_progress`` gets the
        downloaded fraction (None if the size is unknown), ending with 1.0, if a download
        is needed. Raises ``ImageLoadError``."""
        if self._closed:
            raise ImageLoadError(character, pose, "image loading has stopped")
        key = image_key(character, pose)
        if key is None:
            raise ImageLoadError(character, pose, f"it has no {pose} image")
        bucket = size_bucket(max_side)
        image = self._lookup(key, bucket)
        if image is not None:
            return image
        if on_progress is not None:
            self._listeners.setdefault(key, []).append(on_progress)
        self._ask(key, priority)
        try:
            return await self._decodes.join(
                (key, bucket), partial(self._produce, character, pose, key, bucket)
            )
        except FlightCancelledError:
            raise ImageLoadError(character, pose, "image loading was stopped") from None
        finally:
            self._unask(key, priority)
            if on_progress is not None:
                self._remove_listener(key, on_progress)

    def peek(self, character: Character, pose: str, *, max_side: Bounds) -> DecodedImage | None:
        """The image ``load`` would return, if it is in memory now; never waits."""
        key = image_key(character, pose)
        return None if key is None else self._lookup(key, size_bucket(max_side))

    def prefetch(self, characters: Sequence[Character], *, max_side: Box) -> None:
        """Warm the caches with these characters' synthesized poses at ``max_side``, in the
        background. Prefetch work an earlier call started and this one does not want is
        cancelled, unless a ``load`` is waiting for it. Failures are logged."""
        if self._closed:
            return
        bucket = size_bucket(max_side)
        this_round = object()
        for character in characters:
            for pose in SYNTHESIZED_POSES:
                key = image_key(character, pose)
                if key is None or self._memory_get(key, bucket) is not None:
                    continue
                self._decodes.hold(
                    (key, bucket), partial(self._produce, character, pose, key, bucket), this_round
                )
        # Hold the new round before releasing the old, so shared work carries on.
        previous, self._prefetch_round = self._prefetch_round, this_round
        if previous is not None:
            self._decodes.release(previous)

    async def wait_prefetched(self) -> None:
        """Wait until the latest prefetch round has finished or been cancelled."""
        if self._prefetch_round is not None:
            tasks = self._decodes.held_by(self._prefetch_round)
            if tasks:
                await asyncio.wait(tasks)

    async def aclose(self) -> None:
        """Cancel background work, wait (boundedly) for decode threads, free memory.
        Loads still waiting fail with ``ImageLoadError``."""
        if self._closed:
            return
        self._closed = True
        tasks = [
            *self._decodes.cancel_all(),
            *self._fetches.cancel_all(),
            *self._refreshes.cancel_all(),
        ]
        if tasks:
            await asyncio.wait(tasks, timeout=_CLOSE_TIMEOUT)
        if self._background:  # stores of bytes in hand (the cancelling above adds some)
            await asyncio.wait(self._background, timeout=_CLOSE_TIMEOUT)
        self._unstored.clear()
        self._memory.clear()
        await self._decoder.aclose()

    # -- memory ---------------------------------------------------------------------------

    def _lookup(self, key: str, bucket: Bounds) -> DecodedImage | None:
        image = self._memory_get(key, bucket)
        if image is not None:
            self._counts.memory_hits += 1
        return image

    def _memory_get(self, key: str, bucket: Bounds) -> DecodedImage | None:
        image = self._memory.get((key, bucket))
        if image is None and bucket is not None:
            # Images no larger than the bucket are kept once, at full resolution.
            full = self._memory.get((key, None))
            if full is not None and fit_within(full.width, full.height, bucket) == (
                full.width,
                full.height,
            ):
                image = full
        return image

    def _memory_put(self, key: str, bucket: Bounds, image: DecodedImage) -> None:
        unscaled = (image.width, image.height) == (image.source_width, image.source_height)
        slot: Hashable = (key, None if unscaled else bucket)
        self._memory.put(slot, image)

    # -- priorities -----------------------------------------------------------------------

    def _ask(self, key: str, priority: Priority) -> None:
        self._askers.setdefault(key, Counter())[priority] += 1
        if priority is Priority.SHOWN:
            self._shown += 1
            # Work waiting for this image may start now, shown at last.
            self._download_gate.poke()
            self._decode_gate.poke()

    def _unask(self, key: str, priority: Priority) -> None:
        askers = self._askers[key]
        askers[priority] -= 1
        if askers[priority] <= 0:
            del askers[priority]
            if not askers:
                del self._askers[key]
        if priority is Priority.SHOWN:
            self._shown -= 1
            if self._shown == 0:
                self._download_gate.poke()
                self._decode_gate.poke()

    def _may_start(self, key: str) -> bool:
        """Nothing else starts while what is shown loads: on two cores, a page of
        thumbnails and the next characters downloading and decoding beside the current
        character's four poses made those take three times as long."""
        return self._shown == 0 or self._urgency(key) == Priority.SHOWN

    def _urgency(self, key: str) -> int:
        askers = self._askers.get(key)
        return min(askers) if askers else Priority.AHEAD

    # -- the work behind a load ---------------------------------------------------------

    async def _produce(
        self, character: Character, pose: str, key: str, bucket: Bounds
    ) -> DecodedImage:
        """Fetch and decode one image at one size; a cached copy that does not decode is
        dropped and downloaded again, once. As urgent as the most urgent ``load`` waiting
        for it; with none (a prefetch holds it), least urgent."""
        self._ask(key, Priority.AHEAD)
        try:
            return await self._fetch_and_decode(character, pose, key, bucket)
        finally:
            self._unask(key, Priority.AHEAD)

    async def _fetch_and_decode(
        self, character: Character, pose: str, key: str, bucket: Bounds
    ) -> DecodedImage:
        full = self._memory.get((key, None))
        if full is not None and bucket is not None:
            # The loupe decoded it already: shrinking that is cheaper than fetch + decode.
            return await self._run_decode(Rescale(full, bucket), key, bucket)
        for skip_disk in (False, True):
            try:
                fetched = await self._fetches.join(
                    (key, skip_disk), partial(self._fetch, character, pose, key, skip_disk)
                )
            except asyncio.CancelledError:
                self._store_unclaimed(key)  # downloaded just as this was called off
                raise
            store = self._claim_store(key, fetched)
            job = Decode(
                fetched.data,
                bucket,
                self._max_pixels,
                source=None if fetched.source is None else str(fetched.source),
                store=None if store is None else str(store),
            )
            try:
                return await self._run_decode(job, key, bucket)
            except CacheEntryMissing:
                if self._disk is not None:
                    await self._disk.forget(key)  # gone behind our back: a plain miss
                continue
            except (UndecodableImageError, CacheEntryDamaged) as exc:
                if self._disk is not None:
                    await self._disk.discard(key)  # never serve these bytes again
                if fetched.from_disk and not isinstance(exc, ImageTooLargeError):
                    log.warning(
                        "cached %s pose of %s did not decode (%s); downloading it again",
                        pose,
                        character.id,
                        exc,
                    )
                    continue
                raise ImageLoadError(character, pose, str(exc)) from exc
        raise AssertionError("unreachable: the second attempt skips the disk")

    async def _run_decode(self, job: Job, key: str, bucket: Bounds) -> DecodedImage:
        """Run a decode or rescale on the decoder and keep its result in memory."""
        handed = False
        try:
            # Handed to the decoder only when a worker is free, so the most urgent goes next.
            async with self._decode_gate.slot(key):
                handed = True
                image = await self._decoder.run(job)
        except asyncio.CancelledError:
            if not handed and isinstance(job, Decode) and job.store is not None:
                self._store_alone(key, job.data, job.store)
            raise
        finally:
            if handed and isinstance(job, Decode) and job.store is not None:
                await self._stored(key, len(job.data))
        self._counts.decodes += 1
        self._memory_put(key, bucket, image)
        self.decoded.emit(key)
        return image

    def _claim_store(self, key: str, fetched: _Fetched) -> Path | None:
        """Fresh bytes go to the disk with the first decode of them (in its worker)."""
        if self._unstored.get(key) is not fetched:
            return None  # from the disk, not to be stored, or taken by another decode
        del self._unstored[key]
        return fetched.store

    def _store_unclaimed(self, key: str) -> None:
        fetched = self._unstored.pop(key, None)
        if fetched is not None and fetched.store is not None:
            self._store_alone(key, fetched.data, str(fetched.store))

    async def _stored(self, key: str, length: int) -> None:
        if self._disk is not None:
            await self._disk.stored(key, length)

    def _store_alone(self, key: str, data: bytes, path: str) -> None:
        """Fresh bytes whose decode was called off before it started: stored on a thread
        of their own (rare: a prefetch the reviewer moved past), not lost to the cache."""

        async def store() -> None:
            try:
                await asyncio.to_thread(write_entry, path, data)
            except OSError as exc:
                self._store_failures.report(str(exc))
                return
            await self._stored(key, len(data))

        task = asyncio.ensure_future(store())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _fetch(self, character: Character, pose: str, key: str, skip_disk: bool) -> _Fetched:
        if self._disk is not None and not skip_disk:
            path = await self._disk.lookup(key)
            if path is not None:
                self._counts.disk_hits += 1
                return _Fetched(source=path)
        data = await self._download_renewing(character, pose, key)
        fetched = _Fetched(data)
        if self._disk is not None:
            fetched.store = await self._disk.store_path(key, len(data))
            if fetched.store is not None:
                self._unstored[key] = fetched  # until a decode of them takes the store
        return fetched

    async def _download_renewing(self, character: Character, pose: str, key: str) -> bytes:
        """Download the pose; if that fails, refresh the character once and retry once."""
        ref = character.ref(pose)
        assert ref is not None  # image_key() found it
        url = self._renewed.get(ref.url, ref.url)
        try:
            return await self._download_once(key, url)
        except DownloadTooLargeError as exc:
            # Too big is too big at any URL: don't refresh for it.
            raise ImageLoadError(character, pose, download_reason(exc)) from exc
        except DownloadError as exc:
            log.info(
                "the %s pose of %s failed to download (%s); refreshing its URLs",
                pose,
                character.id,
                download_reason(exc),
            )
        fresh_url = await self._renew(character, pose, url)
        try:
            return await self._download_once(key, fresh_url)
        except DownloadError as exc:
            raise ImageLoadError(
                character, pose, download_reason(exc), status_code=exc.status_code
            ) from exc

    async def _renew(self, character: Character, pose: str, failed_url: str) -> str:
        """A fresh URL for the pose: one another load already learnt, else from one
        (shared) refresh of the character."""
        known = self._renewed.get(failed_url)
        if known is not None:
            return known
        try:
            fresh = await self._refreshes.join(
                character.id, partial(self._refresh_character, character)
            )
        except NotFoundError as exc:
            raise ImageLoadError(character, pose, "the character no longer exists") from exc
        except AurousError as exc:
            raise ImageLoadError(
                character, pose, f"its image links could not be renewed ({exc})"
            ) from exc
        ref = fresh.ref(pose)
        if ref is None:
            raise ImageLoadError(character, pose, f"the character no longer has a {pose} image")
        return ref.url

    async def _refresh_character(self, character: Character) -> Character:
        self._counts.refreshes += 1
        fresh = await self._refresh(character.id)
        for ref in character.refs:
            new = fresh.ref(ref.pose)
            if new is not None and new.url != ref.url:
                self._renewed[ref.url] = new.url
                self._renewed.move_to_end(ref.url)
        while len(self._renewed) > _RENEWED_URLS_KEPT:
            self._renewed.popitem(last=False)
        return fresh

    async def _download_once(self, key: str, url: str) -> bytes:
        last: float | None = None

        def progress(received: int, total: int | None) -> None:
            nonlocal last
            last = min(1.0, received / total) if total else None
            self._report(key, last)

        async with self._download_gate.slot(key):
            download = await self._download(url, progress)
        self._counts.downloads += 1
        if last != 1.0:
            self._report(key, 1.0)
        return download.content

    # -- callbacks ------------------------------------------------------------------------

    def _report(self, key: str, fraction: float | None) -> None:
        for listener in list(self._listeners.get(key, ())):
            try:
                listener(fraction)
            except Exception:
                # A broken progress bar must not fail the download behind it.
                log.exception("an image progress callback failed")

    def _remove_listener(self, key: str, listener: ProgressFn) -> None:
        listeners = self._listeners.get(key)
        if listeners is not None:
            listeners.remove(listener)
            if not listeners:
                del self._listeners[key]

    @staticmethod
    def _log_orphan_error(key: object, exc: BaseException) -> None:
        # Only prefetch work fails with nobody waiting for it.
        if isinstance(exc, ImageLoadError):
            log.warning("prefetch: %s", exc)
        else:
            log.error("prefetch of %r failed", key, exc_info=exc)
