"""What keeps the GUI thread from stalling: no waits on Qt's paint thread pool, a queue
list laid out in slices, one selection sync per burst of inserted rows, no repaint of a
tile whose state did not change."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from psygnal import Signal
from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    Qt,
)
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QApplication, QListView, QStyleOptionViewItem, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from reviewer.review.feed import ImageRequest
from reviewer.review.images import DecodedImage, Priority
from reviewer.review.queue import Entry, ReviewQueue
from reviewer.ui import queue_view
from reviewer.ui.current_view import CurrentView, _tile_state
from reviewer.ui.painting import draw_pill
from reviewer.ui.pose_grid import PoseTile, TileState
from reviewer.ui.queue_view import (
    ENTRY_ROLE,
    LAYOUT_BATCH,
    THUMB_ATTEMPTS,
    THUMBS,
    QueueDelegate,
    QueueModel,
    QueueView,
    Thumbnails,
    _Index,
    _status_text,
)
from reviewer.ui.theme import ThemeChoice, apply_theme, load_theme
from tests.review.factories import character

from .conftest import App

_PAINT_AND_COUNT_THREADS = """
import os, sys
import reviewer.app  # what the app imports first
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QApplication

app = QApplication([])
before = len(os.listdir("/proc/self/task"))
source = QImage(1024, 1024, QImage.Format.Format_RGB32)
source.fill(QColor(40, 80, 120))
pixmap = QPixmap.fromImage(source)
target = QImage(800, 800, QImage.Format.Format_ARGB32_Premultiplied)
painter = QPainter(target)
painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
painter.drawPixmap(QRectF(0, 0, 700, 700), pixmap, QRectF(pixmap.rect()))
painter.end()
print(len(os.listdir("/proc/self/task")) - before)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_painting_a_scaled_pose_starts_no_paint_threads() -> None:
    # Without QT_NO_GUI_THREADPOOL, Qt starts pool threads for this fill and the GUI
    # thread waits for them; the app's own import sets it.
    env = {k: v for k, v in os.environ.items() if k != "QT_NO_GUI_THREADPOOL"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", _PAINT_AND_COUNT_THREADS],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split()[-1] == "0", done.stdout + done.stderr


def _view(qtbot: QtBot, rows: int) -> tuple[ReviewQueue, QueueView]:
    queue = ReviewQueue()
    for i in range(rows):
        queue.upsert(character(i))
    model = QueueModel(queue, Thumbnails(None))
    view = QueueView(model, QueueDelegate(load_theme(ThemeChoice.DARK)))
    qtbot.addWidget(view)
    view.resize(300, 600)
    view.show()
    return queue, view


def test_the_queue_list_lays_out_in_slices(qtbot: QtBot) -> None:
    _, view = _view(qtbot, 3 * LAYOUT_BATCH)
    assert view.layoutMode() is QListView.LayoutMode.Batched
    assert view.batchSize() == LAYOUT_BATCH


def test_scrolling_to_a_row_not_laid_out_yet_happens_once_it_is(qtbot: QtBot) -> None:
    queue, view = _view(qtbot, 4 * LAYOUT_BATCH)
    qtbot.waitUntil(lambda: view.visualRect(view.model().index(len(queue) - 1, 0)).isValid())
    # A new row restarts the layout from the top: the last row has no place for a while.
    queue.upsert(character(10_000))
    last = view.model().index(len(queue) - 1, 0)
    view.scrollTo(last)
    qtbot.waitUntil(lambda: view.visualRect(last).isValid())
    qtbot.waitUntil(lambda: view.viewport().rect().intersects(view.visualRect(last)))


def test_a_page_of_new_rows_syncs_the_selection_once(app: App, qtbot: QtBot) -> None:
    view = app.window.queue_view
    calls: list[QModelIndex | QPersistentModelIndex] = []
    original = view.scrollTo

    def counting(
        index: QModelIndex | QPersistentModelIndex,
        hint: QListView.ScrollHint = QListView.ScrollHint.EnsureVisible,
    ) -> None:
        calls.append(index)
        original(index, hint)

    view.scrollTo = counting  # type: ignore[method-assign]
    current = app.session.current
    for i in range(100):
        app.session.queue.upsert(character(20_000 + i))
    assert calls == []  # not once per row, as the rows come in
    qtbot.waitUntil(lambda: len(calls) == 1)
    assert app.session.current is current
    assert view.currentIndex().row() == app.session.queue.current_row


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_restating_a_tile_as_it_is_does_not_repaint_it(qtbot: QtBot) -> None:
    tile = PoseTile("front", 2, load_theme(ThemeChoice.DARK))
    qtbot.addWidget(tile)
    paints = _Paints()
    tile.installEventFilter(paints)
    pixmap = QPixmap(64, 64)
    tile.set_state(TileState(pixmap=pixmap))
    tile.show()
    qtbot.waitUntil(lambda: paints.count > 0)
    QApplication.processEvents()
    painted = paints.count
    tile.set_state(TileState(pixmap=pixmap))  # what every other tile's news does to it
    QApplication.processEvents()
    QApplication.processEvents()
    assert paints.count == painted
    tile.set_state(TileState(pixmap=pixmap, progress=0.5))
    qtbot.waitUntil(lambda: paints.count > painted)


def test_a_tile_asks_for_images_as_large_as_its_image_area_each_way(qtbot: QtBot) -> None:
    """By the longer side alone, a square pose in a wide tile came at the tile's width:
    2.9 times the pixels it is shown at, each moved, kept and scaled down at every look."""
    tile = PoseTile("front", 2, load_theme(ThemeChoice.DARK))
    qtbot.addWidget(tile)
    tile.resize(700, 430)
    ratio = tile.devicePixelRatioF()
    assert tile.image_box() == (round(680 * ratio), round(410 * ratio))
    tile.set_state(TileState(pixmap=QPixmap(8, 8), before=QPixmap(8, 8), comparing=True))
    assert tile.image_box() == (round(340 * ratio), round(410 * ratio))  # before and after


def test_the_next_characters_are_prefetched_at_the_grids_box(app: App) -> None:
    app.qtbot.waitUntil(lambda: app.session.current is not None)
    app.window.current.refresh()
    box = app.window.grid.image_box()
    assert app.session.prefetch_box == box
    tile = next(iter(app.window.grid.tiles.values()))
    assert box == tile.image_box()
    assert box[0] != box[1]  # the window's tiles are not square: a square would waste


class _Direct(QueueDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        entry = index.data(ENTRY_ROLE)
        assert isinstance(entry, Entry)
        self._paint_row(painter, option, option.rect, entry, None, _status_text(entry, self.keys))


def _page(view: QueueView) -> QPixmap:
    QApplication.processEvents()
    return view.viewport().grab()


def test_queue_rows_are_rendered_once_per_look(qtbot: QtBot) -> None:
    queue, view = _view(qtbot, 40)
    delegate = view.itemDelegate()
    assert isinstance(delegate, QueueDelegate)
    qtbot.waitUntil(lambda: delegate.rendered > 0)
    first = _page(view)
    rendered = delegate.rendered
    view.viewport().repaint()
    assert delegate.rendered == rendered  # the same page again: all from the cache
    assert _page(view).toImage() == first.toImage()
    # A row whose look changes is rendered anew, and only that row.
    queue.set_later(queue.at(1).id, 1.0)
    qtbot.waitUntil(lambda: delegate.rendered == rendered + 1)
    assert _page(view).toImage() != first.toImage()


def test_rows_changed_all_at_once_are_rendered_over_several_paints(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll landing a page of characters changed every row in view: rendering them all
    took one paint 2.9 ms. Past its budget a paint shows a row's last look, and renders
    it in the next paint."""
    monkeypatch.setattr(queue_view, "PAINT_BUDGET_S", -1.0)  # over budget after one row
    queue, view = _view(qtbot, 40)
    delegate = view.itemDelegate()
    assert isinstance(delegate, QueueDelegate)
    qtbot.waitUntil(lambda: delegate.rendered > 0)
    _page(view)
    rendered = delegate.rendered
    for row in range(5):  # they land (a poll), each in its place
        queue.upsert(replace(queue.at(row).character, status="synthesizing"))
    view.viewport().repaint()
    assert delegate.rendered == rendered + 1  # one row afresh in that paint
    assert len(delegate.deferred) == 4  # the others in their last look
    qtbot.waitUntil(lambda: delegate.rendered == rendered + 5)
    assert not delegate.deferred
    shown = _page(view).toImage()
    monkeypatch.undo()
    view.setItemDelegate(QueueDelegate(delegate.theme))  # the page rendered all afresh
    assert _page(view).toImage() == shown


def test_a_cached_row_looks_as_one_painted_directly(qtbot: QtBot) -> None:
    _, view = _view(qtbot, 5)
    delegate = view.itemDelegate()
    assert isinstance(delegate, QueueDelegate)
    qtbot.waitUntil(lambda: delegate.rendered > 0)
    cached = _page(view).toImage()
    # Rendered straight onto the page, as before the cache.
    view.setItemDelegate(_Direct(delegate.theme))
    assert _page(view).toImage() == cached


class _Feed:
    """Just what Thumbnails uses of an ImageFeed: what it was asked, and its signals."""

    loaded = Signal(str, object, object)
    failed = Signal(str, object, str)

    def __init__(self) -> None:
        self.asked: list[ImageRequest] = []
        self.priorities: list[Priority] = []

    def add(self, slot: str, request: ImageRequest, priority: Priority) -> None:
        self.asked.append(request)
        self.priorities.append(priority)


def test_a_thumbnail_whose_load_was_stopped_is_asked_again_when_its_row_paints() -> None:
    feed = _Feed()
    thumbs = Thumbnails(feed)  # type: ignore[arg-type]
    entry = Entry(character(1))
    assert thumbs.get(entry) is None
    assert thumbs.get(entry) is None
    assert len(feed.asked) == 1  # once while it loads
    for attempt in range(1, THUMB_ATTEMPTS + 1):
        feed.failed.emit(THUMBS, feed.asked[-1], "image loading was stopped")
        thumbs.get(entry)  # the row painted again
        assert len(feed.asked) == min(attempt + 1, THUMB_ATTEMPTS)
    assert len(feed.asked) == THUMB_ATTEMPTS  # then the placeholder stays
    # After what is shown large: a thumbnail waits behind the current character's poses.
    assert set(feed.priorities) == {Priority.GLANCE}


def _list_on_a_feed(
    qtbot: QtBot,
) -> tuple[_Feed, ReviewQueue, QueueModel, QueueDelegate, QueueView]:
    """A list of 20 whose thumbnails come only when the test says, row 0 current and
    the looks of its neighbours made ahead."""
    feed = _Feed()
    queue = ReviewQueue()
    for i in range(20):
        queue.upsert(character(i))
    model = QueueModel(queue, Thumbnails(feed))  # type: ignore[arg-type]
    delegate = QueueDelegate(load_theme(ThemeChoice.DARK))
    view = QueueView(model, delegate)
    qtbot.addWidget(view)
    view.resize(300, 600)
    view.show()
    qtbot.waitExposed(view)
    view.setCurrentIndex(model.index(0, 0))
    qtbot.waitUntil(lambda: not view._ahead and not view._ahead_timer.isActive())
    return feed, queue, model, delegate, view


def test_a_step_that_comes_before_the_rows_thumbnail_only_blits(qtbot: QtBot) -> None:
    # Seen in the arrive benchmark: thumbnails wait while the shown poses load, so at a
    # fast reviewer's pace the row a step selected was rendered without its thumbnail
    # in the step's paint (~0.5 ms), its look made ahead only for once it had one.
    feed, queue, model, delegate, view = _list_on_a_feed(qtbot)
    view.viewport().repaint()
    rendered = delegate.rendered
    view.setCurrentIndex(model.index(1, 0))  # no thumbnail has come
    view.viewport().repaint()
    assert delegate.rendered == rendered
    # When it comes, the row's look with it is made ahead, and then shown as a blit.
    request = next(r for r in feed.asked if r.character_id == queue.at(2).id)
    feed.loaded.emit(THUMBS, request, _decoded())
    qtbot.waitUntil(lambda: delegate.rendered > rendered)
    qtbot.waitUntil(lambda: not view._ahead and not view._ahead_timer.isActive())
    rendered = delegate.rendered
    view.setCurrentIndex(model.index(2, 0))
    view.viewport().repaint()
    assert delegate.rendered == rendered


def test_a_rows_look_waits_for_its_thumbnail_without_polling_then_is_made(
    qtbot: QtBot,
) -> None:
    # Seen in CI: the look was made only while a timer looked again for the thumbnail
    # (50 ms, 40 times); a thumbnail slower than that on a loaded machine was rendered
    # during the step's paint instead.
    feed, queue, model, delegate, view = _list_on_a_feed(qtbot)
    for row in (0, 1):  # long after a timer's retries would have given up
        request = next(r for r in feed.asked if r.character_id == queue.at(row).id)
        feed.loaded.emit(THUMBS, request, _decoded())
    qtbot.waitUntil(lambda: not view._ahead and not view._ahead_timer.isActive())
    view.viewport().repaint()
    rendered = delegate.rendered
    view.setCurrentIndex(model.index(1, 0))
    view.viewport().repaint()
    # Row 1 as it looks selected and row 0 as it looks left behind were made ahead, each
    # once its thumbnail arrived.
    assert delegate.rendered == rendered


def _decoded() -> DecodedImage:
    side = 48
    return DecodedImage(side, side, b"\x80" * (side * side * 4), side, side, "PNG")


class _DirectTile(PoseTile):
    """A tile painted straight onto itself, as before looks were kept."""

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        self._paint(painter, self.state)
        painter.end()


def _tile(qtbot: QtBot, cls: type[PoseTile] = PoseTile) -> PoseTile:
    tile = cls("front", 2, load_theme(ThemeChoice.DARK))
    qtbot.addWidget(tile)
    tile.resize(300, 280)
    tile.show()
    if cls is PoseTile:  # its first paint (the empty look), after which repaint() is at once
        qtbot.waitUntil(lambda: tile.rendered == 1)
    return tile


def _image(color: str) -> QPixmap:
    pixmap = QPixmap(256, 256)
    pixmap.fill(QColor(color))
    return pixmap


def test_a_still_tile_is_rendered_once_and_blitted_after(qtbot: QtBot) -> None:
    tile = _tile(qtbot)
    tile.set_state(TileState(pixmap=_image("#8a6")))
    tile.repaint()
    assert tile.rendered == 2
    tile.repaint()  # hover, a window moving over it: the same look again
    assert tile.rendered == 2
    tile.set_selected(True)
    tile.repaint()
    assert tile.rendered == 3


def test_a_tiles_look_is_opaque_so_showing_it_is_a_copy(qtbot: QtBot) -> None:
    tile = _tile(qtbot)
    tile.set_state(TileState(pixmap=_image("#8a6")))
    tile.repaint()
    tile.set_state(TileState(loading=True))
    tile.repaint()
    assert tile._moving is not None
    looks = [*tile._looks.values(), tile._moving[1]]
    assert not any(look.hasAlphaChannel() for look in looks)  # blended ~0.4 ms a tile
    assert tile.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # nothing under it
    corner = looks[0].toImage().pixelColor(0, 0)
    assert corner == tile.theme.color("window")  # what shows round its rounded corners


def test_a_kept_look_looks_as_one_painted_directly(qtbot: QtBot) -> None:
    state = TileState(pixmap=_image("#8a6"))
    kept, direct = _tile(qtbot), _tile(qtbot, _DirectTile)
    for tile in (kept, direct):
        tile.set_state(state)
    assert kept.grab().toImage() == direct.grab().toImage()


def test_a_prepared_look_is_shown_without_rendering_it_again(qtbot: QtBot) -> None:
    tile = _tile(qtbot)
    tile.set_state(TileState(pixmap=_image("#8a6")))
    tile.repaint()
    following = TileState(pixmap=_image("#36a"))
    assert tile.prepare(following)
    assert not tile.prepare(following)  # kept already
    rendered = tile.rendered
    tile.set_state(following)
    tile.repaint()
    assert tile.rendered == rendered


def test_an_animated_tile_renders_its_still_part_once_and_paints_its_bar_over_it(
    qtbot: QtBot,
) -> None:
    tile = _tile(qtbot)
    following = TileState(pixmap=_image("#36a"))
    assert tile.prepare(following)  # the next character's look, made ahead
    loading = TileState(loading=True, progress=0.4)
    assert not tile.prepare(loading)  # nothing to make ahead: it is the same every time
    tile.set_state(loading)
    tile.repaint()
    assert tile.rendered == 3  # the empty look it started with, the prepared one, this
    for progress in (0.6, 0.9, None):
        tile.set_state(TileState(loading=True, progress=progress))
        tile.repaint()
    assert tile._timer.isActive()  # progress unknown: a segment slides
    frames = _Paints()
    tile.installEventFilter(frames)
    qtbot.waitUntil(lambda: frames.count >= 3)
    assert tile.rendered == 3  # each frame and each step of progress painted the bar only
    # A move to another character not loaded yet: the same look, blitted again.
    tile.set_state(TileState(pixmap=_image("#8a6")))
    tile.repaint()
    tile.set_state(TileState(loading=True))
    tile.repaint()
    assert tile.rendered == 4
    assert tile.has_look(following)  # not pushed out by the loading looks


@pytest.mark.parametrize("kind", ["loading", "loading-unknown", "regenerating"])
def test_an_animated_look_looks_as_one_painted_directly(qtbot: QtBot, kind: str) -> None:
    state = {  # made here: a pixmap needs the application
        "loading": lambda: TileState(loading=True, progress=0.42),
        "loading-unknown": lambda: TileState(loading=True),
        "regenerating": lambda: TileState(regenerating=True, pixmap=_image("#8a6")),
    }[kind]()
    kept, direct = _tile(qtbot), _tile(qtbot, _DirectTile)
    for tile in (kept, direct):
        tile.set_state(state)
    assert kept.grab().toImage() == direct.grab().toImage()


class _Regions(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.regions: list[QRect] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QPaintEvent):
            self.regions.append(event.rect())
        return False


def test_progress_repaints_only_the_bar(qtbot: QtBot) -> None:
    tile = _tile(qtbot)
    tile.set_state(TileState(loading=True, progress=0.2))
    tile.repaint()
    spy = _Regions()
    tile.installEventFilter(spy)
    tile.set_state(TileState(loading=True, progress=0.5))
    qtbot.waitUntil(lambda: bool(spy.regions))
    bar = spy.regions[0]
    assert bar.width() < tile.width()
    assert bar.height() < 40
    tile.set_state(TileState(pixmap=_image("#8a6")))  # the image came: all of it
    qtbot.waitUntil(lambda: len(spy.regions) > 1)
    assert spy.regions[-1] == tile.rect()


def test_the_next_characters_tiles_are_made_ahead_and_moving_there_only_blits(
    app: App, qtbot: QtBot
) -> None:
    view = app.window.current
    tiles = app.window.grid.tiles
    queue = app.session.queue
    reviewing = [e for e in queue if e.status == "reviewing"]
    queue.select(reviewing[0].id)
    following = queue.following(1)[0]
    assert following.status == "reviewing"

    def made_ahead() -> bool:
        side = app.window.grid.image_box()
        return all(
            any(key[0] == following.id and not key[4] for key in view._ready)
            and tile.has_look(_tile_state_for(view, following, pose, side))
            for pose, tile in tiles.items()
        )

    qtbot.waitUntil(made_ahead, timeout=20_000)
    rendered = {pose: tile.rendered for pose, tile in tiles.items()}
    paints = _Paints()
    for tile in tiles.values():
        tile.installEventFilter(paints)
    app.session.next()
    assert app.current_id() == following.id
    for tile in tiles.values():
        tile.repaint()
    assert paints.count >= len(tiles)
    assert all(tile.state.pixmap is not None for tile in tiles.values())
    assert {pose: tile.rendered for pose, tile in tiles.items()} == rendered


def test_a_neighbour_still_decoding_is_made_ahead_once_decoded_without_polling(
    app: App, qtbot: QtBot
) -> None:
    view = app.window.current
    tiles = app.window.grid.tiles
    queue = app.session.queue
    images = app.session.images
    assert images is not None
    side = app.window.grid.image_box()

    def in_memory(entry: Entry) -> bool:
        return any(images.peek(entry.character, p, max_side=side) for p in tiles)

    for entry in [e for e in queue if e.status == "reviewing"][3:]:
        queue.select(entry.id)  # its prefetch starts once the loop turns
        after = queue.following(1)
        if after and after[0].status == "reviewing" and not in_memory(after[0]):
            break
    following = queue.following(1)[0]
    for _ in range(20):  # the loop does not turn: none of its images can decode meanwhile
        view._ahead.stop()
        view._prepare_ahead()  # one piece (of the character before it, in memory) a call
        if not view._ahead.isActive():
            break
    # Nothing left to make, and no timer to look again: the pipeline says when.
    assert view._ahead_waiting
    assert not view._ahead.isActive()

    def made_ahead() -> bool:
        return all(
            tile.has_look(_tile_state_for(view, following, pose, side))
            and any(key[0] == following.id and key[2] == pose for key in view._ready)
            for pose, tile in tiles.items()
        )

    qtbot.waitUntil(made_ahead, timeout=20_000)


def _tile_state_for(view: CurrentView, entry: Entry, pose: str, side: tuple[int, int]) -> TileState:
    req = ImageRequest(entry.character, pose, side)
    ready = view._ready.get((req.character_id, req.version, pose, False, False))
    return _tile_state(entry, pose, ready) if ready is not None else TileState(loading=True)


def test_the_rows_a_step_repaints_are_rendered_ahead(app: App, qtbot: QtBot) -> None:
    view = app.window.queue_view
    delegate = view.itemDelegate()
    assert isinstance(delegate, QueueDelegate)
    queue = app.session.queue
    queue.select(next(e.id for e in queue if e.status == "reviewing"))

    model = view.model()
    assert isinstance(model, QueueModel)

    def settled() -> bool:
        # Every look made ahead, and no thumbnail on its way: a row shown whose
        # thumbnail arrives during the step is rendered afresh, as it should be.
        return not (
            view._ahead
            or view._ahead_waiting
            or view._ahead_timer.isActive()
            or any(model.thumbnails.loading(e) for e in queue)
        )

    qtbot.waitUntil(settled, timeout=20_000)
    view.viewport().repaint()
    rendered = delegate.rendered
    app.session.next()
    QApplication.processEvents()  # the selection sync and scroll of the step
    view.viewport().repaint()
    # The row now selected and the row left behind: both looks were made ahead.
    assert delegate.rendered == rendered


class _CountingDelegate(QueueDelegate):
    painted = 0

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        self.painted += 1
        super().paint(painter, option, index)


def test_a_step_that_scrolls_the_list_moves_its_pixels_and_paints_two_rows(
    qapp: QApplication, qtbot: QtBot
) -> None:
    theme = apply_theme(qapp, ThemeChoice.DARK)  # the style sheet gives the list its background
    queue = ReviewQueue()
    for i in range(60):
        queue.upsert(character(i))
    delegate = _CountingDelegate(theme)
    view = QueueView(QueueModel(queue, Thumbnails(None)), delegate)
    window = QWidget()  # in a window, as in the app (a top-level list never blits a scroll)
    QVBoxLayout(window).addWidget(view)
    qtbot.addWidget(window)
    window.resize(300, 600)
    window.show()
    model = view.model()
    qtbot.waitUntil(lambda: view.visualRect(model.index(59, 0)).isValid())
    view.setCurrentIndex(model.index(0, 0))
    visible = view.viewport().height() // view.visualRect(model.index(0, 0)).height()
    painted: list[int] = []
    for row in range(1, visible + 6):
        QApplication.processEvents()
        delegate.painted = 0
        view.setCurrentIndex(model.index(row, 0))  # scrolls it into view at the bottom
        QApplication.processEvents()  # the repaint it asked for
        painted.append(delegate.painted)
    assert view.verticalScrollBar().value() > 0
    # The row selected and the row left; when the list scrolls, the rest moves as pixels
    # (it repainted all ~14 rows when the style sheet's background made it not opaque).
    assert max(painted) <= 2, str(painted)
    # What is on screen is what painting the page afresh gives.
    viewport = view.viewport()
    at = viewport.mapTo(window, QPoint(0, 0))
    screen = QApplication.primaryScreen()
    shown = screen.grabWindow(window.winId(), at.x(), at.y(), viewport.width(), viewport.height())
    afresh = viewport.grab().toImage()
    assert shown.toImage().convertToFormat(afresh.format()) == afresh


def test_a_burst_of_moves_restates_the_detail_panel_once_after_them(app: App, qtbot: QtBot) -> None:
    details = app.window.details
    app.details_shown()
    shown: list[str] = []
    original = details._show_entry

    def counting(entry: Entry | None, *, loading: bool) -> None:
        shown.append("" if entry is None else entry.name)
        original(entry, loading=loading)

    details._show_entry = counting  # type: ignore[method-assign]
    for _ in range(5):  # a held key: five moves before the loop turns
        app.session.next()
    assert shown == []  # none of it during the moves (nor their paint)
    assert details.pending
    app.details_shown()
    current = app.session.current
    assert current is not None
    assert shown == [current.name]
    assert details.name.text() == current.name


class _DirectBadgeTile(PoseTile):
    """The badge drawn straight onto the tile, as before it was kept."""

    def _draw_badge(self, painter: QPainter, at: QPointF) -> None:
        draw_pill(
            painter,
            self.badge_text(),
            at,
            background=self.theme.color("overlay"),
            foreground=self.theme.color("text"),
            font=self._font(0, bold=True),
        )


def test_the_kept_badge_looks_as_one_drawn_directly_and_is_drawn_once(qtbot: QtBot) -> None:
    state = TileState(pixmap=_image("#8a6"))
    kept, direct = _tile(qtbot), _tile(qtbot, _DirectBadgeTile)
    for tile in (kept, direct):
        tile.set_state(state)
    a, b = kept.grab().toImage(), direct.grab().toImage()
    assert a.size() == b.size()
    worst = max(
        abs(getattr(a.pixelColor(x, y), c)() - getattr(b.pixelColor(x, y), c)())
        for x in range(120)
        for y in range(50)
        for c in ("red", "green", "blue")
    )
    assert worst <= 2  # the same pill, within a rounding of its antialiased edge
    badge = kept._badge
    kept.set_state(TileState(pixmap=_image("#36a")))
    kept.repaint()
    assert kept._badge is badge  # the next look drew the same pixmap
