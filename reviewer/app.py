"""``reviewer``: the desktop app's entry point (command line, sign-in, event loop)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

os.environ.setdefault("QT_API", "pyside6")  # qasync picks its binding from this
# Qt's raster engine splits every fill of 96+ spans (a tile, a scaled pose) across a
# thread pool and blocks the GUI thread until all parts are done: with the decode
# workers busy, those parts wait for a core and a paint stalled for tens of ms.
# Set before any QGuiApplication; Qt reads it once.
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")

import qasync
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from reviewer import __version__, preflight
from reviewer.api import (
    DEFAULT_BASE_URL,
    AsyncAurousClient,
    Character,
    InsecureURLError,
    normalize_base_url,
)
from reviewer.argtypes import non_negative, positive
from reviewer.demo import DemoError, DemoOptions, DemoServer, add_demo_arguments
from reviewer.logs import RedactingFilter, setup_logging
from reviewer.resources import resource_path
from reviewer.review import Clock, paths
from reviewer.review.arrange import Share, ShareError, parse_share
from reviewer.review.credentials import (
    ApiKey,
    KeySource,
    resolve_api_key,
)
from reviewer.review.decisions import Decision, DecisionStore, MemoryDecisionStore
from reviewer.review.heap import keep_collections_short, reuse_freed_memory
from reviewer.review.images import (
    Decoder,
    DiskCache,
    ImagePipeline,
    client_downloader,
    default_decoder,
)
from reviewer.review.journal import Journal, JournalInUseError, journal_path, open_journal
from reviewer.review.notices import Notice, NoticeLevel
from reviewer.review.session import FLUSH_TIMEOUT, ReviewSession
from reviewer.ui.first_paint import record_first_paint
from reviewer.ui.keymap import load_keymap
from reviewer.ui.main_window import MainWindow
from reviewer.ui.preferences import restore_arrangement, save_arrangement
from reviewer.ui.sign_in import sign_in
from reviewer.ui.theme import Theme, ThemeChoice, apply_theme, follow_system
from reviewer.ui.window_state import restore_window, save_window

__all__ = ["build_parser", "build_session", "main"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def _share(text: str) -> Share:
    try:
        return parse_share(text)
    except ShareError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewer",
        description="Review characters synthesized by the Aurous Labs API: save, regenerate, "
        "resynthesize or discard them, one key each.",
        epilog="The API key comes from AUROUS_API_KEY, else the system keychain, else a "
        "sign-in dialog. `reviewer history --help`: your decisions, for reports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run on a built-in simulator of the API with demo characters (no account needed)",
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get("AUROUS_BASE_URL", DEFAULT_BASE_URL),
        help=f"API base URL (default {DEFAULT_BASE_URL}; /v1 is added when missing)",
    )
    parser.add_argument("--api-version", help="pin Aurous-Version, e.g. 2026-05-15")
    parser.add_argument(
        "--poll-interval",
        type=positive,
        default=10.0,
        metavar="SECONDS",
        help="seconds between queue updates when nothing is synthesizing (default 10; "
        "five times faster while something is)",
    )
    parser.add_argument(
        "--undo-seconds",
        type=non_negative,
        default=4.0,
        metavar="SECONDS",
        help="how long a decision waits, undoable with Ctrl+Z, before it is sent (default 4)",
    )
    parser.add_argument(
        "--share",
        type=_share,
        metavar="K/N",
        help="a team split: show only share K of N of the queue (a stable hash of each "
        "character's id), so N reviewers clear one queue without meeting; remembered "
        "until --share all",
    )
    parser.add_argument(
        "--theme", choices=[c.value for c in ThemeChoice], default=ThemeChoice.SYSTEM.value
    )
    add_demo_arguments(parser)
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation without a display (Qt, TLS, images, the simulator) and exit",
    )
    return parser


@dataclass
class _Connection:
    base_url: str
    key: ApiKey
    where: str
    session_only_key: bool = False
    demo: bool = False


def main(argv: Sequence[str] | None = None, *, demo: DemoServer | None = None) -> int:
    """``demo``: the demo's simulator when the command started it already (see launch)."""
    args = build_parser().parse_args(argv)
    if args.self_test:
        from reviewer.selftest import run_self_test

        return run_self_test()
    preflight.require_display()  # before QApplication: a plain message, not Qt's abort
    reuse_freed_memory()
    redactor = setup_logging(paths.log_dir(), args.log_level)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Aurous Reviewer")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Aurous Labs")
    app.setDesktopFileName("aurous-reviewer")
    app.setWindowIcon(QIcon(str(resource_path("icons", "app.svg"))))
    app.setQuitOnLastWindowClosed(False)
    theme = apply_theme(app, ThemeChoice(args.theme))
    if args.theme == ThemeChoice.SYSTEM:
        follow_system(app, theme)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        code: int = loop.run_until_complete(_run(app, theme, args, redactor, demo))
    return code


async def _run(
    app: QApplication,
    theme: Theme,
    args: argparse.Namespace,
    redactor: RedactingFilter,
    started: DemoServer | None,
) -> int:
    demo = None
    try:
        if args.demo:
            options = DemoOptions.from_args(args)
            if started is not None and (started.options != options or not started.running):
                await asyncio.to_thread(started.stop)  # not the demo asked for: start afresh
                started = None
            try:
                demo = started or DemoServer.start(options)
                base_url, key = await demo.address()
            except DemoError as exc:
                log.error("demo not started: %s", exc)
                QMessageBox.critical(None, "Aurous Reviewer", f"The demo could not start: {exc}.")
                return 1
            connection = _Connection(
                base_url, ApiKey(key, KeySource.DEMO), "Demo (local simulator)", demo=True
            )
        else:
            found = await _connect(args)
            if found is None:
                return 1
            connection = found
        redactor.add_secret(connection.key.value)
        return await _review(app, theme, args, connection, redactor)
    finally:
        if demo is not None:
            await asyncio.to_thread(demo.stop)


async def _connect(args: argparse.Namespace) -> _Connection | None:
    try:
        base_url = normalize_base_url(args.base_url)
    except InsecureURLError as exc:
        QMessageBox.critical(None, "Aurous Reviewer", f"Can't use this server address.\n\n{exc}")
        return None
    where = base_url.split("//", 1)[-1].removesuffix("/v1")
    key = resolve_api_key(base_url)
    if key is not None:
        return _Connection(base_url, key, where)
    signed_in = await sign_in(base_url, api_version=args.api_version)
    if signed_in is None:
        return None
    return _Connection(base_url, signed_in.key, where, session_only_key=signed_in.session_only)


async def _review(
    app: QApplication,
    theme: Theme,
    args: argparse.Namespace,
    connection: _Connection,
    redactor: RedactingFilter,
) -> int:
    store, notes = _decision_store(connection)
    if store is None:
        return 1
    client = AsyncAurousClient(
        api_key=connection.key.value,
        base_url=connection.base_url,
        api_version=args.api_version,
    )
    session = build_session(
        client,
        undo_seconds=args.undo_seconds,
        poll_interval=args.poll_interval,
        cache_dir=paths.cache_dir() / "images",
        store=store,
    )
    keymap = load_keymap(paths.config_dir())
    window = MainWindow(session, theme, where=connection.where, keymap=keymap)
    settings = QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)
    restore_window(window, window.splitter, window.side_panels, settings)
    notes = notes + restore_arrangement(session.queue, settings, args.share)
    session.queue.arranged.connect(lambda: save_arrangement(session.queue, settings))
    window.show()
    record_first_paint(window.grid, window.current)  # a benchmark hook; off unless asked
    for note in notes:
        session.notice.emit(Notice(NoticeLevel.WARNING, note))
    for problem in keymap.problems:
        log.warning("keys: %s", problem)
        session.notice.emit(Notice(NoticeLevel.WARNING, f"Your keys: {problem}"))
    if connection.session_only_key:
        session.notice.emit(
            Notice(
                NoticeLevel.WARNING,
                "No system keychain is available, so your API key is kept for this session "
                "only. Set AUROUS_API_KEY to skip signing in next time.",
            )
        )
    tasks: set[asyncio.Task[None]] = set()

    def sign_in_again() -> None:
        task = asyncio.ensure_future(_sign_in_again(session, connection, args, redactor))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    window.sign_in_requested.connect(sign_in_again)
    _quit_on_sigint(window)
    close_asked = asyncio.Event()
    window.close_requested.connect(close_asked.set)
    keep_collections_short(session)
    await session.start()
    while True:
        await close_asked.wait()
        close_asked.clear()
        pending = len(session.outbox.pending())
        if pending:
            window.statusBar().showMessage(f"Sending {_decisions(pending)} before closing…")
        # Sends what waits in its undo window now; the session keeps running meanwhile.
        unsent = await session.outbox.flush(FLUSH_TIMEOUT)
        window.statusBar().clearMessage()
        if not unsent or await _quit_anyway(window, unsent, kept=not connection.demo):
            break
    save_window(window, window.splitter, window.side_panels, settings)
    await session.aclose(flush=False)
    await client.aclose()
    if isinstance(store, Journal):
        store.close()
    window.close_now()
    return 0


def _decision_store(connection: _Connection) -> tuple[DecisionStore | None, list[str]]:
    """The journal for this API host and team; memory for the demo, whose simulator
    starts afresh each time. None when another app has the journal open."""
    if connection.demo:
        return MemoryDecisionStore(), []
    path = journal_path(paths.data_dir(), connection.base_url, connection.key.value)
    try:
        opened = open_journal(path)
    except JournalInUseError as exc:
        log.error("not started: %s (%s)", exc, path)
        QMessageBox.critical(None, "Aurous Reviewer", str(exc))
        return None, []
    return opened.journal, opened.notes


async def _sign_in_again(
    session: ReviewSession,
    connection: _Connection,
    args: argparse.Namespace,
    redactor: RedactingFilter,
) -> None:
    """The key was refused mid-session: a valid one lets the waiting decisions go."""
    signed_in = await sign_in(connection.base_url, api_version=args.api_version)
    if signed_in is None:
        return
    redactor.add_secret(signed_in.key.value)
    session.replace_key(signed_in.key.value)
    session.notice.emit(Notice(NoticeLevel.INFO, "Signed in; waiting decisions are being sent"))


def _decisions(n: int) -> str:
    return f"{n} decision{'' if n == 1 else 's'}"


async def _quit_anyway(window: MainWindow, unsent: list[Decision], *, kept: bool) -> bool:
    """Nothing is lost silently: name the decisions the server has not answered, and let
    the reviewer keep the window open until it has. True: quit now."""
    lines = "\n".join(f"• {d.describe()}" for d in unsent)
    if kept:
        text = (
            f"{_decisions(len(unsent))} did not reach the server yet. They are kept and "
            "will be sent the next time you open Aurous Reviewer for this team."
        )
    else:
        text = (
            f"{_decisions(len(unsent))} did not reach the demo server yet. The demo keeps "
            "decisions in memory only: quitting now loses them."
        )
    box = QMessageBox(
        QMessageBox.Icon.Warning, "Some decisions are still on their way", text, parent=window
    )
    quit_button = box.addButton("Quit now", QMessageBox.ButtonRole.DestructiveRole)
    wait_button = box.addButton("Keep sending", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(wait_button)
    box.setInformativeText(lines)
    done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    box.finished.connect(lambda _result: _settle(done, box.clickedButton() is quit_button))
    box.open()
    return await done


def build_session(
    client: AsyncAurousClient,
    *,
    undo_seconds: float,
    poll_interval: float,
    cache_dir: Path | None,
    clock: Clock | None = None,
    store: DecisionStore | None = None,
    decoder: Decoder | None = None,
) -> ReviewSession:
    """The review session with its image pipeline: what the window binds to. Images
    decode in worker processes unless ``decoder`` says otherwise."""
    session: ReviewSession | None = None

    async def refresh(character_id: str) -> Character:
        assert session is not None
        return await session.refresh_character(character_id)

    images = ImagePipeline(
        download=client_downloader(client),
        refresh=refresh,
        disk_cache=DiskCache(cache_dir) if cache_dir is not None else None,
        decoder=decoder if decoder is not None else default_decoder(),
    )
    session = ReviewSession(
        client,
        images=images,
        clock=clock,
        undo_seconds=undo_seconds,
        poll_interval=poll_interval,
        store=store,
    )
    return session


def _quit_on_sigint(window: MainWindow) -> None:
    """Ctrl+C in the terminal closes the window the normal way (decisions are sent)."""
    signal.signal(signal.SIGINT, lambda *_: window.close())
    # Python runs signal handlers only when it gets control; let it, now and then.
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def _settle(future: asyncio.Future[T], value: T) -> None:
    if not future.done():
        future.set_result(value)


if __name__ == "__main__":
    raise SystemExit(main())
