"""The one error the image pipeline raises, with a message a person can act on."""

from __future__ import annotations

import re
from http import HTTPStatus

from reviewer.api import Character, DownloadError

__all__ = ["ImageLoadError", "download_reason"]

# The client's messages end with the (token-less) URL: noise in a user-facing message.
_URL = re.compile(r"\s+(?:for|at)\s+\w+://\S+")


class ImageLoadError(Exception):
    """An image could not be shown. ``str()`` is fit for the UI, e.g. "could not load the
    side pose of Aurora: HTTP 403 Forbidden (the link may have expired)"."""

    def __init__(
        self,
        character: Character,
        pose: str,
        reason: str,
        *,
        status_code: int | None = None,
    ) -> None:
        who = character.name or character.id
        super().__init__(f"could not load the {pose} pose of {who}: {reason}")
        self.character_id = character.id
        self.pose = pose
        self.status_code = status_code


def download_reason(exc: DownloadError) -> str:
    """Why a download failed, without the URL (its token must stay out of messages)."""
    status = exc.status_code
    if status is None:
        return _URL.sub("", exc.message)
    try:
        phrase = f" {HTTPStatus(status).phrase}"
    except ValueError:
        phrase = ""
    hint = " (the link may have expired)" if status in (401, 403, 410) else ""
    return f"HTTP {status}{phrase}{hint}"
