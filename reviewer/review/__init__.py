"""Review logic below the window: the queue, polling, decisions and their outbox, and
images. Plain asyncio and psygnal signals; no Qt (an import contract enforces it)."""

from ._clock import Clock, ManualClock, SystemClock
from .decisions import COSTS, Decision, DecisionKind, DecisionState, DecisionStore, Outcome
from .feed import ImageFeed, ImageRequest
from .notices import Notice, NoticeLevel
from .outbox import DecisionSender, Outbox
from .poller import Poller, PollResult
from .queue import Counts, Entry, ReviewQueue, StatusFilter
from .sender import ClientSender
from .session import ReviewSession

__all__ = [
    "COSTS",
    "ClientSender",
    "Clock",
    "Counts",
    "Decision",
    "DecisionKind",
    "DecisionSender",
    "DecisionState",
    "DecisionStore",
    "Entry",
    "ImageFeed",
    "ImageRequest",
    "ManualClock",
    "Notice",
    "NoticeLevel",
    "Outbox",
    "Outcome",
    "PollResult",
    "Poller",
    "ReviewQueue",
    "ReviewSession",
    "StatusFilter",
    "SystemClock",
]
