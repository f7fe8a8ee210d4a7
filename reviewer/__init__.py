"""Aurous Reviewer: approve characters synthesized by the Aurous Labs API."""

__version__ = "0.1.0"
