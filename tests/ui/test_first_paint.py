"""The cold-start hook: AUROUS_BENCH_FIRST_PAINT=PATH gets the time of the first paint
that shows a character in full, once; unset, nothing is written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reviewer.ui.first_paint import ENV, _FirstPaint, record_first_paint

from .conftest import App


def _select_reviewing(app: App) -> str:
    cid = next(e.id for e in app.session.queue if e.status == "reviewing")
    app.session.queue.select(cid)
    return cid


def _repaint(app: App) -> None:
    for tile in app.window.grid.tiles.values():
        tile.repaint()


def test_writes_the_first_full_paint_once(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "first-paint"
    monkeypatch.setenv(ENV, str(path))
    before = time.time()
    record_first_paint(app.window.grid, app.window.current)
    _select_reviewing(app)
    app.qtbot.waitUntil(path.exists, timeout=10_000)
    stamp, status = path.read_text().split()
    assert before <= float(stamp) <= time.time()
    assert status == "reviewing"
    tiles = app.window.grid.tiles.values()
    assert all(t.state.pixmap is not None for t in tiles)
    path.write_text("untouched")
    _repaint(app)
    assert path.read_text() == "untouched"


def test_nothing_without_the_variable(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    record_first_paint(app.window.grid, app.window.current)
    assert app.window.grid.findChildren(_FirstPaint) == []
    monkeypatch.setenv(ENV, str(tmp_path / "first-paint"))
    record_first_paint(app.window.grid, app.window.current)
    assert len(app.window.grid.findChildren(_FirstPaint)) == 1
