"""Decoded pixels into pixmaps: the colours they had, owned by the pixmap."""

from __future__ import annotations

import ctypes
import io
import random

from PIL import Image
from PySide6.QtWidgets import QApplication

from reviewer.imaging.decode import DecodedImage, decode_image
from reviewer.ui.pixmaps import to_pixmap


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_a_pixmap_shows_the_decoded_colours(qapp: QApplication) -> None:
    img = Image.new("RGBA", (3, 1), (30, 144, 255, 255))
    img.putpixel((1, 0), (255, 0, 0, 128))
    img.putpixel((2, 0), (0, 0, 0, 0))
    pixmap = to_pixmap(decode_image(_png(img), max_side=None, max_pixels=100), 2.0)
    shown = pixmap.toImage()
    assert shown.pixelColor(0, 0).getRgb() == (30, 144, 255, 255)
    red = shown.pixelColor(1, 0)  # not premultiplied, as pixelColor gives colours
    assert abs(red.red() - 255) <= 1
    assert (red.green(), red.blue()) == (0, 0)
    assert abs(red.alpha() - 128) <= 1
    assert shown.pixelColor(2, 0).alpha() == 0
    assert pixmap.devicePixelRatio() == 2.0


def _address(buffer: object) -> int:
    """Where a buffer's bytes are (a bytes object's, or a memoryview's)."""
    where, size = ctypes.c_void_p(), ctypes.c_ssize_t()
    read = ctypes.pythonapi.PyObject_AsReadBuffer
    read.argtypes = [
        ctypes.py_object,
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_ssize_t),
    ]
    assert read(buffer, ctypes.byref(where), ctypes.byref(size)) == 0
    assert where.value is not None
    return where.value


def test_a_pixmap_owns_its_pixels(qapp: QApplication) -> None:
    # Given pixels in its own format, Qt may make the pixmap over the very bytes (seen
    # with some: the decoded image's, freed with it). The pixmap must have its own copy.
    side = 512
    data = random.Random(4).randbytes(side * side * 4)
    pixmap = to_pixmap(DecodedImage(side, side, data, side, side, "PNG"))
    pixels = pixmap.toImage().constBits()
    assert _address(pixels) != _address(data)
    assert bytes(pixels) == data
