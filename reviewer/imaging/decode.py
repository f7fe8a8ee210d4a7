"""Bytes to pixels: detect the format, honour EXIF orientation, scale down well.

Runs in a decode worker process (``reviewer.imaging.worker``), or on a worker thread where
there are none; nothing here touches the event loop or Qt."""

from __future__ import annotations

import importlib
import io
import math
import struct
from dataclasses import dataclass, field
from typing import Final

from PIL import Image

__all__ = [
    "ACCEPTED_FORMATS",
    "Bounds",
    "Box",
    "DecodedImage",
    "ImageTooLargeError",
    "UndecodableImageError",
    "decode_image",
    "fit_within",
    "rescale",
]

# What storage may serve (the contract names PNG, JPEG and WebP); refusing the rest keeps
# Pillow's rarer, less hardened parsers away from downloaded bytes.
ACCEPTED_FORMATS: Final = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
# Their readers, imported with this module (before Qt, see reviewer.launch): otherwise
# the first decode, on a decode thread while the first character loads, finds WebP and
# TIFF unregistered and Pillow imports all its ~40 plugins under the GIL (~40 ms).
for _module in ("Png", "Jpeg", "WebP", "Gif", "Bmp", "Tiff"):
    importlib.import_module(f"PIL.{_module}ImagePlugin")

# EXIF orientation value → the transpose that makes the image upright.
_ORIENTATION_TAG: Final = 0x0112
_UPRIGHT: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_QUARTER_TURNS: Final = frozenset(
    (
        Image.Transpose.TRANSPOSE,
        Image.Transpose.ROTATE_270,
        Image.Transpose.TRANSVERSE,
        Image.Transpose.ROTATE_90,
    )
)
# JPEGs decode straight at the smallest DCT scale (1/2, 1/4, 1/8) no smaller than the
# target: libjpeg's scaled IDCT is a proper low-pass, within ~1/255 of a full decode plus
# Lanczos, at a fraction of the cost.
_DRAFT_GAP: Final = 1.0
# Other formats first shrink by an integer factor (box filter) to within 2× of the target,
# then finish with Lanczos: Pillow's thumbnail() trade-off, close to a pure Lanczos.
_REDUCING_GAP: Final = 2.0


# The pixels come out premultiplied, in the byte order B, G, R, A: Qt's native layout
# (ARGB32_Premultiplied) on little-endian machines, which every platform the app ships
# for is. The GUI thread then makes a pixmap of them with a plain copy (RGBA8888 took a
# conversion, 0.3-0.7 ms a pose), and draws them scaled ~3.5× faster (0.24 ms a pose in a
# tile against 0.88; the loupe redraws one at full size on every pan).
PIXEL_LAYOUT: Final = "BGRa"  # Pillow's name for that packing


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """Upright pixels in PIXEL_LAYOUT (premultiplied B, G, R, A), rows top to bottom,
    stride ``width * 4``. The source size is the upright size of the original image."""

    width: int
    height: int
    data: bytes = field(repr=False)
    source_width: int
    source_height: int
    format: str

    @property
    def nbytes(self) -> int:
        return len(self.data)


class UndecodableImageError(Exception):
    """The bytes are not an image this app can read (or are truncated)."""


class ImageTooLargeError(UndecodableImageError):
    """The image declares more pixels than allowed: refused before decoding."""

    def __init__(self, width: int, height: int, max_pixels: int) -> None:
        super().__init__(
            f"the image is too large ({width}×{height} pixels; the limit is "
            f"{max_pixels / 1e6:g} megapixels)"
        )
        self.width = width
        self.height = height
        self.max_pixels = max_pixels


# What an image is fitted within: a square's side, a (width, height) box, or None for
# full resolution. A pose tile asks for its own box: a square pose in a wide tile is
# decoded at the tile's height, not its width (2.9 times fewer pixels in a 680 × 410
# tile), so less is moved, converted, kept and scaled down at every look.
Box = int | tuple[int, int]
Bounds = Box | None


def _box_of(max_side: Bounds) -> tuple[int, int] | None:
    """``max_side`` as a (width, height) box, None for no limit."""
    if max_side is None:
        return None
    if isinstance(max_side, int):
        return max_side, max_side
    return max_side


def fit_within(width: int, height: int, max_side: Bounds) -> tuple[int, int]:
    """The size of ``width``×``height`` scaled to fit ``max_side`` (a square's side or a
    (width, height) box), aspect-true, never enlarged."""
    box = _box_of(max_side)
    if box is None or (width <= box[0] and height <= box[1]):
        return width, height
    scale = min(box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_image(data: bytes, *, max_side: Bounds, max_pixels: int) -> DecodedImage:
    """Decode ``data`` (any accepted format, whatever it claims to be) to upright pixels,
    fitted within ``max_side`` (a square's side or a (width, height) box; None: full
    resolution).

    Raises ``ImageTooLargeError`` before decoding more than ``max_pixels`` pixels and
    ``UndecodableImageError`` for anything unreadable."""
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as img:
            return _decode_open(img, max_side=max_side, max_pixels=max_pixels)
    except Image.DecompressionBombError as exc:
        raise UndecodableImageError(f"the image is too large ({exc})") from exc
    except UndecodableImageError:
        raise
    # Pillow reports bad data as any of these, depending on the format and the damage.
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error) as exc:
        raise UndecodableImageError(f"the bytes are not a readable image ({exc})") from exc


def _decode_open(img: Image.Image, *, max_side: Bounds, max_pixels: int) -> DecodedImage:
    fmt = img.format or "UNKNOWN"
    source_w, source_h = img.size
    # The header alone gives the size: refuse a decompression bomb before any pixel is read.
    if source_w * source_h > max_pixels:
        raise ImageTooLargeError(source_w, source_h, max_pixels)
    orientation = img.getexif().get(_ORIENTATION_TAG)
    transpose = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    # The box is for the upright image: a quarter turn swaps which side it limits.
    turned = transpose in _QUARTER_TURNS
    upright = fit_within(*((source_h, source_w) if turned else (source_w, source_h)), max_side)
    target = (upright[1], upright[0]) if turned else upright
    if target != (source_w, source_h):
        img.draft(None, (math.ceil(target[0] * _DRAFT_GAP), math.ceil(target[1] * _DRAFT_GAP)))
    img.load()

    frame: Image.Image = img
    if frame.mode not in ("RGB", "RGBA"):
        # Palette, grey, CMYK, 16-bit...: resample in RGBA, never in a palette.
        frame = frame.convert("RGBA")
    if frame.size != target:
        # Pillow premultiplies alpha while resampling RGBA, so edges don't go dark.
        frame = frame.resize(target, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)
    if frame.mode != "RGBA":
        frame = frame.convert("RGBA")
    if transpose is not None:
        frame = frame.transpose(transpose)
    if turned:
        source_w, source_h = source_h, source_w
    return DecodedImage(
        width=frame.width,
        height=frame.height,
        data=frame.tobytes("raw", PIXEL_LAYOUT),
        source_width=source_w,
        source_height=source_h,
        format=fmt,
    )


def rescale(image: DecodedImage, max_side: Box) -> DecodedImage:
    """``image`` (already upright) fitted within ``max_side``, for deriving a smaller
    size from a full-resolution image in memory instead of decoding again."""
    target = fit_within(image.width, image.height, max_side)
    if target == (image.width, image.height):
        return image
    # Resampled as it is: premultiplied (Pillow's "RGBa" mode, which it does not
    # premultiply again), each channel alike, so the B, G, R order needs no swapping.
    size = (image.width, image.height)
    frame = Image.frombuffer("RGBa", size, image.data, "raw", "RGBa", 0, 1)
    scaled = frame.resize(target, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)
    return DecodedImage(
        width=scaled.width,
        height=scaled.height,
        data=scaled.tobytes("raw", "RGBa"),
        source_width=image.source_width,
        source_height=image.source_height,
        format=image.format,
    )
