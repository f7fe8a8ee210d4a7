"""The window's triage: L for later, O for the order, the filter bar, the share, and
what is remembered between sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication

from reviewer.app import build_parser
from reviewer.review.arrange import Attribute, AttributeFilter, Share, SortOrder, attribute_value
from reviewer.review.queue import ReviewQueue
from reviewer.ui.preferences import SHARE_KEY, SORT_KEY, restore_arrangement, save_arrangement
from reviewer.ui.queue_view import ENTRY_ROLE

from .conftest import App


def shown_ids(app: App) -> list[str]:
    return [e.id for e in app.session.queue]


def test_l_moves_the_current_one_to_the_end_with_a_mark(app: App) -> None:
    window = app.window
    first = app.current_id()
    before = shown_ids(app)
    app.qtbot.keyClick(window.queue_view, Qt.Key.Key_L)
    assert shown_ids(app)[-1] == first
    assert app.current_id() != first  # moved on, as after a decision
    last = window.queue_model.index(len(app.session.queue) - 1)
    assert last.data(ENTRY_ROLE).later is not None
    assert "flagged for later" in last.data(Qt.ItemDataRole.ToolTipRole)
    assert window.filter_bar.later_button.text() == "Later 1"
    assert not app.session.outbox.pending()  # nothing for the server
    # Back on it, the details say so; L again clears it and it stays current.
    app.session.queue.select(first)
    app.details_shown()
    assert "Later" in window.details.status.text()
    app.qtbot.keyClick(window.queue_view, Qt.Key.Key_L)
    assert shown_ids(app) == before  # back in its place
    assert app.current_id() == first
    app.details_shown()
    assert "Later" not in window.details.status.text()
    assert window.filter_bar.later_button.text() == "Later"


def test_the_later_button_filters_to_the_flagged(app: App) -> None:
    first = app.current_id()
    app.session.toggle_later()
    app.window.filter_bar.later_button.click()
    assert shown_ids(app) == [first]
    assert app.window.filter_bar.later_button.isChecked()
    app.window.filter_bar.later_button.click()
    assert len(shown_ids(app)) > 1


def test_o_turns_the_order_and_the_button_says_which(app: App) -> None:
    newest = shown_ids(app)
    bar = app.window.filter_bar
    assert bar.sort_button.text().endswith("Newest")
    app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_O)
    assert app.session.queue.sort_order is SortOrder.OLDEST
    assert shown_ids(app) == newest[::-1]
    assert bar.sort_button.text().endswith("Oldest")
    bar.sort_button.click()
    assert shown_ids(app) == newest


def test_the_filter_menu_offers_the_queues_values_and_the_chip_clears_it(app: App) -> None:
    bar = app.window.filter_bar
    queue = app.session.queue
    bar.menu.rebuild()
    entries = list(queue)
    genders = {
        value
        for e in entries
        if (value := attribute_value(e.character, Attribute.GENDER)) is not None
    }
    offered = {v for (a, v) in bar.menu.value_actions if a is Attribute.GENDER}
    assert offered == genders
    assert {a for a, _ in bar.menu.value_actions} == set(Attribute)
    gender = sorted(genders)[0]
    bar.menu.value_actions[(Attribute.GENDER, gender)].trigger()
    assert queue.attribute_filter.values(Attribute.GENDER) == {gender}
    matching = [e.id for e in entries if attribute_value(e.character, Attribute.GENDER) == gender]
    assert shown_ids(app) == matching
    assert bar.chip.isVisibleTo(bar)
    assert gender in bar.chip.full_text
    assert f"Gender: {gender}" in bar.chip.toolTip()
    bar.chip.click()
    assert not queue.attribute_filter.active
    assert not bar.chip.isVisibleTo(bar)
    assert len(shown_ids(app)) == len(entries)


def test_a_value_menu_stays_open_for_more_picks(app: App) -> None:
    bar = app.window.filter_bar
    bar.open_menu()
    app.qtbot.waitUntil(bar.menu.isVisible)
    submenu = bar.menu.submenus[Attribute.GENDER]
    submenu.popup(bar.mapToGlobal(QPoint(0, 0)))
    app.qtbot.waitUntil(submenu.isVisible)
    picks = [a for (attr, _), a in bar.menu.value_actions.items() if attr is Attribute.GENDER]
    for action in picks[:2]:
        submenu.setActiveAction(action)
        center = submenu.actionGeometry(action).center()
        app.qtbot.mouseRelease(submenu, Qt.MouseButton.LeftButton, pos=center)
        assert action.isChecked()
        assert submenu.isVisible()  # still open: another value can be ticked
    assert len(app.session.queue.attribute_filter.values(Attribute.GENDER)) == 2
    assert submenu.title() == "Gender  (2)"
    bar.menu.close()


def test_a_long_filter_is_elided_in_the_chip_never_cut(app: App) -> None:
    bar = app.window.filter_bar
    app.window.resize(1280, 720)
    bar.menu.rebuild()
    for action in bar.menu.value_actions.values():
        action.trigger()  # every value of every attribute
    app.qtbot.waitUntil(lambda: bar.chip.isVisible())
    chip = bar.chip

    def fits() -> bool:
        used = chip.fontMetrics().horizontalAdvance(chip.text())
        return chip.text().endswith("…  ✕") and used + chip._chrome() <= chip.width()

    app.qtbot.waitUntil(fits)  # elided to the room it has, the ✕ always there
    assert "Body type:" in bar.chip.toolTip()  # the whole of it, one hover away


def test_an_empty_filter_says_so(app: App) -> None:
    app.session.queue.set_attribute_filter(
        AttributeFilter().toggled(Attribute.GENDER, "no such gender")
    )
    assert app.window.queue_empty.text() == "Nothing matches this filter."
    app.window.go_to_character(app.session.queue.all_entries()[0].id)  # filters cleared
    assert len(app.session.queue) > 0


def test_the_sheet_lists_later_and_sort(app: App) -> None:
    rows = dict(row for _, section in app.window.sheet.rows() for row in section)
    assert rows["L"].startswith("Later")
    assert rows["O"].startswith("Sort")
    assert rows["F"].startswith("Filter")


def test_f_opens_the_attribute_filter(app: App) -> None:
    menu = app.window.filter_bar.menu
    app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_F)
    app.qtbot.waitUntil(menu.isVisible)
    menu.hide()


def test_the_status_bar_names_the_share_and_counts_the_others(app: App) -> None:
    queue = app.session.queue
    total = len(queue)
    queue.set_share(Share(2, 3))
    text = app.window.status.counts_label.text()
    assert "share 2 of 3" in text
    assert f"· {total - len(queue)} with others" in text
    assert all(Share(2, 3).includes(e.id) for e in queue)


# -- remembered between sessions --------------------------------------------------------


def settings_at(path: Path) -> QSettings:
    return QSettings(str(path / "window.ini"), QSettings.Format.IniFormat)


def test_sort_and_share_are_remembered(qapp: QApplication, tmp_path: Path) -> None:
    queue = ReviewQueue()
    assert restore_arrangement(queue, settings_at(tmp_path), Share(2, 3)) == []
    queue.set_sort(SortOrder.OLDEST)
    save_arrangement(queue, settings_at(tmp_path))
    again = ReviewQueue()
    assert restore_arrangement(again, settings_at(tmp_path)) == []
    assert again.sort_order is SortOrder.OLDEST
    assert again.share == Share(2, 3)
    # --share all forgets it.
    third = ReviewQueue()
    restore_arrangement(
        third, settings_at(tmp_path), build_parser().parse_args(["--share", "all"]).share
    )
    assert not third.share.splits
    assert settings_at(tmp_path).value(SHARE_KEY) == ""


def test_a_bad_saved_value_is_named_and_the_default_used(
    qapp: QApplication, tmp_path: Path
) -> None:
    settings = settings_at(tmp_path)
    settings.setValue(SORT_KEY, "sideways")
    settings.setValue(SHARE_KEY, "5/2")
    settings.sync()
    queue = ReviewQueue()
    problems = restore_arrangement(queue, settings_at(tmp_path))
    assert len(problems) == 2
    assert "'sideways' is unknown" in problems[0]
    assert "K must be from 1 to 2" in problems[1]
    assert queue.sort_order is SortOrder.NEWEST
    assert not queue.share.splits


@pytest.mark.parametrize(
    ("value", "words"),
    [("4/3", "K must be from 1 to 3"), ("0/2", "K must be from 1 to 2"), ("x", "write K/N")],
)
def test_a_bad_share_stops_at_the_start_with_a_clear_error(
    value: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--share", value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "argument --share" in err
    assert words in err


def test_a_good_share_parses() -> None:
    assert build_parser().parse_args(["--share", "2/3"]).share == Share(2, 3)
    assert build_parser().parse_args([]).share is None


def test_notices_meant_for_the_log_only_make_no_toast(app: App) -> None:
    toast = app.window.toast
    toast.hide()
    app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_O)
    assert app.window.activity.notices[-1].text == "Queue sorted oldest first"
    assert not toast.isVisible()  # the button says it; a toast would cover the buttons
    app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_L)
    assert toast.isVisible()
    assert toast._text.text().endswith("moved to the end, for later")


@pytest.mark.parametrize("start_sort", [SortOrder.OLDEST])
def test_oldest_first_the_window_starts_on_the_top_row(app: App) -> None:
    queue = app.session.queue
    top = next(e for e in queue if not e.decided)
    assert app.session.current is top  # not the newest, the first one the API sent
    assert app.window.queue_view.currentIndex().row() == 0
