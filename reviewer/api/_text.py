"""Making server-supplied text safe to show: no display spoofing, no markup, no huge reprs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["display_safe", "html_summary", "looks_like_html", "preview"]

# Bidirectional formatting characters reorder the text around them on screen, so a
# name like "Aurora\u202egnp.exe" would display as something else. They are removed.
_BIDI_CONTROLS = (
    "\u061c"  # ARABIC LETTER MARK
    "\u200e\u200f"  # LEFT-TO-RIGHT / RIGHT-TO-LEFT MARK
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
)
_TABLE: dict[int, str | None] = dict.fromkeys(map(ord, _BIDI_CONTROLS))
# C0 and C1 controls (line breaks and tabs too) and the Unicode line/paragraph
# separators become a plain space: they can push text out of a one-line label.
_TABLE.update(dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029], " "))
# Lone surrogates (JSON allows "\ud800") cannot be encoded to UTF-8 for the log file.
_TABLE.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))


def display_safe(text: str) -> str:
    """``text`` with bidi controls removed and control characters made spaces."""
    # isprintable() is False for every character the table changes: a fast path for
    # the usual name.
    return text if text.isprintable() else text.translate(_TABLE)


def preview(value: object, limit: int = 80) -> str:
    """A short description of a JSON value for an error message: never a deep or
    huge repr (a 200,000-deep list would raise RecursionError)."""
    if isinstance(value, str):
        text = repr(display_safe(value[: limit + 1]))
        return text if len(value) <= limit else text[:-1] + "…'"
    if value is None or isinstance(value, bool | int | float):
        text = repr(value)
        return text if len(text) <= limit else text[:limit] + "…"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return f"an object with {len(value)} keys"
    return type(value).__name__


_TAG_START = re.compile(r"\s*(<!doctype\s+html|<html|<head|<body|<title|<h1|<p>|<div)", re.I)


def looks_like_html(text: str, content_type: str | None = None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    return bool(_TAG_START.match(text[:200]))


class _TextExtractor(HTMLParser):
    """The title and the visible text of a page; scripts and styles are skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.text: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.text.append(data)


def _squash(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def html_summary(page: str, limit: int = 200) -> str:
    """What a person would read on an HTML page (a proxy's error page, a captive
    portal), as one short line: its title, then its text, without tags."""
    parser = _TextExtractor()
    # Only the start of the page: the words that matter come first, and a hostile
    # page can be large.
    parser.feed(page[: 64 * 1024])
    parser.close()
    title = _squash(parser.title)
    text = _squash(parser.text)
    if title and text.startswith(title):
        text = text[len(title) :].lstrip(" :-—")
    line = f"{title}: {text}" if title and text else title or text or "an empty page"
    line = display_safe(line)
    return line if len(line) <= limit else line[: limit - 1] + "…"
