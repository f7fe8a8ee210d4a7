"""Messages for the reviewer: what happened, in words, with the request id to quote."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reviewer.api import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AurousError,
    InsufficientCreditsError,
    ResponseValidationError,
)

from .decisions import Decision

__all__ = ["Notice", "NoticeLevel", "describe_error", "out_of_credits_text", "short_reason"]


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
    # False for technical lines that belong in the Activity log only, not in a toast.
    toast: bool = True


def out_of_credits_text(doing: str) -> str:
    return f"Out of credits: {doing} was not done. Add credits to your Aurous team, then try again."


def describe_error(error: AurousError, *, doing: str) -> str:
    """'Could not save “Aurora”: …' in plain words for the reviewer."""
    if isinstance(error, InsufficientCreditsError):
        return out_of_credits_text(doing)
    detail = str(error)
    if isinstance(error, APIError):
        code = f" ({error.code})" if error.code else ""
        detail = f"{error.message}{code}, HTTP {error.status_code}"
    return f"Could not finish {doing}: {detail}"


def short_reason(error: AurousError) -> str:
    """Why an attempt failed, in a few plain words (the full line goes to the log)."""
    if isinstance(error, APIError):
        code = f" ({error.code})" if error.code else ""
        return f"the server answered HTTP {error.status_code}{code}"
    if isinstance(error, ResponseValidationError):
        return "the server's answer could not be read"
    if isinstance(error, APITimeoutError):
        return "the server did not answer in time"
    if isinstance(error, APIConnectionError):
        return "the API cannot be reached"
    return error.message
