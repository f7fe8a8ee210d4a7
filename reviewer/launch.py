"""The ``reviewer`` command: the app (or ``reviewer history``), or plain words when a
system library is missing.

If the system lacks a library QtGui links to (libEGL, libfontconfig…), importing the app
fails before its own display check can run: say what to install instead of a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from reviewer import preflight

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["history"]:
        # Reads the journal only: no Qt, no display, works while the app is open.
        from reviewer.history_cli import main as history_main

        return history_main(args[1:])
    try:
        from reviewer.app import main as app_main
    except ImportError as exc:
        return preflight.explain_import_error(exc)
    return app_main(args)
