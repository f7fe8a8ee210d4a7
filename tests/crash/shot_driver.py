"""Inside the real app, on a real X display: walks the window through every view of
issue 9's screenshot matrix with real keys and clicks (xdotool), waits for each view to
be there (the loupe open at 100 %, its images sharp; four selected…) and takes the
screen with ImageMagick's ``import``. Run by tests/crash/screenshots.py, one process per
theme; it writes ``report.json`` beside the PNGs: what each shot showed, and the top
bar's layout facts (overlaps, the chip's and the search box's room).

    python -m tests.crash.shot_driver --out DIR --prefix 1280x720-dark --sim URL -- ARGS

ARGS are the ``reviewer`` command line (``--base-url`` … ``--theme``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QWidget

from reviewer import app as reviewer_app
from reviewer.api import CharacterStatus
from reviewer.ui.loupe import LoupeMode
from reviewer.ui.main_window import MainWindow
from reviewer.ui.search_field import text_room

# Bounded waits for a loaded 2-core machine; a condition met returns at once.
WAIT = 60.0
KEY_RETRY = 12.0  # a key that changed nothing by then is sent again (lost under load)
QUIET = 0.6  # no repaint for this long: the view has settled
QUIET_MAX = 6.0


class Failed(AssertionError):
    pass


class _Paints(QObject):
    """When the window (or a menu, a dialog) last painted: a view has settled once
    nothing repaints for QUIET seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.last = time.monotonic()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.last = time.monotonic()
        return False


class Driver:
    def __init__(self, window: MainWindow, out: Path, prefix: str, sim_url: str) -> None:
        self.window = window
        self.session = window.session
        self.out = out
        self.prefix = prefix
        self.sim = httpx.AsyncClient(base_url=sim_url, timeout=30)
        self.display = os.environ["DISPLAY"]
        self.report: list[dict[str, Any]] = []
        self.paints = _Paints()
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self.paints)

    # -- doing --------------------------------------------------------------------------

    async def _run(self, *command: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *command,
            env={**os.environ, "DISPLAY": self.display},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        if process.returncode != 0:
            raise Failed(f"{' '.join(command)}: {err.decode(errors='replace').strip()}")
        return out.decode()

    async def key(self, key: str, *, window: QWidget | None = None) -> None:
        target = str(int((window or self.window).winId()))
        await self._run("xdotool", "windowactivate", "--sync", target, "key", key)

    async def press(self, key: str, done: Callable[[], bool], what: str) -> None:
        """``key``, then wait for ``done``; sent again once if nothing happened."""
        for attempt in range(2):
            await self.key(key)
            try:
                await self.until(done, what, timeout=KEY_RETRY if attempt == 0 else WAIT)
                return
            except Failed:
                if attempt:
                    raise

    def native(self, widget: QWidget, at: QPoint | None = None) -> tuple[int, int]:
        """Screen pixels (what xdotool speaks) of a point of ``widget``, its centre by
        default: Qt's global coordinates are device-independent."""
        point = widget.mapToGlobal(at if at is not None else widget.rect().center())
        ratio = widget.screen().devicePixelRatio()
        return round(point.x() * ratio), round(point.y() * ratio)

    async def click(self, widget: QWidget, at: QPoint | None = None) -> None:
        x, y = self.native(widget, at)
        await self._run("xdotool", "mousemove", "--sync", str(x), str(y), "click", "1")

    async def hover(self, widget: QWidget, at: QPoint | None = None) -> None:
        x, y = self.native(widget, at)
        await self._run("xdotool", "mousemove", "--sync", str(x), str(y))

    async def until(
        self,
        condition: Callable[[], bool],
        what: str,
        timeout: float = WAIT,  # noqa: ASYNC109 (a bounded poll of the window's state)
    ) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise Failed(f"waited {timeout:g} s for {what}")
            await asyncio.sleep(0.05)

    async def settle(self) -> bool:
        """True once nothing has repainted for QUIET s (False: still animating)."""
        deadline = time.monotonic() + QUIET_MAX
        while time.monotonic() - self.paints.last < QUIET:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def shot(self, view: str, showing: str) -> None:
        settled = await self.settle()
        path = self.out / f"{self.prefix}-{view}.png"
        await self._run("import", "-window", "root", str(path))
        self.report.append(
            {
                "view": view,
                "file": path.name,
                "showing": showing,
                "settled": settled,
                "top_bar": self.top_bar_facts(),
            }
        )
        print(f"shot {path.name}: {showing}", flush=True)

    async def sim_post(self, path: str, body: dict[str, Any]) -> None:
        (await self.sim.post(path, json=body)).raise_for_status()

    # -- what the window shows -----------------------------------------------------------

    def top_bar_facts(self) -> dict[str, Any]:
        w = self.window
        widgets: dict[str, QWidget] = {
            f"tab_{s.value}": b for s, b in w.filter_buttons.items() if b.isVisible()
        }
        bar = w.filter_bar
        for name in ("later_button", "filter_button", "chip", "sort_button"):
            widget = getattr(bar, name)
            if widget.isVisible():
                widgets[name] = widget
        widgets["search"] = w.search
        top = w.search.parentWidget()
        assert top is not None
        rects = {n: QRect(x.mapTo(top, QPoint(0, 0)), x.size()) for n, x in widgets.items()}
        names = list(rects)
        overlaps = [
            f"{a}/{b}"
            for i, a in enumerate(names)
            for b in names[i + 1 :]
            if rects[a].intersects(rects[b])
        ]
        squeezed = [
            n
            for n, x in widgets.items()
            if x.width() < min(x.minimumSizeHint().width(), x.sizeHint().width())
        ]
        facts: dict[str, Any] = {
            "width": top.width(),
            "overlaps": overlaps,
            "below_minimum": squeezed,
            "search_width": w.search.width(),
            "placeholder": w.search.placeholderText(),
            "placeholder_fits": placeholder_fits(w.search),
        }
        if bar.chip.isVisible():
            facts["chip"] = {"shown": bar.chip.text(), "full": bar.chip.full_text}
        return facts

    @property
    def current_id(self) -> str | None:
        entry = self.session.current
        return entry.id if entry else None

    def grid_ready(self) -> bool:
        entry = self.session.current
        tiles = self.window.grid.tiles.values()
        return (
            entry is not None
            and entry.status == CharacterStatus.REVIEWING
            and all(t.state.pixmap is not None and not t.state.loading for t in tiles)
        )

    async def to_reviewing(self) -> None:
        """Back up the queue (K) to a character in review: decisions advance onto
        whatever is next, a failed one at the end say."""
        queue = self.session.queue
        for _ in range(len(queue)):
            entry = self.session.current
            if entry is not None and entry.status == CharacterStatus.REVIEWING:
                break
            await self.press("k", partial(self.moved_from, entry), "a move up")
        await self.until(self.grid_ready, "a character in review")

    def decided(self) -> int:
        return len(self.session.outbox.history(limit=50))

    def moved_from(self, entry: object) -> bool:
        return self.session.current is not entry

    def loupe_at(self, mode: LoupeMode, zoom: str) -> Callable[[], bool]:
        loupe = self.window.loupe
        return lambda: (
            loupe.isVisible()
            and loupe.mode is mode
            and loupe.zoom_label == zoom
            and loupe.full_resolution
        )

    def menu(self) -> QMenu | None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMenu) and widget.isVisible():
                return widget
        return None

    # -- the walk -----------------------------------------------------------------------

    async def walk(self) -> None:
        w, s = self.window, self.session
        await self.until(lambda: not s.loading and self.grid_ready(), "the first character")
        await self.shot("grid", f"the grid of {s.current.name if s.current else '?'}")

        await self.press("ctrl+1", self.loupe_at(LoupeMode.SINGLE, "100 %"), "loupe at 100 %")
        await self.shot("loupe-100", "the loupe at 100 %, sharp")
        await self.press("ctrl+2", self.loupe_at(LoupeMode.SINGLE, "200 %"), "loupe at 200 %")
        await self.shot("loupe-200", "the loupe at 200 %, sharp")
        await self.press("shift+z", self.loupe_at(LoupeMode.FOUR, "Fit"), "4-up at Fit")
        await self.shot("4up", "4-up, all four poses at Fit")
        await self.press("ctrl+1", self.loupe_at(LoupeMode.FOUR, "100 %"), "4-up at 100 %")
        await self.shot("4up-100", "4-up, all four poses at 100 % on the same spot")
        await self.press("Escape", lambda: not w.loupe.isVisible(), "the loupe to close")

        await self.press("n", w.survey.isVisible, "the survey")
        await self.shot("survey", "the survey of the selected pose")
        await self.press("Escape", lambda: not w.survey.isVisible(), "the survey to close")

        await self.multiselect()
        await self.attribute_filter()
        await self.compare()
        await self.history()
        await self.error()
        await self.offline()

    async def multiselect(self) -> None:
        s = self.session
        for n in (2, 3, 4):
            await self.press(
                "shift+Down", partial(at_least, lambda: len(s.selection.ids), n), f"{n} selected"
            )
        await self.shot("multiselect", f"{len(s.selection.ids)} selected in the queue")
        await self.press("k", lambda: not s.selection.is_multi, "the selection to end")

    async def attribute_filter(self) -> None:
        w, bar = self.window, self.window.filter_bar
        await self.click(bar.filter_button)
        await self.until(lambda: self.menu() is bar.menu, "the Filter menu")
        submenus = list(bar.menu.submenus.values())
        picks = [(submenus[0], 0), (submenus[0], 1), (submenus[1], 0)]
        for submenu, index in picks:
            await self.hover(bar.menu, bar.menu.actionGeometry(submenu.menuAction()).center())
            await self.until(submenu.isVisible, f"the {submenu.title()} submenu")
            action = submenu.actions()[index]
            before = action.isChecked()
            await self.click(submenu, submenu.actionGeometry(action).center())
            await self.until(partial(ticked, action, not before), "a value ticked")
        await self.shot("filter-open", "the Filter menu open, values ticked in two attributes")
        for _ in range(3):
            if self.menu() is None:
                break
            await self.key("Escape", window=self.menu())
            await asyncio.sleep(0.3)
        await self.until(lambda: self.menu() is None, "the menus to close")
        await self.until(bar.chip.isVisible, "the filter chip")
        await self.shot("filter-chip", f"the filter in force: chip {bar.chip.full_text!r}")
        await self.click(bar.chip)
        await self.until(lambda: not bar.chip.isVisible(), "the chip to clear the filter")
        await self.until(lambda: bool(len(w.session.queue)), "the queue back")

    async def compare(self) -> None:
        s, w = self.session, self.window
        await self.to_reviewing()
        await self.press("2", lambda: s.selected_pose == "front", "the front pose selected")
        target = self.current_id
        assert target is not None
        queue = s.queue

        def sent() -> bool:
            entry = queue.get(target)
            return entry is not None and entry.pending is not None

        await self.press("r", sent, "the regenerate")

        def back() -> bool:
            entry = queue.get(target)
            return entry is not None and entry.comparing

        await self.until(back, "the regenerated pose to come back", timeout=120)
        for _ in range(len(queue)):
            if self.current_id == target:
                break
            row, here = queue.row_of(target), queue.current_row
            assert row is not None
            assert here is not None
            await self.press(
                "k" if row < here else "j", partial(self.moved_from, s.current), "a move"
            )
        await self.until(lambda: self.current_id == target and self.grid_ready(), "its grid")
        await self.shot("regenerated", "the grid after a regenerate: before and after in Front")
        await self.press("c", self.loupe_at(LoupeMode.COMPARE, "Fit"), "compare")
        await self.shot("compare", "compare: the front pose before and after")
        await self.press("Escape", lambda: not w.loupe.isVisible(), "the loupe to close")

    async def history(self) -> None:
        w = self.window
        decided = self.decided()
        for n in (1, 2):
            await self.to_reviewing()
            await self.press("s", partial(at_least, self.decided, decided + n), "a save")
        await self.press("h", w.history.isVisible, "the Decided panel")
        await self.until(lambda: w.history.model.rowCount() >= 3, "three decided")
        await self.until(lambda: bool(w.history.view.shown_poses), "the decided one shown")
        await self.shot("history", f"the Decided panel, {w.history.model.rowCount()} decisions")
        await self.key("Escape", window=w.history)
        await self.until(lambda: not w.history.isVisible(), "the Decided panel to close")

    async def error(self) -> None:
        s, w = self.session, self.window
        await self.sim_post("/_sim/credits", {"credits": 0})
        await self.press(
            "F5",
            lambda: s.balance is not None and s.balance.available_credits == 0,
            "the balance to read 0",
        )
        await self.to_reviewing()
        await self.press(
            "r",
            lambda: (
                w.toast.isVisible() and "credit" in (w.toast.notice.text if w.toast.notice else "")
            ),
            "the out-of-credits refusal",
        )
        await self.shot("error", "an error: a regenerate refused, out of credits")
        await self.sim_post("/_sim/credits", {"credits": 500})

    async def offline(self) -> None:
        s, w = self.session, self.window
        await self.sim_post("/_sim/faults", {"kind": "drop", "count": 1_000_000})
        await self.to_reviewing()
        await self.press("s", lambda: bool(s.outbox.pending()), "a save")
        await self.press(
            "F5",
            lambda: (
                "Offline" in w.status.delivery_label.text() and w.status.delivery_label.isVisible()
            ),
            "the offline line",
        )
        await self.shot("offline", f"offline: {w.status.delivery_label.text()!r}")
        (await self.sim.delete("/_sim/faults")).raise_for_status()
        await self.until(lambda: not s.outbox.pending(), "the save sent once back online")


def at_least(count: Callable[[], int], n: int) -> bool:
    return count() >= n


def ticked(action: QAction, checked: bool) -> bool:
    return action.isChecked() is checked


def placeholder_fits(field: QLineEdit) -> bool:
    """Whether the search box shows its whole placeholder (Qt elides it otherwise)."""
    return field.fontMetrics().horizontalAdvance(field.placeholderText()) <= text_room(field)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--sim", required=True, help="the simulator's URL (its /_sim controls)")
    parser.add_argument("app_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    app_args = [a for a in args.app_args if a != "--"]
    app = QApplication([sys.argv[0]])
    tasks: set[asyncio.Task[None]] = set()
    outcome: dict[str, Any] = {"error": None}

    async def drive(window: MainWindow) -> None:
        driver = Driver(window, args.out, args.prefix, args.sim)
        try:
            await driver.walk()
        except Exception as exc:  # reported in report.json and on stderr
            outcome["error"] = f"{type(exc).__name__}: {exc}"
            print(f"FAILED: {outcome['error']}", file=sys.stderr, flush=True)
            await driver.shot("at-failure", outcome["error"])
        finally:
            report = {"prefix": args.prefix, "shots": driver.report, **outcome}
            (args.out / f"{args.prefix}-report.json").write_text(json.dumps(report, indent=1))
            await driver.sim.aclose()
            window.close()

    def find_window() -> None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                task = asyncio.ensure_future(drive(widget))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                return
        QTimer.singleShot(200, find_window)

    QTimer.singleShot(200, find_window)
    code = reviewer_app.main(app_args)
    return 1 if outcome["error"] else code


if __name__ == "__main__":
    raise SystemExit(main())
