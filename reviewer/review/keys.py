"""How texts made below the window write a key: the reviewer may have rebound them.

Texts here name actions ("undo"); the window tells ``KeyNames`` how its keymap writes
each one's key. Without a keymap (headless use) or for an action with no key, the text
says "the undo key" instead of naming a key that may be wrong.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["KeyNames"]


class KeyNames:
    def __init__(self, lookup: Callable[[str], str] | None = None) -> None:
        self._lookup = lookup

    def use(self, lookup: Callable[[str], str]) -> None:
        """The keymap in force: action name → its first key as written ("" if none)."""
        self._lookup = lookup

    def __call__(self, action: str) -> str:
        key = self._lookup(action) if self._lookup is not None else ""
        return key or f"the {action} key"
