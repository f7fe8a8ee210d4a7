"""Which characters a survey shows: one pose across a page of the queue, side by side."""

from __future__ import annotations

__all__ = ["survey_columns", "survey_page"]


def survey_columns(width: float, *, cell: float = 200.0, low: int = 2, high: int = 8) -> int:
    """How many characters a survey shows side by side in ``width`` logical pixels."""
    return int(max(low, min(high, width // cell)))


def survey_page(current_row: int | None, rows: int, columns: int) -> range:
    """The rows a survey shows: the page of ``columns`` rows holding the current one."""
    if rows <= 0 or columns <= 0:
        return range(0)
    row = 0 if current_row is None else max(0, min(rows - 1, current_row))
    start = row // columns * columns
    return range(start, min(rows, start + columns))
