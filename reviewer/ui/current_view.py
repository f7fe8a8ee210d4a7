"""Binds the current entry to the grid, the loupe and the detail panel.

It turns entries and loaded images into what the tiles paint; which images exist and
how they load is the session's business (reviewer.review.feed).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSize, QTimer
from PySide6.QtGui import QPixmap

from reviewer.api import SYNTHESIZED_POSES, Character
from reviewer.review.feed import ImageFeed, ImageRequest
from reviewer.review.images import DecodedImage, Priority
from reviewer.review.queue import Entry
from reviewer.review.session import ReviewSession

from .details import DetailPanel
from .loupe import Loupe, LoupeMode, Pane
from .pixmaps import to_pixmap
from .pose_grid import PoseGrid, TileState

__all__ = ["CurrentView"]

_PixKey = tuple[str, str, str, bool, bool]  # id, version, pose, before, full size
GRID = "grid"
LOUPE = "loupe"
LOUPE_NEXT = "loupe_next"  # the next character's full-resolution poses, while the loupe is open
# Tiles made ahead for the characters next to the current one start this soon after a
# move (its own paint first); an image of theirs still decoding is made once it is.
AHEAD_DELAY_MS = 30


class CurrentView(QObject):
    def __init__(
        self,
        session: ReviewSession,
        grid: PoseGrid,
        loupe: Loupe,
        details: DetailPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.grid = grid
        self.loupe = loupe
        self.details = details
        self._entry: Entry | None = None
        self._pixmaps: dict[_PixKey, QPixmap] = {}
        # The last image each pose showed, kept on screen while a newer one loads.
        self._shown: dict[tuple[str, str], QPixmap] = {}
        # Grid pixmaps of the characters beside the current one, converted ahead (and
        # kept from the one just left), so moving there reuses them and the tiles' looks
        # rendered ahead for exactly these pixmaps.
        self._ready: dict[_PixKey, QPixmap] = {}
        self._ahead = QTimer(self)
        self._ahead.setSingleShot(True)
        self._ahead.timeout.connect(self._prepare_ahead)
        # A neighbour's image was not decoded yet at the last look: the pipeline says
        # when one is (it was looked for every 50 ms: a press within that time found
        # the image decoded but not made, ~1.5 ms a tile in its paint).
        self._ahead_waiting = False
        self._progress: dict[tuple[str, bool], float | None] = {}
        self._errors: dict[tuple[str, bool], str] = {}
        self._loupe_errors: dict[tuple[str, bool], str] = {}
        # Full-resolution size of each image (known from any load, even a small one), so
        # the loupe draws a low-resolution image at its true size until the sharp one comes.
        self._sizes: dict[tuple[str, str, str, bool], QSize] = {}
        self._resize = QTimer(self)
        self._resize.setSingleShot(True)
        self._resize.setInterval(150)
        self._resize.timeout.connect(self.refresh)
        feed: ImageFeed | None = session.feed
        if feed is not None:
            feed.loaded.connect(self._loaded)
            feed.progress.connect(self._progressed)
            feed.failed.connect(self._failed)
            feed.pipeline.decoded.connect(self._decoded)
        grid.resized.connect(self._resize.start)
        session.queue.current_changed.connect(self.show_entry)
        session.queue.changed.connect(self._row_changed)
        session.pose_changed.connect(lambda _: self.refresh())
        session.loading_changed.connect(lambda _: self.refresh())
        loupe.closed.connect(self._loupe_closed)

    @property
    def entry(self) -> Entry | None:
        return self._entry

    def show_entry(self, entry: Entry | None) -> None:
        if entry is None or self._entry is None or entry.id != self._entry.id:
            self._ready.update((k, v) for k, v in self._pixmaps.items() if not k[4])
            self._pixmaps.clear()
            self._shown.clear()
            self._progress.clear()
            self._errors.clear()
            self._loupe_errors.clear()
        self._entry = entry
        self.refresh()

    def _row_changed(self, row: int) -> None:
        current = self.session.queue.current
        if current is not None and self.session.queue.row_of(current.id) == row:
            self.show_entry(current)

    # -- what to load -------------------------------------------------------------------

    def refresh(self) -> None:
        entry = self._entry
        self.details.show_entry(entry, loading=self.session.loading)
        self.grid.select(self.session.selected_pose)
        side = self.grid.image_box()
        self.session.prefetch_box = side
        feed = self.session.feed
        if entry is None:
            if feed is not None:
                feed.cancel(GRID)
                feed.cancel(LOUPE)
            for tile in self.grid.tiles.values():
                tile.set_state(TileState())
            self.loupe.close_loupe()
            return
        requests: list[ImageRequest] = []
        for pose in SYNTHESIZED_POSES:
            if entry.character.ref(pose) is not None:
                requests.append(ImageRequest(entry.character, pose, side))
        before = self._before(entry)
        if before is not None and entry.compare_pose:
            requests.append(ImageRequest(before, entry.compare_pose, side, before=True))
        self._paint_tiles()
        if feed is not None:
            feed.request(GRID, requests)
        if self.loupe.isVisible():
            self._request_loupe()
        self._ahead_waiting = False
        self._ahead.start(AHEAD_DELAY_MS)

    def open_loupe(self, mode: LoupeMode = LoupeMode.SINGLE) -> None:
        if self._entry is None:
            return
        self.loupe.open(mode)
        self._request_loupe()

    def _loupe_closed(self) -> None:
        feed = self.session.feed
        if feed is not None:
            feed.cancel(LOUPE)
            feed.cancel(LOUPE_NEXT)

    def _loupe_mode(self, entry: Entry) -> LoupeMode:
        mode = self.loupe.mode
        # A compare whose before is gone (the character changed since) shows the pose alone.
        return LoupeMode.SINGLE if mode is LoupeMode.COMPARE and not entry.comparing else mode

    def _loupe_poses(self, entry: Entry) -> list[str]:
        mode = self._loupe_mode(entry)
        if mode is LoupeMode.FOUR:
            return list(SYNTHESIZED_POSES)
        if mode is LoupeMode.COMPARE and entry.compare_pose:
            return [entry.compare_pose]
        return [self.session.selected_pose]

    def _request_loupe(self) -> None:
        entry = self._entry
        feed = self.session.feed
        if entry is None or feed is None:
            return
        poses = self._loupe_poses(entry)
        requests = [
            ImageRequest(entry.character, pose, None)
            for pose in poses
            if entry.character.ref(pose) is not None
        ]
        before = self._before(entry)
        if before is not None and self._loupe_mode(entry) is LoupeMode.COMPARE:
            requests.insert(0, ImageRequest(before, poses[0], None, before=True))
        self._paint_loupe()
        feed.request(LOUPE, requests)
        # Warm the next character's full resolution, so moving on is sharp at once.
        ahead = [
            ImageRequest(e.character, pose, None)
            for e in self.session.queue.following(1)
            for pose in poses
            if e.character.ref(pose) is not None
        ]
        feed.request(LOUPE_NEXT, ahead, Priority.AHEAD)

    @staticmethod
    def _before(entry: Entry) -> Character | None:
        return entry.before if entry.comparing else None

    # -- what arrived -------------------------------------------------------------------

    def _key(self, slot: str, req: ImageRequest) -> _PixKey:
        return (req.character_id, req.version, req.pose, req.before, slot == LOUPE)

    def _mine(self, slot: str, req: ImageRequest) -> bool:
        return (
            slot in (GRID, LOUPE) and self._entry is not None and req.character_id == self._entry.id
        )

    def _loaded(self, slot: str, req: ImageRequest, image: DecodedImage) -> None:
        if not self._mine(slot, req):
            return
        key = self._key(slot, req)
        self._pixmaps[key] = self._pixmap_for(key, image)
        self._sizes[self._key(slot, req)[:4]] = QSize(image.source_width, image.source_height)
        if slot == LOUPE:
            self._loupe_errors.pop((req.pose, req.before), None)
        else:
            self._errors.pop((req.pose, req.before), None)
        self._progress.pop((req.pose, req.before), None)
        self._paint_tiles()
        if self.loupe.isVisible():
            self._paint_loupe()

    def _progressed(self, slot: str, req: ImageRequest, fraction: float | None) -> None:
        if not self._mine(slot, req):
            return
        if slot == GRID:
            self._progress[(req.pose, req.before)] = fraction
            self._paint_tiles()
        elif self.loupe.isVisible():
            self.loupe.set_progress(fraction)

    def _failed(self, slot: str, req: ImageRequest, message: str) -> None:
        if not self._mine(slot, req):
            return
        if slot == LOUPE:
            self._loupe_errors[(req.pose, req.before)] = message
            self._paint_loupe()
            return
        self._errors[(req.pose, req.before)] = message
        self._paint_tiles()

    # -- painting -----------------------------------------------------------------------

    def _grid_pixmap(self, pose: str, *, before: bool = False) -> QPixmap | None:
        entry = self._entry
        if entry is None:
            return None
        character = self._before(entry) if before else entry.character
        if character is None:
            return None
        version = character.updated_at.isoformat()
        # The sharpest grid-size image of this version (a resize may have brought two).
        candidates = [
            pixmap
            for (cid, ver, p, b, full), pixmap in self._pixmaps.items()
            if (cid, ver, p, b, full) == (character.id, version, pose, before, False)
        ]
        return max(candidates, key=lambda pixmap: pixmap.width(), default=None)

    def _paint_tiles(self) -> None:
        entry = self._entry
        if entry is None:
            return
        for pose, tile in self.grid.tiles.items():
            pixmap = self._grid_pixmap(pose)
            if pixmap is not None:
                self._shown[(entry.id, pose)] = pixmap
            comparing = entry.comparing and entry.compare_pose == pose
            tile.set_state(
                _tile_state(
                    entry,
                    pose,
                    pixmap,
                    shown=pixmap or self._shown.get((entry.id, pose)),
                    before=self._grid_pixmap(pose, before=True) if comparing else None,
                    progress=self._progress.get((pose, False)),
                    error=self._errors.get((pose, False)),
                )
            )

    def _pixmap_for(self, key: _PixKey, image: DecodedImage) -> QPixmap:
        """The image as a pixmap: the one converted ahead if it is this very image."""
        ratio = self.grid.devicePixelRatioF()
        ready = self._ready.get(key)
        if (
            ready is not None
            and (ready.width(), ready.height()) == (image.width, image.height)
            and ready.devicePixelRatio() == ratio
        ):
            return ready
        return to_pixmap(image, ratio)

    # -- ahead of the reviewer ----------------------------------------------------------

    def _prepare_ahead(self) -> None:
        """One piece of work for the characters beside the current one per turn of the
        loop (a pixmap and a tile's look, ~1 ms), so moving there paints four blits."""
        entry, feed = self._entry, self.session.feed
        if entry is None or feed is None or self.loupe.isVisible():
            return
        queue = self.session.queue
        neighbours = [*queue.following(1), *queue.preceding(1)]
        wanted = {entry.id, *(n.id for n in neighbours)}
        for key in [k for k in self._ready if k[0] not in wanted]:
            del self._ready[key]
        side = self.grid.image_box()
        waiting = False
        for near in neighbours:
            if near.comparing or near.regenerating:
                continue  # shown seldom right after a move; made when shown
            for pose, tile in self.grid.tiles.items():
                if near.character.ref(pose) is None:
                    continue
                req = ImageRequest(near.character, pose, side)
                key = self._key(GRID, req)
                if key not in self._ready:
                    image = feed.pipeline.peek(near.character, pose, max_side=side)
                    if image is None:
                        waiting = True  # still downloading or decoding: look again
                        continue
                    self._ready[key] = to_pixmap(image, self.grid.devicePixelRatioF())
                    tile.prepare(_tile_state(near, pose, self._ready[key]))
                    self._ahead.start(0)
                    return
                if tile.prepare(_tile_state(near, pose, self._ready[key])):
                    self._ahead.start(0)
                    return
        self._ahead_waiting = waiting

    def _decoded(self, _key: str) -> None:
        if self._ahead_waiting and not self._ahead.isActive():
            self._ahead.start(0)

    def _loupe_title(self, entry: Entry) -> str:
        mode = self._loupe_mode(entry)
        if mode is LoupeMode.FOUR:
            return f"{entry.name}  —  all four poses"
        pose = self._loupe_poses(entry)[0].capitalize()
        if mode is LoupeMode.COMPARE:
            return f"{entry.name}  —  {pose}, before and after"
        return f"{entry.name}  —  {pose}"

    def _loupe_pane(self, entry: Entry, pose: str, *, before: bool, label: str) -> Pane:
        character = self._before(entry) if before else entry.character
        if character is None or character.ref(pose) is None:
            return Pane(label, error=_no_image(entry))
        version = character.updated_at.isoformat()
        full = self._pixmaps.get((character.id, version, pose, before, True))
        # Low resolution first: the grid's image (or the last one shown), scaled up.
        low = self._grid_pixmap(pose, before=before)
        if low is None and not before:
            low = self._shown.get((entry.id, pose))
        return Pane(
            label,
            full or low,
            self._sizes.get((character.id, version, pose, before)),
            sharp=full is not None,
            error=None if full is not None else self._loupe_errors.get((pose, before)),
        )

    def _paint_loupe(self) -> None:
        entry = self._entry
        if entry is None:
            return
        mode = self._loupe_mode(entry)
        poses = self._loupe_poses(entry)
        if mode is LoupeMode.FOUR:
            panes = [
                self._loupe_pane(entry, pose, before=False, label=f"{i + 1}  {pose.capitalize()}")
                for i, pose in enumerate(poses)
            ]
        elif mode is LoupeMode.COMPARE:
            panes = [
                self._loupe_pane(entry, poses[0], before=True, label="BEFORE"),
                self._loupe_pane(entry, poses[0], before=False, label="AFTER"),
            ]
        else:
            panes = [self._loupe_pane(entry, poses[0], before=False, label="")]
        self.loupe.set_panes(self._loupe_title(entry), panes)


def _no_image(entry: Entry) -> str:
    if entry.status == "synthesizing":
        return "Synthesizing…"
    if entry.status == "failed":
        return "No image: synthesis failed"
    return "This pose has no image"


def _tile_state(
    entry: Entry,
    pose: str,
    pixmap: QPixmap | None,
    *,
    shown: QPixmap | None = None,
    before: QPixmap | None = None,
    progress: float | None = None,
    error: str | None = None,
) -> TileState:
    """What a tile shows for ``entry``'s ``pose`` with this grid pixmap (``shown``: the
    image kept on screen while a newer one loads, ``pixmap`` if not given)."""
    comparing = entry.comparing and entry.compare_pose == pose
    return TileState(
        pixmap=shown or pixmap,
        before=before if comparing else None,
        comparing=comparing,
        loading=entry.character.ref(pose) is not None and pixmap is None,
        progress=progress,
        regenerating=pose in entry.regenerating,
        error=error,
        empty_text=_no_image(entry),
    )
