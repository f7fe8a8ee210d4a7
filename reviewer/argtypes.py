"""Number types for the command line's options, shared by the app's parser and the
demo's early one (which runs before anything heavy is imported)."""

from __future__ import annotations

import argparse

__all__ = ["count", "non_negative", "positive"]


def positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value
