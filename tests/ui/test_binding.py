"""The Qt binding itself: guards against releases known to break this app."""

import sys

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPixmap


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_calls_keep_none_alive(qapp) -> None:
    # PySide6-Essentials 6.12.0 decrements None's refcount on every call that returns
    # nothing; on Python 3.11 the app then aborts with "deallocating None" after a few
    # minutes of painting. pyproject.toml excludes that release; this catches the next.
    pixmap = QPixmap(16, 16)
    painter = QPainter(pixmap)
    try:
        before = sys.getrefcount(None)
        for _ in range(200):
            painter.save()
            painter.setOpacity(0.5)
            painter.drawRect(QRectF(0, 0, 4, 4))
            painter.restore()
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after - before > -50, f"None lost {before - after} references in 800 calls"
