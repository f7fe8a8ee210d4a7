"""A benchmark hook: with ``AUROUS_BENCH_FIRST_PAINT=PATH`` set, the window writes to
PATH, once, the wall-clock time (epoch seconds) and status of the first character it has
painted in full: every pose it has an image of shown, none still loading (a character
synthesizing its first poses has none to wait for). ``benchmarks/run.py`` times cold
starts with it; unset, nothing is installed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject

from .current_view import CurrentView
from .pose_grid import PoseGrid

__all__ = ["ENV", "record_first_paint"]

ENV = "AUROUS_BENCH_FIRST_PAINT"


class _FirstPaint(QObject):
    def __init__(self, grid: PoseGrid, current: CurrentView, path: Path) -> None:
        super().__init__(grid)
        self._grid = grid
        self._current = current
        self._path = path
        self._painted: set[str] = set()
        for tile in grid.tiles.values():
            tile.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint:
            return False
        entry = self._current.entry
        tiles = self._grid.tiles
        if entry is None or any(t.state.loading for t in tiles.values()):
            self._painted.clear()
            return False
        self._painted.add(next(pose for pose, tile in tiles.items() if tile is watched))
        if len(self._painted) == len(tiles):
            self._path.write_text(f"{time.time():.6f} {entry.status}\n", encoding="utf-8")
            for tile in tiles.values():
                tile.removeEventFilter(self)
        return False


def record_first_paint(grid: PoseGrid, current: CurrentView) -> None:
    path = os.environ.get(ENV)
    if path:
        _FirstPaint(grid, current, Path(path))
