"""Short garbage collections: the long-lived objects frozen out of them.

Python's full (generation 2) collection walks every tracked object on the GUI thread.
With Qt's wrappers, the models and a queue of thousands of characters that is tens of
milliseconds each time, at moments nobody chose (measured: up to ~90 ms while a large
queue loaded, ~60 ms while stepping through characters). What exists once the window is
up, and again once the queue has loaded, lives as long as the app: frozen (``gc.freeze``)
it is never walked again, and later collections see only newer objects.
"""

from __future__ import annotations

import gc

from .session import ReviewSession

__all__ = ["keep_collections_short"]


def keep_collections_short(session: ReviewSession) -> None:
    """Call once the window is built, before ``session.start()``: collects what is
    garbage now, freezes the rest, and freezes again when the first sweep is in."""
    gc.collect()
    gc.freeze()

    def loaded(loading: bool) -> None:
        if not loading:
            # No collect first: that would be the very pause this avoids. Garbage made
            # while loading is a few objects, kept once.
            gc.freeze()

    session.loading_changed.connect(loaded)
