"""The top bar on a narrow window: nothing overlaps, nothing is cut below its text, the
search placeholder is whole, and the filter chip keeps readable room (issue 9)."""

from __future__ import annotations

import contextlib

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget
from pytestqt.exceptions import TimeoutError as QtTimeoutError

from reviewer.review.arrange import Attribute, AttributeFilter, attribute_options
from reviewer.ui.main_window import MainWindow
from reviewer.ui.search_field import text_room

from .conftest import App


def _bar_widgets(w: MainWindow) -> dict[str, QWidget]:
    bar = w.filter_bar
    widgets: dict[str, QWidget] = {f"tab {s.value}": b for s, b in w.filter_buttons.items()}
    for name in ("later_button", "filter_button", "chip", "sort_button"):
        widgets[name] = getattr(bar, name)
    widgets["search"] = w.search
    return {name: x for name, x in widgets.items() if x.isVisible()}


def _rects(w: MainWindow) -> dict[str, QRect]:
    return {
        n: QRect(x.mapTo(w.top_bar, QPoint(0, 0)), x.size()) for n, x in _bar_widgets(w).items()
    }


def _long_filter(app: App) -> AttributeFilter:
    """Every gender and every age range in the queue: the longest chip it can have."""
    queue = app.window.session.queue
    options = attribute_options(e.character for e in queue.arrangeable())
    chosen = AttributeFilter()
    for attribute in (Attribute.GENDER, Attribute.AGE):
        for value in options[attribute]:
            chosen = chosen.toggled(attribute, value)
    return chosen


def _placeholder_whole(w: MainWindow) -> bool:
    metrics = w.search.fontMetrics()
    return metrics.horizontalAdvance(w.search.placeholderText()) <= text_room(w.search)


def _problems(w: MainWindow) -> list[str]:
    rects = _rects(w)
    names = list(rects)
    found: list[str] = []
    for i, a in enumerate(names):
        found += [f"{a} overlaps {b}" for b in names[i + 1 :] if rects[a].intersects(rects[b])]
        if rects[a].right() >= w.top_bar.width():
            found.append(f"{a} leaves the bar")
    for name, widget in _bar_widgets(w).items():
        least = min(widget.minimumSizeHint().width(), widget.sizeHint().width())
        if widget.width() < least:
            found.append(f"{name} squeezed below its text: {widget.width()} < {least}")
    if w.search.width() < 150:
        found.append(f"search {w.search.width()} px")
    if not _placeholder_whole(w):
        found.append(f"placeholder {w.search.placeholderText()!r} cut")
    return found


@pytest.mark.parametrize("width", [1024, 1280, 1600])
@pytest.mark.parametrize("filtered", [False, True])
def test_top_bar_widgets_fit_side_by_side(app: App, width: int, filtered: bool) -> None:
    w = app.window
    if filtered:
        w.session.queue.set_attribute_filter(_long_filter(app))
        app.qtbot.waitUntil(w.filter_bar.chip.isVisible)
    w.resize(width, 640)
    app.qtbot.waitUntil(lambda: w.width() == width and w.top_bar.width() == width)
    # The layout settles over a few events; then nothing may be wrong.
    with contextlib.suppress(QtTimeoutError):
        app.qtbot.waitUntil(lambda: not _problems(w), timeout=2000)
    assert _problems(w) == [], f"at {width} px"
    if filtered:
        chip = w.filter_bar.chip
        # Readable: ten letters of it at least, or all of it.
        shown = chip.text().removesuffix(chip.CLOSE).removesuffix("…")
        assert len(shown) >= min(10, len(chip.full_text)), chip.text()


def test_the_title_gives_way_to_the_filter_on_a_narrow_window(app: App) -> None:
    w = app.window
    title = w.top_bar.title
    assert title is not None
    w.resize(1024, 640)
    app.qtbot.waitUntil(lambda: w.top_bar.width() == 1024)
    assert title.isVisible()  # room for it with no filter in force
    w.session.queue.set_attribute_filter(_long_filter(app))
    app.qtbot.waitUntil(lambda: not title.isVisible())
    w.session.queue.set_attribute_filter(AttributeFilter())
    app.qtbot.waitUntil(title.isVisible)


def test_the_search_box_grows_to_its_full_width_when_there_is_room(app: App) -> None:
    w = app.window
    w.resize(1600, 1000)
    app.qtbot.waitUntil(lambda: w.top_bar.width() == 1600)
    app.qtbot.waitUntil(lambda: w.search.width() == w.search.maximumWidth())
    assert w.search.placeholderText().startswith("Search by name")
    assert _placeholder_whole(w)


def test_a_chip_with_room_shows_all_its_text(app: App) -> None:
    # At 1600 px a three-value chip read "female, male · under …": given exactly its
    # hint, elidedText cut it by a fraction of a pixel.
    w = app.window
    w.resize(1600, 1000)
    app.qtbot.waitUntil(lambda: w.top_bar.width() == 1600)
    queue = w.session.queue
    options = attribute_options(e.character for e in queue.arrangeable())
    chosen = AttributeFilter()
    for attribute, value in [
        (Attribute.GENDER, options[Attribute.GENDER][0]),
        (Attribute.GENDER, options[Attribute.GENDER][1]),
        (Attribute.AGE, options[Attribute.AGE][0]),
    ]:
        chosen = chosen.toggled(attribute, value)
    queue.set_attribute_filter(chosen)
    chip = w.filter_bar.chip
    app.qtbot.waitUntil(chip.isVisible)
    app.qtbot.waitUntil(lambda: chip.width() >= chip.sizeHint().width())
    assert chip.text() == chip.full_text + chip.CLOSE
