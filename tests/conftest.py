"""Shared test configuration: headless Qt, so a bare ``pytest`` works with no screen."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
