"""Messages for the reviewer: what happened, in words, with the request id to quote."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reviewer.api import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AurousError,
    AuthenticationError,
    ConflictError,
    InsufficientCreditsError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)

from .decisions import Decision

__all__ = [
    "Notice",
    "NoticeLevel",
    "describe_error",
    "error_details",
    "out_of_credits_text",
    "short_reason",
]


class NoticeLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Notice:
    level: NoticeLevel
    text: str  # plain words: what happened and what to do
    request_id: str | None = None
    character_id: str | None = None
    # Set while the decision can still be taken back (the toast offers Undo).
    decision: Decision | None = None
    # False for lines that belong in the Activity log only, not in a toast.
    toast: bool = True
    # The technical line (the error as the client saw it: address, status, exception),
    # one click away behind "Details"; never in ``text``.
    details: str | None = None


def out_of_credits_text(doing: str) -> str:
    return f"Out of credits: {doing} was not done. Add credits to your Aurous team, then try again."


def describe_error(error: AurousError, *, doing: str) -> str:
    """'Could not finish saving “Aurora”: …' in plain words, with what to do."""
    if isinstance(error, InsufficientCreditsError):
        return out_of_credits_text(doing)
    return f"Could not finish {doing}: {short_reason(error)}. {_what_to_do(error)}"


def error_details(error: BaseException, request_id: str | None = None) -> str:
    """The technical line for "Details": the error's own text and the request id."""
    text = f"{type(error).__name__}: {error}"
    request_id = request_id or getattr(error, "request_id", None)
    if request_id:
        text += f"\nRequest id: {request_id}"
    return text


def short_reason(error: AurousError) -> str:
    """Why an attempt failed, in a few plain words (the full line goes to details)."""
    if isinstance(error, AuthenticationError):
        return "the API key was refused"
    if isinstance(error, RateLimitError):
        return "the server is busy (rate limit)"
    if isinstance(error, NotFoundError):
        return "the character is no longer on the server"
    if isinstance(error, ConflictError):
        return "the character changed on the server meanwhile"
    if isinstance(error, ServerError):
        return "the server had a problem"
    if isinstance(error, APIError):
        return "the server refused the request"
    if isinstance(error, ResponseValidationError):
        return "the server's answer could not be read"
    if isinstance(error, APITimeoutError):
        return "the server did not answer in time"
    if isinstance(error, APIConnectionError):
        return "the API cannot be reached"
    return "something unexpected went wrong"


def _what_to_do(error: AurousError) -> str:
    if isinstance(error, AuthenticationError):
        return "Sign in again with a valid key."
    if isinstance(error, NotFoundError | ConflictError):
        return "The queue shows its current state."
    if isinstance(error, APIConnectionError):
        return "Check the connection, then try again."
    return "Try again; if it keeps failing, copy the details for support."
