"""decode_image: formats by content, EXIF orientation, fitting, bombs, odd modes."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib

import pytest
from PIL import Image

from reviewer.imaging.decode import (
    PIXEL_LAYOUT,
    ImageTooLargeError,
    UndecodableImageError,
    decode_image,
    fit_within,
    rescale,
)
from reviewer.review.images import DecodedImage

from .pictures import encode, picture

MAX = 64_000_000
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def rgba(image: DecodedImage) -> Image.Image:
    """The decoded pixels as a plain (not premultiplied) RGBA image."""
    size = (image.width, image.height)
    return Image.frombuffer("RGBA", size, image.data, "raw", PIXEL_LAYOUT, 0, 1)


def pixel(image: DecodedImage, x: int, y: int) -> tuple[int, int, int, int]:
    r, g, b, a = rgba(image).getpixel((x, y))  # type: ignore[misc]
    return r, g, b, a


def close(got: tuple[int, ...], want: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(got, want, strict=False))


@pytest.mark.parametrize(("fmt", "params"), [("PNG", {}), ("JPEG", {"quality": 90}), ("WEBP", {})])
def test_detects_the_format_from_the_bytes(fmt: str, params: dict[str, int]) -> None:
    image = decode_image(encode(picture(80, 60), fmt, **params), max_side=None, max_pixels=MAX)
    assert image.format == fmt
    assert (image.width, image.height) == (80, 60)
    assert len(image.data) == image.nbytes == 80 * 60 * 4


def test_rows_run_top_to_bottom_with_a_stride_of_width_times_four() -> None:
    img = Image.new("RGB", (5, 3), WHITE)
    img.putpixel((4, 0), RED)
    img.putpixel((0, 2), BLUE)
    image = decode_image(encode(img, "PNG"), max_side=None, max_pixels=MAX)
    assert pixel(image, 4, 0) == (*RED, 255)
    assert pixel(image, 0, 2) == (*BLUE, 255)
    assert pixel(image, 1, 1) == (*WHITE, 255)


def quadrants() -> Image.Image:
    """40×20, stored: red top-left, green top-right, blue bottom-left, white bottom-right."""
    img = Image.new("RGB", (40, 20))
    for box, colour in (
        ((0, 0, 20, 10), RED),
        ((20, 0, 40, 10), GREEN),
        ((0, 10, 20, 20), BLUE),
        ((20, 10, 40, 20), WHITE),
    ):
        img.paste(colour, box)
    return img


# Orientation → upright size and corner colours (top-left, top-right, bottom-left, bottom-right).
UPRIGHT = {
    1: ((40, 20), (RED, GREEN, BLUE, WHITE)),
    3: ((40, 20), (WHITE, BLUE, GREEN, RED)),
    6: ((20, 40), (BLUE, RED, WHITE, GREEN)),  # to be shown turned 90° clockwise
    8: ((20, 40), (GREEN, WHITE, RED, BLUE)),
}


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("orientation", sorted(UPRIGHT))
# A box limits the upright image: a quarter turn must not fit the stored one.
@pytest.mark.parametrize("max_side", [None, 16, (32, 12)])
def test_honours_exif_orientation(
    fmt: str, orientation: int, max_side: int | tuple[int, int] | None
) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(
        quadrants(), fmt, exif=exif.tobytes(), **({"quality": 95} if fmt == "JPEG" else {})
    )
    image = decode_image(data, max_side=max_side, max_pixels=MAX)

    (width, height), corners = UPRIGHT[orientation]
    assert (image.source_width, image.source_height) == (width, height)
    assert (image.width, image.height) == fit_within(width, height, max_side)
    w, h = image.width - 1, image.height - 1
    got = [pixel(image, x, y)[:3] for x, y in ((0, 0), (w, 0), (0, h), (w, h))]
    assert all(close(g, c) for g, c in zip(got, corners, strict=True)), got


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [
        ((1024, 512), 256, (256, 128)),
        ((512, 1024), 256, (128, 256)),
        ((1000, 333), 300, (300, 100)),
        ((100, 50), 256, (100, 50)),  # never enlarged
        ((256, 256), 256, (256, 256)),
        ((3000, 2), 100, (100, 1)),  # never zero
        # A tile's box: each image by the side that binds it.
        ((1000, 1000), (680, 410), (410, 410)),
        ((500, 1000), (680, 410), (205, 410)),
        ((1000, 250), (680, 410), (680, 170)),
        ((300, 200), (680, 410), (300, 200)),
    ],
)
def test_fits_aspect_true_and_never_upscales(
    size: tuple[int, int], max_side: int | tuple[int, int], expected: tuple[int, int]
) -> None:
    assert fit_within(*size, max_side) == expected
    image = decode_image(encode(picture(*size), "PNG"), max_side=max_side, max_pixels=MAX)
    assert (image.width, image.height) == expected
    assert (image.source_width, image.source_height) == size


def test_full_resolution_keeps_every_pixel() -> None:
    img = picture(300, 200, seed=3)
    image = decode_image(encode(img, "PNG"), max_side=None, max_pixels=MAX)
    assert (image.width, image.height) == (300, 200)
    assert image.data == img.convert("RGBA").tobytes("raw", PIXEL_LAYOUT)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_fast_downscale_matches_a_plain_lanczos_resize(fmt: str) -> None:
    # draft()/reduce() must not cost visible quality against the slow, exact way.
    img = picture(1024, 1024, seed=5)
    data = encode(img, fmt, **({"quality": 92} if fmt != "PNG" else {}))
    image = decode_image(data, max_side=256, max_pixels=MAX)
    with Image.open(io.BytesIO(data)) as full:
        reference = full.convert("RGBA").resize((256, 256), Image.Resampling.LANCZOS).tobytes()
    got = rgba(image).tobytes()
    diff = sum(abs(a - b) for a, b in zip(got, reference, strict=True)) / len(reference)
    assert diff < 3.0


@pytest.mark.parametrize("mode", ["P", "L", "LA", "RGBA", "I;16", "CMYK", "1"])
def test_any_pixel_mode_becomes_rgba(mode: str) -> None:
    img = picture(64, 32, mode="RGBA" if mode == "RGBA" else "RGB")
    if mode != "RGBA":
        img = img.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "TIFF" if mode == "I;16" else "PNG"
    image = decode_image(encode(img, fmt), max_side=16, max_pixels=MAX)
    assert (image.width, image.height) == (16, 8)
    assert len(image.data) == 16 * 8 * 4


def test_alpha_survives_scaling() -> None:
    img = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    img.paste((0, 0, 255, 255), (0, 0, 32, 64))
    image = decode_image(encode(img, "PNG"), max_side=16, max_pixels=MAX)
    assert pixel(image, 0, 8) == (0, 0, 255, 255)
    assert pixel(image, 15, 8)[3] == 0


def test_refuses_more_pixels_than_allowed_before_decoding() -> None:
    data = encode(Image.new("RGB", (2000, 2000)), "PNG")
    with pytest.raises(
        ImageTooLargeError, match=r"too large \(2000×2000 pixels; the limit is 1 megapixels\)"
    ):
        decode_image(data, max_side=512, max_pixels=1_000_000)


def forged_png(width: int, height: int) -> bytes:
    """A PNG header declaring a huge image, with almost no data behind it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


@pytest.mark.parametrize("side", [9_000, 60_000])  # ours, and past Pillow's own guard
def test_a_forged_giant_header_is_refused_cheaply(side: int) -> None:
    with pytest.raises(UndecodableImageError, match="too large"):
        decode_image(forged_png(side, side), max_side=512, max_pixels=MAX)


@pytest.mark.parametrize(
    "data",
    [b"", b"<html>403 Forbidden</html>", b"\x89PNG\r\n\x1a\n" + b"\0" * 40],
    ids=["empty", "html", "bad-png"],
)
def test_undecodable_bytes(data: bytes) -> None:
    with pytest.raises(UndecodableImageError, match="not a readable image"):
        decode_image(data, max_side=None, max_pixels=MAX)


def test_truncated_image_is_undecodable() -> None:
    data = encode(picture(200, 200), "PNG")
    with pytest.raises(UndecodableImageError):
        decode_image(data[: len(data) // 2], max_side=None, max_pixels=MAX)


def test_formats_outside_the_accepted_list_are_refused() -> None:
    data = encode(picture(32, 32), "PPM")
    with pytest.raises(UndecodableImageError):
        decode_image(data, max_side=None, max_pixels=MAX)


def test_decoding_never_imports_pillows_other_plugins() -> None:
    # A fresh interpreter: this one may have every plugin loaded already. Image.init()
    # (all ~40 plugins, ~40 ms under the GIL) would set _initialized to 2.
    probe = (
        "import io; from PIL import Image; from reviewer.imaging import decode as _decode\n"
        "for fmt in ('PNG', 'JPEG', 'WEBP', 'GIF', 'BMP', 'TIFF'):\n"
        "    b = io.BytesIO(); Image.new('RGB', (8, 8)).save(b, fmt)\n"
        "    _decode.decode_image(b.getvalue(), max_side=None, max_pixels=100)\n"
        "print(Image._initialized)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "1"


def test_pixels_come_premultiplied_in_qts_byte_order() -> None:
    img = Image.new("RGBA", (2, 1), (255, 128, 0, 255))
    img.putpixel((1, 0), (255, 0, 0, 128))  # half-transparent red
    image = decode_image(encode(img, "PNG"), max_side=None, max_pixels=MAX)
    # B, G, R, A; colour scaled by alpha: what QImage.Format_ARGB32_Premultiplied reads.
    assert image.data == bytes([0, 128, 255, 255, 0, 0, 128, 128])


def test_rescaling_a_decoded_image_matches_decoding_at_that_size() -> None:
    img = picture(512, 384, mode="RGBA", seed=9)
    data = encode(img, "PNG")
    full = decode_image(data, max_side=None, max_pixels=MAX)
    smaller = rescale(full, 128)
    direct = decode_image(data, max_side=128, max_pixels=MAX)
    assert (smaller.width, smaller.height) == (direct.width, direct.height) == (128, 96)
    got, want = rgba(smaller).tobytes(), rgba(direct).tobytes()
    assert sum(abs(a - b) for a, b in zip(got, want, strict=True)) / len(want) < 3.0
