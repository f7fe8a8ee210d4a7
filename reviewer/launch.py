"""The ``reviewer`` command: the app (or ``reviewer history``), or plain words when a
system library is missing.

If the system lacks a library QtGui links to (libEGL, libfontconfig…), importing the app
fails before its own display check can run: say what to install instead of a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from reviewer import demo, imaging, preflight

__all__ = ["import_below_qt", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["history"]:
        # Reads the journal only: no Qt, no display, works while the app is open.
        from reviewer.history_cli import main as history_main

        return history_main(args[1:])
    if args[:1] == [imaging.WORKER_COMMAND]:  # a frozen build's decode worker
        from reviewer.imaging.worker import main as worker_main

        return worker_main(args[1:])
    if args[:1] == [demo.SIMULATOR_COMMAND]:
        from reviewer.sim.cli import main as sim_main

        sim_main(args[1:])
        return 0
    server = _start_demo_early(args)
    try:
        try:
            import_below_qt()
            from reviewer.app import main as app_main
        except ImportError as exc:
            return preflight.explain_import_error(exc)
        return app_main(args, demo=server)
    finally:
        if server is not None:
            server.stop()


def _start_demo_early(args: Sequence[str]) -> demo.DemoServer | None:
    """The demo's simulator, started first so that it loads and draws on the other core
    while the app loads. None when not asked for, or when it could not start: the app
    starts it again then, and says why when that fails too."""
    options = demo.demo_options(args)
    if options is None:
        return None
    try:
        return demo.DemoServer.start(options)
    except demo.DemoError:
        return None


def import_below_qt() -> None:
    """Import the layers below the UI before Qt.

    Once PySide6 is loaded, its import hook (behind the opt-in ``__feature__`` switches)
    reads the source of every module imported after it, once each: about 0.2 ms a module,
    for the 300-odd modules of httpx, Pillow and the rest.
    Imported first, they are past it; nothing in them needs Qt."""
    import reviewer.api
    import reviewer.review.credentials
    import reviewer.review.images
    import reviewer.review.journal
    import reviewer.review.session  # noqa: F401
