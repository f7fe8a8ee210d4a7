"""Reference sheets: one image per pose, consistent colours, and visibly new when regenerated."""

from __future__ import annotations

import io
import time

from PIL import Image, ImageChops, ImageStat

from reviewer.sim._model import ImageFormat, Look, StoredObject
from reviewer.sim._render import render

LOOK = Look(
    "Aurora the Adventurer",
    {
        "gender": "female", "age": 28, "ethnicity": "east-asian", "hair_color": "black",
        "hair_style": "shoulder-length straight", "eye_color": "brown", "body_type": "athletic",
        "additional_details": "small scar above right eyebrow; warm smile",
    },
)  # fmt: skip
CHAR = "char_01HXMQ7Z3K8Y2NABCDEFGHJKMR"


def picture(pose: str, version: int = 1, fmt: ImageFormat = "png", size: int = 256) -> Image.Image:
    data, content_type = render(StoredObject("k", CHAR, pose, version, LOOK, fmt), size)
    assert content_type == f"image/{fmt}"
    image = Image.open(io.BytesIO(data))
    assert image.format == fmt.upper()
    assert image.size == (size, size)
    return image.convert("RGB")


def difference(a: Image.Image, b: Image.Image) -> float:
    return float(sum(ImageStat.Stat(ImageChops.difference(a, b)).mean))


def test_every_pose_is_its_own_picture() -> None:
    images = {pose: picture(pose) for pose in ("portrait", "front", "side", "back")}
    poses = list(images)
    for i, a in enumerate(poses):
        for b in poses[i + 1 :]:
            assert difference(images[a], images[b]) > 2.0, (a, b)


def test_the_palette_follows_the_attributes() -> None:
    def dark_share(image: Image.Image) -> float:
        # Black hair: a visible share of near-black pixels in every pose.
        histogram = image.convert("L").histogram()
        return sum(histogram[:60]) / sum(histogram)

    for pose in ("portrait", "front", "side", "back"):
        assert dark_share(picture(pose)) > 0.01, pose
    blonde = Look(LOOK.name, {**dict(LOOK.attributes or {}), "hair_color": "platinum blonde"})
    data, _ = render(StoredObject("k", CHAR, "portrait", 1, blonde, "png"), 256)
    assert dark_share(Image.open(io.BytesIO(data)).convert("RGB")) < dark_share(picture("portrait"))


def test_a_regenerated_pose_looks_different() -> None:
    assert difference(picture("front", 1), picture("front", 2)) > 2.0


def test_rendering_is_deterministic() -> None:
    assert difference(picture("side"), picture("side")) == 0.0


def test_null_attributes_still_render() -> None:
    data, _ = render(StoredObject("k", CHAR, "front", 1, Look("Nameless", None), "webp"), 128)
    assert Image.open(io.BytesIO(data)).size == (128, 128)


def test_full_size_render_fits_the_budget() -> None:
    started = time.perf_counter()
    picture("front", fmt="png", size=1024)
    # Typically about 0.08 s; the bound is loose so a slow CI box does not flake.
    assert time.perf_counter() - started < 1.5
