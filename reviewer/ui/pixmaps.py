"""Decoded images (plain RGBA bytes from reviewer.review) into Qt pixmaps, on the GUI thread."""

from __future__ import annotations

from PySide6.QtGui import QImage, QPixmap

from reviewer.review.images import DecodedImage

__all__ = ["to_pixmap"]


def to_pixmap(image: DecodedImage, device_pixel_ratio: float = 1.0) -> QPixmap:
    qimage = QImage(
        image.data, image.width, image.height, image.width * 4, QImage.Format.Format_RGBA8888
    )
    # fromImage copies the pixels, so ``image.data`` need not outlive the pixmap.
    pixmap = QPixmap.fromImage(qimage)
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    return pixmap
