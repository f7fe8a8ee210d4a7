"""The ``reviewer`` command: the app (or ``reviewer history``), or plain words when a
system library is missing.

If the system lacks a library QtGui links to (libEGL, libfontconfig…), importing the app
fails before its own display check can run: say what to install instead of a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from reviewer import preflight

__all__ = ["import_below_qt", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["history"]:
        # Reads the journal only: no Qt, no display, works while the app is open.
        from reviewer.history_cli import main as history_main

        return history_main(args[1:])
    try:
        import_below_qt(demo="--demo" in args)
        from reviewer.app import main as app_main
    except ImportError as exc:
        return preflight.explain_import_error(exc)
    return app_main(args)


def import_below_qt(*, demo: bool) -> None:
    """Import the layers below the UI (and, for the demo, the simulator) before Qt.

    Once PySide6 is loaded, its import hook (behind the opt-in ``__feature__`` switches)
    reads the source of every module imported after it, once each: about 0.2 ms a module,
    for the 400-odd modules of httpx, Pillow, the simulator's server and the rest.
    Imported first, they are past it; nothing in them needs Qt."""
    import reviewer.api
    import reviewer.review.credentials
    import reviewer.review.images
    import reviewer.review.journal
    import reviewer.review.session

    if demo:
        import reviewer.sim  # noqa: F401
