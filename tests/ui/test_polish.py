"""Issue 9's polish list: what the window shows at start, at small sizes, when empty."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewer.review.notices import Notice, NoticeLevel
from reviewer.review.poller import MERGE_BATCH
from reviewer.review.queue import StatusFilter
from reviewer.ui.main_window import MainWindow
from reviewer.ui.painting import fitted_rect
from tests.simfixtures import make_sim

from .conftest import App, Runner, running_app


def test_first_selection_is_in_review_and_highlighted_without_a_key(app: App) -> None:
    w = app.window
    queue = app.session.queue
    assert queue.at(0).status == "synthesizing"  # the simulator's newest is still being made
    first_reviewing = next(r for r in range(len(queue)) if queue.at(r).status == "reviewing")
    assert queue.current_row == first_reviewing
    selection = w.queue_view.selectionModel()
    assert selection.currentIndex().row() == first_reviewing
    assert [i.row() for i in selection.selectedIndexes()] == [first_reviewing]


def test_a_first_row_in_review_is_highlighted_at_start(
    qtbot: QtBot, qapp: QApplication, run: Runner, tmp_path: Path
) -> None:
    h = make_sim()
    h.clock.advance(120)  # every synthesis has finished
    with running_app(qtbot, qapp, run, tmp_path, h=h) as app:
        queue = app.session.queue
        assert queue.at(0).status == "reviewing"
        assert queue.current_row == 0
        selection = app.window.queue_view.selectionModel()
        assert [i.row() for i in selection.selectedIndexes()] == [0]


def test_a_long_first_sweep_merged_over_several_turns_starts_on_the_top_row(
    qtbot: QtBot, qapp: QApplication, run: Runner, tmp_path: Path
) -> None:
    # A page is merged a few characters a turn of the loop; the window's doings between
    # the parts must not pass for the reviewer's choice of a row.
    h = make_sim(characters=60)
    h.clock.advance(120)
    with running_app(qtbot, qapp, run, tmp_path, h=h) as app:
        queue = app.session.queue
        assert len(queue) > 3 * MERGE_BATCH
        assert queue.at(0).status == "reviewing"
        assert queue.current_row == 0
        assert app.window.queue_view.currentIndex().row() == 0


def test_a_letter_that_is_no_shortcut_does_not_move_the_selection(app: App) -> None:
    queue = app.session.queue
    start = queue.current_row
    assert start is not None
    # Type-ahead would jump to the next row whose name starts with the letter typed.
    taken = {k.upper() for keys in app.window.keymap.keys.values() for k in keys}
    later = next(
        name[0]
        for name in (queue.at(r).name for r in range(start + 1, len(queue)))
        if name[0].upper() not in taken
    )
    app.qtbot.keyClicks(app.window.queue_view, later.lower())
    app.window.queue_view.keyboardSearch(later)
    assert queue.current_row == start


def test_the_id_is_whole_in_a_read_only_field_and_keys_still_decide(app: App) -> None:
    w = app.window
    field = w.details.id_field
    cid = app.current_id()
    assert field.text() == cid
    assert field.isReadOnly()
    assert cid in field.toolTip()
    app.qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    app.qtbot.keyClick(field, Qt.Key.Key_S)
    assert app.current_id() != cid  # S still saved it and moved on
    moved = app.current_id()
    app.qtbot.keyClick(field, Qt.Key.Key_Right)
    assert app.current_id() != moved


def _parts_fit(w: MainWindow) -> bool:
    for button in w.details.buttons.values():
        if not w.details.rect().contains(button.geometry()):
            return False
        for part in (button.title, button.key_badge):
            text = part.fontMetrics().horizontalAdvance(part.text())
            if text > part.width() or not button.rect().contains(part.geometry()):
                return False
    return True


def test_at_1024_by_640_decision_titles_and_keys_fit_and_poses_stay_260(app: App) -> None:
    w = app.window
    w.resize(1024, 640)
    app.qtbot.waitUntil(lambda: w.width() == 1024)
    app.qtbot.waitUntil(lambda: all(t.width() >= 260 for t in w.grid.tiles.values()))
    app.qtbot.waitUntil(lambda: _parts_fit(w))
    assert w.details.isVisible()
    assert w.queue_panel.isVisible()  # columns shown, poses still ≥ 260 px


def test_costs_show_when_there_is_room_and_give_way_together_when_not(app: App) -> None:
    w = app.window
    costs = [b.cost for b in w.details.buttons.values()]
    assert w.width() == 1440  # as it opens on a large screen
    app.qtbot.waitUntil(lambda: all(c.isVisible() for c in costs))
    w.splitter.setSizes([200, 2000, 1])  # the details column as narrow as it goes
    app.qtbot.waitUntil(lambda: not any(c.isVisible() for c in costs))
    app.qtbot.waitUntil(lambda: _parts_fit(w))


def test_pose_badges_never_cover_the_image_at_any_size(app: App) -> None:
    w = app.window
    tiles = list(w.grid.tiles.values())
    app.qtbot.waitUntil(lambda: all(t.state.pixmap is not None for t in tiles), timeout=10_000)
    for width, height in ((1024, 640), (1280, 720), (1600, 1000), (860, 560)):
        w.resize(width, height)
        app.qtbot.waitUntil(lambda: w.width() == width)  # noqa: B023 - awaited here
        for tile in tiles:
            pixmap = tile.state.pixmap
            assert pixmap is not None
            inner, badge_at = tile.image_area()
            image = fitted_rect(pixmap.deviceIndependentSize(), inner)
            badge = tile.badge_rect()
            badge.moveTopLeft(badge_at)
            assert not badge.intersects(image), (width, tile.pose)


def test_status_tabs_show_their_counts(app: App) -> None:
    buttons = app.window.filter_buttons
    counts = app.session.queue.counts
    assert counts.to_review > 0
    assert buttons[StatusFilter.REVIEWING].text() == f"Reviewing  {counts.to_review}"
    assert buttons[StatusFilter.SYNTHESIZING].text() == f"Synthesizing  {counts.synthesizing}"
    total = counts.to_review + counts.synthesizing + counts.failed
    assert buttons[StatusFilter.ALL].text() == f"All  {total}"
    cid = app.current_id()
    app.session.save()
    assert app.session.queue.get(cid) is not None  # the row stays, dimmed, until sent
    assert buttons[StatusFilter.REVIEWING].text() == f"Reviewing  {counts.to_review - 1}"


def test_a_search_matching_nothing_shows_an_empty_page_not_a_grid(app: App) -> None:
    w = app.window
    app.qtbot.keyClicks(w.search, "zzzz-nobody")
    assert len(app.session.queue) == 0
    assert w.grid.isHidden()
    assert w.centre_empty.isVisible()
    assert "zzzz-nobody" in w.centre_empty_text.text()
    app.details_shown()
    assert not any(b.isEnabled() for b in w.details.buttons.values())
    app.qtbot.mouseClick(w.show_all_button, Qt.MouseButton.LeftButton)
    assert w.search.text() == ""
    assert w.grid.isVisible()
    app.details_shown()
    assert any(b.isEnabled() for b in w.details.buttons.values())


def test_an_empty_status_tab_shows_the_empty_page(app: App) -> None:
    w = app.window
    failed = app.h.of_status("failed")
    assert len(failed) == 1
    app.session.queue.select(str(failed[0]["id"]))
    app.session.discard()
    app.pass_undo_window()
    app.qtbot.waitUntil(lambda: w.filter_buttons[StatusFilter.FAILED].text() == "Failed  0")
    w.filter_buttons[StatusFilter.FAILED].click()
    assert w.grid.isHidden()
    assert w.show_all_button.isVisible()
    w.show_all_button.click()
    assert w.filter_buttons[StatusFilter.ALL].isChecked()
    assert w.grid.isVisible()


def _has_colour(image: QImage, colour: QColor) -> bool:
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if (
                abs(pixel.red() - colour.red())
                + abs(pixel.green() - colour.green())
                + abs(pixel.blue() - colour.blue())
                < 40
            ):
                return True
    return False


def test_a_failed_character_has_a_warning_for_a_thumbnail(app: App) -> None:
    w = app.window
    queue = app.session.queue
    row = next(r for r in range(len(queue)) if queue.at(r).status == "failed")
    assert w.thumbnails.get(queue.at(row)) is None  # no portrait to show
    index = w.queue_model.index(row)
    w.queue_view.scrollTo(index)
    rect = w.queue_view.visualRect(index)
    thumb = w.queue_view.viewport().grab(rect.adjusted(12, 8, 56 - rect.width(), -8)).toImage()
    assert _has_colour(thumb, w.theme.color("failed"))
    reviewing = next(r for r in range(len(queue)) if queue.at(r).status == "reviewing")
    w.queue_view.scrollTo(w.queue_model.index(reviewing))
    other = w.queue_view.visualRect(w.queue_model.index(reviewing))
    plain = w.queue_view.viewport().grab(other.adjusted(12, 8, 56 - other.width(), -8)).toImage()
    assert not _has_colour(plain, w.theme.color("failed"))


def test_a_long_status_line_is_cut_short_not_widening_the_window(app: App) -> None:
    w = app.window
    w.resize(1024, 640)
    app.qtbot.waitUntil(lambda: w.width() == 1024)
    long = "Offline — " + "12 decisions will be sent when the connection is back; " * 6
    w.status.show_problem(long)
    assert w.status.connection_label.isVisible()
    assert w.minimumSizeHint().width() <= 1024
    QApplication.processEvents()  # the layout request runs: it must not grow the window
    assert w.width() == 1024
    assert w.status.connection_label.width() < w.status.connection_label.sizeHint().width()
    assert w.status.connection_label.toolTip() == long


def test_survey_and_loupe_hints_follow_the_keymap() -> None:
    from reviewer.ui.keymap import build_keymap
    from reviewer.ui.loupe import _HINTS, LoupeMode
    from reviewer.ui.survey import _HINT

    keymap = build_keymap({})
    assert keymap.hint_line(_HINT) == (
        "← →  move     S  save     X  discard     R  regenerate     1–4  pose     Esc  leave"
    )
    assert (
        keymap.hint_line(_HINTS[LoupeMode.FOUR]) == "Z  zoom     Shift+Z  one pose     Esc  close"
    )
    rebound = build_keymap({"keys": {"save": ["P"], "zoom_4up": ["Ctrl+4"]}})
    assert "P  save" in rebound.hint_line(_HINT)
    assert "Ctrl+4  one pose" in rebound.hint_line(_HINTS[LoupeMode.FOUR])


def test_a_header_title_and_its_key_hint_never_overlap(qapp: QApplication) -> None:
    from PySide6.QtGui import QFontMetricsF

    from reviewer.ui.painting import header_split

    metrics = QFontMetricsF(qapp.font())
    title = "Survey  ·  Portrait pose"
    hint = "← →  move     S  save     X  discard     R  regenerate     1–4  pose     Esc  leave"
    hint_w = metrics.horizontalAdvance(hint)
    for width in range(200, 1600, 10):
        title_w = header_split(metrics, width, title, hint)
        if title_w < width:  # the hint is shown: right of a title that is whole
            assert title_w + hint_w <= width
            assert metrics.horizontalAdvance(title) <= title_w
    assert header_split(metrics, 1500, title, hint) < 1500  # wide: both


def test_a_long_error_toast_shows_all_its_text_and_covers_no_pose_at_1024(app: App) -> None:
    w = app.window
    w.resize(1024, 640)
    app.qtbot.waitUntil(lambda: w.width() == 1024)
    text = (
        "Out of credits: regenerating the front pose of “Zara the Mapmaker” was not done. "
        "Add credits to your Aurous team, then regenerate it again."
    )
    w.session.notice.emit(Notice(NoticeLevel.ERROR, text, request_id="req_01ABCDEFGHJKMNPQ"))
    toast = w.toast
    assert toast.isVisible()
    label = toast._text
    assert label.height() >= label.heightForWidth(label.width())
    assert toast.rect().contains(label.geometry())
    root = toast.parentWidget()
    assert root is not None
    for tile in w.grid.tiles.values():
        where = QRect(tile.mapTo(root, QPoint(0, 0)), tile.size())
        assert not where.intersects(toast.geometry()), tile.pose


def test_a_short_window_scrolls_the_details_rather_than_squash_them(app: App) -> None:
    w = app.window
    w.resize(1024, 560)
    app.qtbot.waitUntil(lambda: w.height() == 560)
    cid = app.current_id()
    app.session.queue.clear_pending(cid, message="The server refused this. " * 12)
    info = w.details.info_scroll.widget()
    assert info is not None
    app.details_shown()
    assert w.details.error.isVisible()
    app.qtbot.waitUntil(lambda: info.height() >= info.minimumSizeHint().height())
    assert w.details.info_scroll.verticalScrollBar().maximum() > 0
    for button in w.details.buttons.values():
        assert w.details.rect().contains(button.geometry())
        assert button.height() >= 44
