"""Decoded images (reviewer.review's pixels, in Qt's own layout) into pixmaps, on the GUI
thread."""

from __future__ import annotations

from PySide6.QtGui import QImage, QPixmap

from reviewer.review.images import DecodedImage

__all__ = ["to_pixmap"]


def to_pixmap(image: DecodedImage, device_pixel_ratio: float = 1.0) -> QPixmap:
    # The decoder's layout (reviewer.imaging.decode.PIXEL_LAYOUT) is this format's.
    qimage = QImage(
        image.data,
        image.width,
        image.height,
        image.width * 4,
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    # In its own format Qt may make the pixmap over the very bytes it was given; a copy
    # of its own first, so ``image.data`` need not outlive the pixmap.
    pixmap = QPixmap.fromImage(qimage.copy())
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    return pixmap
