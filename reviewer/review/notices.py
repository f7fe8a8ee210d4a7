"""Messages for the reviewer: what happened, in words, with the request id to quote."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reviewer.api import APIError, AurousError, InsufficientCreditsError

from .decisions import Decision

__all__ = ["Notice", "NoticeLevel", "describe_error"]


class NoticeLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Notice:
    level: NoticeLevel
    text: str
    request_id: str | None = None
    character_id: str | None = None
    # Set while the decision can still be taken back (the toast offers Undo).
    decision: Decision | None = None


def describe_error(error: AurousError, *, doing: str) -> str:
    """'Could not save “Aurora”: …' in plain words for the reviewer."""
    if isinstance(error, InsufficientCreditsError):
        return (
            f"Out of credits: {doing} was not done. Add credits to your Aurous team, "
            "then try again."
        )
    detail = error.message
    if isinstance(error, APIError):
        code = f" ({error.code})" if error.code else ""
        detail = f"{error.message}{code}, HTTP {error.status_code}"
    return f"Could not finish {doing}: {detail}"
