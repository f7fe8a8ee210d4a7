"""Finds the files in the top-level ``resources/`` folder, wherever the app runs from:
a wheel (``reviewer/_resources``), a source checkout, or a PyInstaller bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

__all__ = ["resource_path", "resources_root"]


@cache
def resources_root() -> Path:
    here = Path(__file__).resolve().parent
    candidates = [here / "_resources", here.parent / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.insert(0, Path(bundle) / "reviewer" / "_resources")
    for candidate in candidates:
        if (candidate / "style").is_dir():
            return candidate
    raise FileNotFoundError(
        "Aurous Reviewer's resources are missing (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); reinstall the application."
    )


def resource_path(*parts: str) -> Path:
    """The path of a bundled resource, e.g. ``resource_path("icons", "save.svg")``."""
    path = resources_root().joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"missing resource {'/'.join(parts)} in {resources_root()}")
    return path
