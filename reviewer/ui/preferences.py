"""The queue's arrangement kept between sessions: the sort order and the team share.

They live in the same settings file as the window's place (``window.ini``). A share given
on the command line (``--share K/N``) is used and remembered; ``--share all`` forgets it.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from reviewer.review.arrange import Share, ShareError, SortOrder, parse_share
from reviewer.review.queue import ReviewQueue

__all__ = ["SHARE_KEY", "SORT_KEY", "restore_arrangement", "save_arrangement"]

SORT_KEY = "queue/sort"
SHARE_KEY = "queue/share"


def restore_arrangement(
    queue: ReviewQueue, settings: QSettings, share: Share | None = None
) -> list[str]:
    """Apply the saved sort order and share (``share``, from the command line, wins).
    Returns what could not be used, in words for the reviewer; the defaults stand then."""
    problems: list[str] = []
    sort = settings.value(SORT_KEY)
    if sort:
        try:
            queue.set_sort(SortOrder(str(sort)))
        except ValueError:
            problems.append(f"The saved sort order {str(sort)!r} is unknown; newest first is used.")
    if share is None:
        stored = settings.value(SHARE_KEY)
        if stored:
            try:
                share = parse_share(str(stored))
            except ShareError as exc:
                problems.append(
                    f"The saved team share is not usable ({exc}); this window shows the whole "
                    "queue. Start with --share K/N to choose one."
                )
    if share is not None:
        queue.set_share(share)
    save_arrangement(queue, settings)
    return problems


def save_arrangement(queue: ReviewQueue, settings: QSettings) -> None:
    settings.setValue(SORT_KEY, queue.sort_order.value)
    settings.setValue(SHARE_KEY, str(queue.share) if queue.share.splits else "")
    settings.sync()
