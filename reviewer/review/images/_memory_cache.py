"""Decoded images kept in memory, least recently used first out, bounded by bytes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from reviewer.imaging.decode import DecodedImage

__all__ = ["MemoryCache"]


class MemoryCache:
    """An LRU of decoded images whose total ``nbytes`` stays within ``budget_bytes``.

    Not thread-safe: used from the event loop's thread only (the GUI thread under qasync),
    which is also where ``peek`` is called from."""

    def __init__(self, budget_bytes: int) -> None:
        if budget_bytes < 0:
            raise ValueError(f"budget_bytes must not be negative, got {budget_bytes}")
        self._budget = budget_bytes
        self._entries: OrderedDict[Hashable, DecodedImage] = OrderedDict()
        self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable) -> DecodedImage | None:
        image = self._entries.get(key)
        if image is not None:
            self._entries.move_to_end(key)
        return image

    def put(self, key: Hashable, image: DecodedImage) -> None:
        """Keep ``image``, dropping the least recently used beyond the budget. An image
        larger than the whole budget is not kept (it would only evict everything)."""
        self.discard(key)
        if image.nbytes > self._budget:
            return
        self._entries[key] = image
        self._bytes += image.nbytes
        while self._bytes > self._budget:
            _, old = self._entries.popitem(last=False)
            self._bytes -= old.nbytes

    def discard(self, key: Hashable) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
