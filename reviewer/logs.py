"""Logging for the app: a rotating file in the user log folder, and a filter that keeps
API keys out of every record whatever the code that logs."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

__all__ = ["RedactingFilter", "setup_logging"]

_KEY_PATTERN = re.compile(r"al_(?:live|test)_[A-Za-z0-9]{8,}")


class RedactingFilter(logging.Filter):
    """Replaces anything that looks like an Aurous key, and any secret registered with
    ``add_secret``, by ``<redacted>`` in the final message."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = _KEY_PATTERN.sub("<redacted>", message)
        for secret in self._secrets:
            clean = clean.replace(secret, "<redacted>")
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            scrubbed = _KEY_PATTERN.sub("<redacted>", text)
            for secret in self._secrets:
                scrubbed = scrubbed.replace(secret, "<redacted>")
            if scrubbed != text:
                record.exc_info = None
                record.exc_text = scrubbed
        return True


def setup_logging(folder: Path, level: str = "INFO") -> RedactingFilter:
    redactor = RedactingFilter()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = [console]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        file = logging.handlers.RotatingFileHandler(
            folder / "reviewer.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        file.setLevel(level.upper())
        handlers.append(file)
    except OSError as exc:
        logging.getLogger(__name__).warning("no log file in %s: %s", folder, exc)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redactor)
        root.addHandler(handler)
    # httpx logs every request line at INFO; that is noise in a file read by people.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # qasync logs every executor call with its arguments at DEBUG: whole downloaded
    # images, megabytes a line, in a file capped at 2 MB.
    logging.getLogger("qasync").setLevel(logging.INFO)
    return redactor
