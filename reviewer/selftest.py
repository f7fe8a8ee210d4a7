"""``reviewer --self-test``: is this installation complete? Runs without a display.

Checks what a bundle or a minimal system could lack: the display plugins' libraries, Qt
itself (offscreen), the SVG plugins, the qasync loop, TLS certificates, Pillow's codecs,
the resources, and a round trip to the in-process simulator. Each check prints one line;
the exit status is 0 only when every one passed.
"""

from __future__ import annotations

import asyncio
import io
import os
import ssl
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final, TextIO

os.environ.setdefault("QT_API", "pyside6")  # qasync picks its binding from this

__all__ = ["CheckResult", "run_self_test"]

_TIMEOUT: Final = 60.0  # seconds for the async checks together; a hang is a failure


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str


def _display_plugins() -> str:
    from reviewer import preflight

    if not sys.platform.startswith("linux"):
        return "not needed on this system"
    checks = [preflight.check_platform(p) for p in preflight.PLUGIN_FILES]
    summary = "; ".join(c.describe() for c in checks)
    if not any(c.loads for c in checks):
        packages = [p for c in checks for p in c.packages]
        hint = preflight.install_hint(packages)
        raise RuntimeError(summary + (" — install: " + hint[0].strip() if hint else ""))
    return summary


def _qt_offscreen() -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    assert app is not None
    platform = QGuiApplication.platformName()
    if platform != "offscreen":
        raise RuntimeError(f"Qt started the {platform!r} platform, not offscreen")
    return f"PySide6 {pyside_version}, platform {platform}"


def _svg() -> str:
    from PySide6.QtGui import QIcon, QImageReader

    from reviewer.resources import resource_path

    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    if "svg" not in formats:
        raise RuntimeError("Qt's SVG image plugin is missing")
    pixmap = QIcon(str(resource_path("icons", "app.svg"))).pixmap(64, 64)
    if pixmap.isNull() or pixmap.toImage().pixelColor(32, 32).alpha() == 0:
        raise RuntimeError("the app icon did not render (SVG icon engine missing?)")
    return "image and icon plugins render the app icon"


def _resources() -> str:
    from reviewer.resources import resource_path, resources_root

    for parts in (("icons", "app.svg"), ("style", "app.qss"), ("style", "palettes.json")):
        resource_path(*parts)
    icons = len(list((resources_root() / "icons").glob("*.svg")))
    return f"{icons} icons and the stylesheet in {resources_root()}"


def _images() -> str:
    import PIL
    from PIL import Image

    source = Image.new("RGB", (16, 12), (217, 120, 43))
    decoded = []
    for fmt in ("PNG", "JPEG", "WEBP"):
        buffer = io.BytesIO()
        source.save(buffer, fmt)
        with Image.open(io.BytesIO(buffer.getvalue()), formats=[fmt]) as img:
            img.load()
            red = img.convert("RGB").getpixel((8, 6))
            assert isinstance(red, tuple)
            if img.size != source.size or abs(red[0] - 217) > 8:
                raise RuntimeError(f"{fmt} decoded wrong: {img.size}, {red}")
        decoded.append(fmt)
    return f"Pillow {PIL.__version__} decodes {', '.join(decoded)}"


def _tls() -> str:
    import truststore

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Wrapping loads the system's CA certificates into the OpenSSL context it wraps (no
    # network needed); the connection object shows that inner context.
    inner = context.wrap_bio(
        ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="api.aurous-labs.com"
    ).context
    if sys.platform == "darwin":
        return f"truststore {truststore.__version__}: macOS verifies with the system keychain"
    if sys.platform == "win32":
        roots = len(ssl.enum_certificates("ROOT"))  # type: ignore[attr-defined,unused-ignore]
        if not roots:
            raise RuntimeError("the Windows ROOT certificate store is empty")
        return f"truststore {truststore.__version__}: {roots} Windows root certificates"
    loaded = inner.cert_store_stats()["x509_ca"]
    paths = ssl.get_default_verify_paths()
    if loaded:
        return f"truststore {truststore.__version__}: {loaded} CA certificates"
    if paths.capath and any(name.endswith(".0") for name in os.listdir(paths.capath)):
        return f"truststore {truststore.__version__}: CA certificates in {paths.capath}"
    raise RuntimeError("no CA certificates found (install ca-certificates, or set SSL_CERT_FILE)")


async def _event_loop() -> str:
    from PySide6.QtCore import QTimer

    started = time.monotonic()
    await asyncio.sleep(0.01)
    fired: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    QTimer.singleShot(10, lambda: None if fired.done() else fired.set_result(None))
    await asyncio.wait_for(fired, timeout=5)
    return f"asyncio and Qt timers fired in {(time.monotonic() - started) * 1000:.0f} ms"


async def _simulator() -> str:
    from PIL import Image

    from reviewer.api import AsyncAurousClient
    from reviewer.sim import SimConfig, serve_in_thread

    demo = await asyncio.to_thread(serve_in_thread, SimConfig(seed=7, characters=3, image_size=256))
    try:
        async with AsyncAurousClient(api_key=demo.api_key, base_url=demo.base_url) as client:
            page = await client.list_characters(limit=3)
            with_refs = [c for c in page.data if c.refs]
            if not with_refs:
                raise RuntimeError(f"listed {len(page.data)} characters, none with a pose")
            character = await client.retrieve_character(with_refs[0].id)
            ref = character.refs[0]
            download = await client.download(ref.url)
        with Image.open(io.BytesIO(download.content)) as img:
            img.load()
            size = img.size
    finally:
        await asyncio.to_thread(demo.stop)
    return (
        f"listed {len(page.data)}, retrieved {character.id}, decoded its {ref.pose} pose "
        f"({size[0]}×{size[1]}, {len(download.content)} bytes)"
    )


_SYNC_CHECKS: Final[list[tuple[str, Callable[[], str]]]] = [
    ("display plugins", _display_plugins),
    ("Qt", _qt_offscreen),
    ("resources", _resources),
    ("SVG", _svg),
    ("images", _images),
    ("TLS", _tls),
]
_ASYNC_CHECKS: Final[list[tuple[str, Callable[[], Awaitable[str]]]]] = [
    ("event loop", _event_loop),
    ("simulator", _simulator),
]


def _run_sync(name: str, check: Callable[[], str]) -> CheckResult:
    try:
        return CheckResult(name, True, check())
    except Exception as exc:
        return CheckResult(name, False, f"{type(exc).__name__}: {exc}")


async def _run_async(name: str, check: Callable[[], Awaitable[str]]) -> CheckResult:
    try:
        return CheckResult(name, True, await asyncio.wait_for(check(), _TIMEOUT))
    except Exception as exc:
        return CheckResult(name, False, f"{type(exc).__name__}: {exc}")


def run_checks() -> list[CheckResult]:
    """Every check, in order. Starts Qt offscreen, so call it before any QApplication."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display needed, whatever the session
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    results = [_run_sync(name, check) for name, check in _SYNC_CHECKS]
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def run_async() -> list[CheckResult]:
        return [await _run_async(name, check) for name, check in _ASYNC_CHECKS]

    with loop:
        results += loop.run_until_complete(run_async())
    return results


def run_self_test(out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    from reviewer import __version__

    print(f"Aurous Reviewer {__version__} self-test ({sys.executable})", file=out)
    results = run_checks()
    width = max(len(r.name) for r in results)
    for result in results:
        mark = "ok  " if result.passed else "FAIL"
        print(f"  {mark} {result.name.ljust(width)}  {result.detail}", file=out)
    failed = [r.name for r in results if not r.passed]
    if failed:
        print(f"Self-test failed: {', '.join(failed)}.", file=out)
        return 1
    print(f"Self-test passed: all {len(results)} checks.", file=out)
    return 0
