"""Where the app keeps its files: platformdirs' user folders, so XDG_* variables
(and their Windows/macOS equivalents) relocate all of them."""

from __future__ import annotations

from pathlib import Path

import platformdirs

__all__ = ["APP_NAME", "cache_dir", "config_dir", "data_dir", "log_dir"]

APP_NAME = "aurous-reviewer"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
