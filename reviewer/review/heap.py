"""Short pauses from memory management on the GUI thread: the long-lived objects frozen
out of Python's garbage collections, and large blocks of memory reused, not mapped anew.

Python's full (generation 2) collection walks every tracked object on the GUI thread.
With Qt's wrappers, the models and a queue of thousands of characters that is tens of
milliseconds each time, at moments nobody chose (measured: up to ~90 ms while a large
queue loaded, ~60 ms while stepping through characters). What exists once the window is
up, and again once the queue has loaded, lives as long as the app: frozen (``gc.freeze``)
it is never walked again, and later collections see only newer objects.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys

from .session import ReviewSession

__all__ = ["keep_collections_short", "reuse_freed_memory"]

log = logging.getLogger(__name__)

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks up to this size come from the heap, and freed memory at its top up to this much
# stays for the next blocks. A pose is 1-4 MB (its pixels read from a decode worker, its
# pixmap, a tile's rendered look); 32 MB covers an 8-megapixel image at full size.
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 128 * 1024 * 1024


def reuse_freed_memory() -> bool:
    """Call once at start. glibc gives each block over 128 KB its own fresh pages and
    returns them when it is freed, so every new pose's pixmap paid a page fault for each
    4 KB on the GUI thread: 1.07 ms a 700 px pixmap, against 0.19 ms in memory the heap
    keeps (measured here). The app's peaks are bounded (the image cache's budget), so
    keeping freed memory costs little. True if set (Linux with glibc); elsewhere the
    allocator is left as it is."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        # The C library the process runs on already (no search for it: that starts
        # ldconfig, tens of milliseconds at start).
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # a C library without mallopt (musl)
        log.info("no mallopt: large blocks of memory are mapped anew each time")
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )


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
