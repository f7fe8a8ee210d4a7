"""What the GUI thread did in each stall: a timeline of its loop turns, for diagnosis.

Set ``AUROUS_BENCH_TRACE=PATH`` and the harness's ``gui_stall_ms`` phase records, on the
GUI thread while characters arrive, every asyncio callback qasync runs (named by its
task's coroutine and line, or its function), every Qt timer, socket and queued-call
event and every window repaint, each with its start and end. At the end PATH gets the
totals and each gap of the stall probe over 8 ms, longest first, with the GUI thread's
own CPU time in it, its time waiting for a core, and what ran inside; PATH with the
suffix ``.records.json`` gets every beat and record, for questions of one's own.

Costs a few microseconds an event (the figures of a traced run are not the benchmark's);
object-level event filters do not see the event types it times (it delivers them itself).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import json
import os
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

__all__ = ["PROBE_NAME", "Tracer", "tracer_from_env"]

PROBE_NAME = "stall-probe"  # the probe's QTimer: its ticks are the beats
_TIMED = {
    QEvent.Type.Timer,
    QEvent.Type.UpdateRequest,
    QEvent.Type.SockAct,
    QEvent.Type.MetaCall,
}

Record = tuple[str, float, float, int]  # label, start, end, depth


def _handle_label(handle: asyncio.Handle) -> str:
    callback: Any = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro: Any = owner.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f":{frame.f_lineno}" if frame is not None else ""
        return f"task {getattr(coro, '__qualname__', coro)}{where}"
    name = getattr(callback, "__qualname__", None) or repr(callback)
    return f"cb {name}"


class Tracer(QObject):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.records: list[Record] = []
        self.beats: list[float] = []
        self.cpu: list[float] = []  # the GUI thread's CPU time at each beat
        # Its time waiting for a core while runnable (Linux schedstat), at each beat.
        self.queued: list[float] = []
        self._schedstat: int | None = None
        with contextlib.suppress(OSError):  # not Linux
            self._schedstat = os.open(
                f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY
            )
        self._depth = 0
        self.on = False
        # (time, stack) of the GUI thread, taken by a watcher while a beat is late.
        self.stacks: list[tuple[float, str]] = []
        self._watching = threading.Event()

    def start(self) -> None:
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        gc.callbacks.append(self._gc)
        self.on = True
        if os.environ.get("AUROUS_BENCH_TRACE_STACKS"):  # it costs the GUI thread some GIL
            self._watching.set()
            threading.Thread(target=self._watch, name="stall-watcher", daemon=True).start()

    def _watch(self, late: float = 0.004, every: float = 0.002) -> None:
        """While a beat is ``late``, the GUI thread's Python stack every ``every`` s: what
        it runs when no event of its own is timed (it needs the GIL, so it shows Python
        frames; a stack that stays put for the whole gap is inside that call's C++)."""
        gui = threading.main_thread().ident
        assert gui is not None
        while self._watching.is_set():
            time.sleep(every)
            beats = self.beats
            if not beats or time.perf_counter() - beats[-1] < late:
                continue
            frame = sys._current_frames().get(gui)
            if frame is None:
                continue
            lines = [
                f"{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in traceback.extract_stack(frame)[-8:]
            ]
            del frame
            self.stacks.append((time.perf_counter(), " < ".join(reversed(lines))))

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if threading.get_ident() != threading.main_thread().ident:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self.on:
            label = f"gc of generation {info['generation']} ({info['collected']} collected)"
            self.records.append((label, self._gc_started, time.perf_counter(), self._depth))

    def patch_loop(self) -> None:
        """Time qasync's callbacks: before the loop is made (PySide6 looks a Python
        override up once per object, so a later patch is not seen)."""
        timer_class: Any = qasync._SimpleTimer
        original: Callable[..., None] = timer_class.timerEvent
        tracer = self

        def timer_event(this: Any, event: Any) -> None:
            handle = this._SimpleTimer__callbacks.get(event.timerId())
            label = "cb ?" if handle is None else _handle_label(handle)
            started = time.perf_counter()
            tracer._depth += 1
            try:
                original(this, event)
            finally:
                tracer._depth -= 1
                if tracer.on:
                    tracer.records.append((label, started, time.perf_counter(), tracer._depth))

        timer_class.timerEvent = timer_event
        import importlib

        for module, cls, method in _METHODS:
            _wrap(self, getattr(importlib.import_module(module), cls), method)

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.on = False
        self._watching.clear()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in _TIMED:
            if self.on and os.environ.get("AUROUS_BENCH_TRACE_ALL"):
                now = time.perf_counter()  # delivered by Qt: only its arrival is known
                self.records.append((f"seen {kind.name} {_describe(watched)}", now, now, 9))
            return False
        if kind == QEvent.Type.Timer:
            if isinstance(watched, qasync._SimpleTimer):
                return False  # timed in its own timerEvent, with the callback's name
            if isinstance(watched, QTimer) and watched.objectName() == PROBE_NAME:
                self.beats.append(time.perf_counter())
                self.cpu.append(time.thread_time())
                if self._schedstat is not None:
                    fields = os.pread(self._schedstat, 64, 0).split()
                    self.queued.append(int(fields[1]) / 1e9)
                return False
        label = f"{kind.name} {_describe(watched)}"
        started = time.perf_counter()
        self._depth += 1
        try:
            watched.event(event)
        finally:
            self._depth -= 1
            self.records.append((label, started, time.perf_counter(), self._depth))
        return True

    def write(self, limit_ms: float = 8.0) -> None:
        """Each beat gap over ``limit_ms`` with the records inside it, and a summary."""
        blocks: list[tuple[float, list[str]]] = []
        by_label: Counter[str] = Counter()
        records = sorted(self.records, key=lambda r: r[1])
        starts = [r[1] for r in records]
        for i, (before, after) in enumerate(zip(self.beats, self.beats[1:], strict=False)):
            gap = (after - before) * 1000
            busy = (self.cpu[i + 1] - self.cpu[i]) * 1000
            queued = (self.queued[i + 1] - self.queued[i]) * 1000 if self.queued else 0.0
            if gap <= limit_ms:
                continue
            lo = bisect.bisect_left(starts, before - 0.2)
            hi = bisect.bisect_right(starts, after)
            inside = [r for r in records[lo:hi] if r[2] > before and r[1] < after]
            top = sum((r[2] - r[1]) * 1000 for r in inside if r[3] == 0)
            lines = [
                f"gap {gap:6.1f} ms at {before:.3f}: GUI thread on CPU {busy:5.1f} ms,"
                f" waiting for a core {queued:5.1f} ms, top-level events {top:5.1f} ms"
            ]
            for label, start, end, depth in inside:
                took = (end - start) * 1000
                if took >= 0.3:
                    lines.append(f"    {'  ' * depth}{took:6.2f} {label}")
                    if depth == 0:
                        by_label[label] += 1
            seen: Counter[str] = Counter(
                stack for when, stack in self.stacks if before < when <= after
            )
            lines += [f"    stack ×{n}: {stack}" for stack, n in seen.most_common(4)]
            blocks.append((gap, lines))
        overall: Counter[str] = Counter()
        spent: dict[str, float] = {}
        for label, start, end, depth in records:
            if depth == 0:
                overall[label] += 1
                spent[label] = spent.get(label, 0.0) + (end - start) * 1000
        head = [f"{len(self.beats)} beats, {len(self.records)} records; all top-level:"]
        head += [f"  {spent[k]:8.1f} ms {n:6d}× {k}" for k, n in overall.most_common(30)]
        head += ["in the gaps:"]
        head += [f"  {n:4d}× {label}" for label, n in by_label.most_common(25)]
        with self.path.with_suffix(".records.json").open("w", encoding="utf-8") as raw:
            json.dump(
                {"beats": self.beats, "cpu": self.cpu, "queued": self.queued, "records": records},
                raw,
            )
        blocks.sort(key=lambda block: -block[0])
        body = [line for _, lines in blocks for line in lines]
        self.path.write_text("\n".join([*head, "", *body]) + "\n", encoding="utf-8")


# Methods timed inside the events above (patched on their classes before the window is
# made: PySide6 looks a Python override up once per object).
_METHODS = (
    ("reviewer.ui.pose_grid", "PoseTile", "paintEvent"),
    ("reviewer.ui.pose_grid", "PoseTile", "_render_look"),
    ("reviewer.ui.queue_view", "QueueView", "paintEvent"),
    ("reviewer.ui.queue_view", "QueueDelegate", "_render"),
    ("reviewer.ui.queue_view", "QueueView", "currentChanged"),
    ("reviewer.ui.current_view", "CurrentView", "show_entry"),
    ("reviewer.ui.current_view", "CurrentView", "_loaded"),
    ("reviewer.ui.current_view", "CurrentView", "_paint_tiles"),
    ("reviewer.ui.details", "DetailPanel", "show_entry"),
    ("reviewer.ui.main_window", "MainWindow", "_current_changed"),
    ("reviewer.ui.main_window", "MainWindow", "_update_reasons"),
    ("reviewer.review.feed", "ImageFeed", "request"),
)


def _wrap(tracer: Tracer, cls: Any, name: str) -> None:
    original = getattr(cls, name)
    label = f"{cls.__name__}.{name}"

    def timed(*args: Any, **kwargs: Any) -> Any:
        if not tracer.on:
            return original(*args, **kwargs)
        started = time.perf_counter()
        tracer._depth += 1
        try:
            return original(*args, **kwargs)
        finally:
            tracer._depth -= 1
            tracer.records.append((label, started, time.perf_counter(), tracer._depth))

    setattr(cls, name, timed)


def _describe(obj: QObject) -> str:
    name = type(obj).__name__
    if isinstance(obj, QTimer):
        parent = obj.parent()
        return f"QTimer({obj.objectName() or '-'}) of {type(parent).__name__ if parent else '-'}"
    if isinstance(obj, QWidget) and obj.objectName():
        return f"{name}#{obj.objectName()}"
    return name


_TRACER: Tracer | None = None


def tracer_from_env(phase: str = "") -> Tracer | None:
    """The process's tracer when ``AUROUS_BENCH_TRACE`` is set, fresh for ``phase``
    (written to PATH with the phase's name before its suffix); the first call, in
    ``run_qt`` before the loop is made, patches the loop."""
    global _TRACER
    where = os.environ.get("AUROUS_BENCH_TRACE")
    if not where:
        return None
    path = Path(where)
    if phase:
        path = path.with_name(f"{path.stem}-{phase}{path.suffix}")
    if _TRACER is None:
        _TRACER = Tracer(path)
        _TRACER.patch_loop()
    else:  # the patches stay; a new phase's records start afresh
        _TRACER.path, _TRACER.records, _TRACER.beats = path, [], []
        _TRACER.cpu, _TRACER.queued, _TRACER.stacks = [], [], []
    return _TRACER
