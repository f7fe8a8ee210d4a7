"""A decode worker process, and the frames the app and it exchange over its stdin/stdout.

Why processes: a decode thread shares the app's GIL. Pillow lets go of it while it
decodes, but takes it back between steps; when the kernel takes such a thread off its core
while it holds the GIL (a busy machine: the simulator drawing, a browser), the GUI thread
waits for it: 60-100 ms stalls while characters arrived. A worker process has its own GIL.

The worker handles hostile bytes, so what it answers is read as data only: a JSON header
and raw pixels, checked against what was asked (never pickle, which would run code a
subverted worker sent). One job at a time per worker: a frame in, a frame out.

Run as ``python -m reviewer.imaging.worker [--nice N] [--idle]``; a frozen build runs its own
executable with the hidden command ``__decode-worker``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, Final

from .cache_file import CacheEntryDamaged, CacheEntryMissing, read_entry, write_entry
from .decode import (
    Bounds,
    Box,
    DecodedImage,
    ImageTooLargeError,
    UndecodableImageError,
    decode_image,
    rescale,
)
from .scheduling import idle_policy, short_slice

__all__ = [
    "PROTOCOL",
    "Decode",
    "FrameError",
    "Job",
    "Rescale",
    "answer",
    "main",
    "perform",
    "read_answer",
    "request",
    "serve",
]

PROTOCOL: Final = 1
# Header length, body length; then the JSON header, then the body.
FRAME: Final = struct.Struct("!II")
MAX_HEADER: Final = 64 * 1024
MAX_FORMAT: Final = 16
MAX_PATH: Final = 4096
MAX_MESSAGE: Final = 500


class FrameError(Exception):
    """A frame that is not what the protocol allows (a worker gone wrong)."""


@dataclass(frozen=True, slots=True)
class Decode:
    """Decode encoded bytes, fitted within ``max_side`` (a square's side or a (width,
    height) box; None: full size): ``data``, or
    the image cache entry at ``source`` (``data`` empty). ``store``: an image cache entry
    to write ``data`` to first (``reviewer.imaging.cache_file``)."""

    data: bytes
    max_side: Bounds
    max_pixels: int
    source: str | None = None
    store: str | None = None

    def run(self) -> DecodedImage:
        data = self.data if self.source is None else read_entry(self.source)
        return decode_image(data, max_side=self.max_side, max_pixels=self.max_pixels)

    def most_pixels(self) -> int:
        return self.max_pixels


@dataclass(frozen=True, slots=True)
class Rescale:
    """Fit an image decoded already within ``max_side``."""

    image: DecodedImage
    max_side: Box

    def run(self) -> DecodedImage:
        return rescale(self.image, self.max_side)

    def most_pixels(self) -> int:
        return self.image.width * self.image.height


Job = Decode | Rescale


def perform(job: Job) -> tuple[DecodedImage, str | None]:
    """Do the job where it is decoded: the store it asks for first, then the decode.
    A store that fails costs only the cache: its reason comes back beside the image."""
    failed = None
    if isinstance(job, Decode) and job.store is not None:
        try:
            write_entry(job.store, job.data)
        except OSError as exc:
            failed = str(exc)[:MAX_MESSAGE]
    return job.run(), failed


def frame(header: dict[str, object], body: bytes = b"") -> list[bytes]:
    """A frame's parts, to write in order."""
    head = json.dumps(header, separators=(",", ":")).encode()
    return [FRAME.pack(len(head), len(body)), head, body]


def split_lengths(prefix: bytes, max_body: int) -> tuple[int, int]:
    """The header and body lengths a frame's prefix gives, refused when out of bounds."""
    head_len, body_len = FRAME.unpack(prefix)
    if head_len > MAX_HEADER or body_len > max_body:
        raise FrameError(f"a frame of {head_len} + {body_len} bytes is out of bounds")
    return head_len, body_len


def parse_header(raw: bytes) -> dict[str, object]:
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FrameError(f"a frame header is not JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise FrameError("a frame header is not an object")
    return header


# -- the app's side -----------------------------------------------------------------------


def request(job: Job) -> list[bytes]:
    if isinstance(job, Decode):
        header: dict[str, object] = {
            "op": "decode",
            "max_side": job.max_side,
            "max_pixels": job.max_pixels,
        }
        if job.source is not None:
            header["source"] = job.source
        if job.store is not None:
            header["store"] = job.store
        return frame(header, job.data)
    image = job.image
    return frame(
        {
            "op": "rescale",
            "max_side": job.max_side,
            **_sizes(image),
        },
        image.data,
    )


def read_answer(job: Job, header: dict[str, object], body: bytes) -> DecodedImage:
    """The image a worker's answer gives, or the error it reports, raised. Anything the
    protocol does not allow (sizes that do not match the pixels, a larger image than
    asked) is a ``FrameError``."""
    if header.get("ok") is True:
        image = _image(header, body)
        if image.width * image.height > job.most_pixels():
            raise FrameError("the worker answered more pixels than it was asked for")
        return image
    error, message = header.get("error"), header.get("message")
    if error == "cache_missing" and isinstance(message, str):
        raise CacheEntryMissing(message[:MAX_MESSAGE])
    if error == "cache_damaged" and isinstance(message, str):
        raise CacheEntryDamaged(message[:MAX_MESSAGE])
    if error == "too_large":
        width, height, limit = (_int(header, k) for k in ("width", "height", "max_pixels"))
        raise ImageTooLargeError(width, height, limit)
    if error == "undecodable" and isinstance(message, str):
        raise UndecodableImageError(message[:500])
    if error == "failed" and isinstance(message, str):
        raise UndecodableImageError(f"the image could not be decoded ({message[:500]})")
    raise FrameError(f"an answer the protocol does not know: {str(header)[:200]}")


def _sizes(image: DecodedImage) -> dict[str, object]:
    return {
        "width": image.width,
        "height": image.height,
        "source_width": image.source_width,
        "source_height": image.source_height,
        "format": image.format,
    }


def store_error(header: dict[str, object]) -> str | None:
    """Why the store an answer's job asked for failed, if it did (the image came)."""
    reason = header.get("store_error")
    return reason[:MAX_MESSAGE] if isinstance(reason, str) else None


def _path(header: dict[str, object], key: str) -> str | None:
    value = header.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_PATH or "\0" in value:
        raise FrameError(f"{key} is not a file path: {str(value)[:100]!r}")
    return value


def _bounds(header: dict[str, object], key: str) -> Box:
    """A square's side, or a (width, height) box (a JSON list of two)."""
    value = header.get(key)
    if isinstance(value, list) and len(value) == 2:
        width, height = (_int({key: v}, key) for v in value)
        return width, height
    return _int(header, key)


def _int(header: dict[str, object], key: str) -> int:
    value = header.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 1 << 31:
        raise FrameError(f"{key} is not a positive integer: {value!r}")
    return value


def _image(header: dict[str, object], body: bytes) -> DecodedImage:
    width, height = _int(header, "width"), _int(header, "height")
    fmt = header.get("format")
    if not isinstance(fmt, str) or len(fmt) > MAX_FORMAT:
        raise FrameError(f"format is not a short string: {fmt!r}")
    if len(body) != width * height * 4:
        raise FrameError(f"{len(body)} bytes of pixels for {width}×{height} at 4 bytes a pixel")
    return DecodedImage(
        width=width,
        height=height,
        data=body,
        source_width=_int(header, "source_width"),
        source_height=_int(header, "source_height"),
        format=fmt,
    )


# -- the worker's side --------------------------------------------------------------------


def job_of(header: dict[str, object], body: bytes) -> Job:
    op = header.get("op")
    if op == "decode":
        max_side = None if header.get("max_side") is None else _bounds(header, "max_side")
        source, store = _path(header, "source"), _path(header, "store")
        if source is not None and (body or store is not None):
            raise FrameError("a decode from the cache brings no bytes and stores none")
        return Decode(body, max_side, _int(header, "max_pixels"), source, store)
    if op == "rescale":
        return Rescale(_image(header, body), _bounds(header, "max_side"))
    raise FrameError(f"unknown op {op!r}")


def answer(header: dict[str, object], body: bytes) -> list[bytes]:
    """Do the job a request asks for; the answer's frame, error or image."""
    try:
        image, failed = perform(job_of(header, body))
    except CacheEntryMissing as exc:
        return frame({"ok": False, "error": "cache_missing", "message": str(exc)[:MAX_MESSAGE]})
    except CacheEntryDamaged as exc:
        return frame({"ok": False, "error": "cache_damaged", "message": str(exc)[:MAX_MESSAGE]})
    except ImageTooLargeError as exc:
        return frame(
            {
                "ok": False,
                "error": "too_large",
                "width": exc.width,
                "height": exc.height,
                "max_pixels": exc.max_pixels,
            }
        )
    except UndecodableImageError as exc:
        return frame({"ok": False, "error": "undecodable", "message": str(exc)})
    except FrameError:
        raise
    except Exception as exc:
        return frame({"ok": False, "error": "failed", "message": f"{type(exc).__name__}: {exc}"})
    stored = {} if failed is None else {"store_error": failed}
    return frame({"ok": True, **_sizes(image), **stored}, image.data)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    if len(data) < size:
        return None  # the app closed its end
    return data


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer requests until the app closes its end (or dies: the same to a pipe)."""
    _write(answers, frame({"ready": PROTOCOL}))
    while True:
        prefix = _read_exactly(requests, FRAME.size)
        if prefix is None:
            return
        head_len, body_len = split_lengths(prefix, max_body=1 << 34)
        head = _read_exactly(requests, head_len)
        body = _read_exactly(requests, body_len)
        if head is None or body is None:
            return
        _write(answers, answer(parse_header(head), body))


def _write(stream: BinaryIO, parts: list[bytes]) -> None:
    for part in parts:
        stream.write(part)
    stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="decode-worker", description=__doc__.split("\n")[0])
    parser.add_argument("--nice", type=int, default=0, help="lower its CPU priority by this")
    parser.add_argument(
        "--idle", action="store_true", help="run only on a core nothing else wants (Linux)"
    )
    args = parser.parse_args(argv)
    # Ctrl+C in a terminal reaches the whole process group; the app decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if args.nice and hasattr(os, "nice"):
        os.nice(args.nice)
    if args.idle:
        idle_policy()  # the app watches it for starving (reviewer.review.images._decoders)
    if args.nice or args.idle:
        short_slice()  # gives its core up sooner to the GUI thread waking (see scheduling)
    # Answers go out on a copy of stdout; stdout itself now writes to stderr, so nothing
    # printed by accident (a library's warning) can break a frame.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
