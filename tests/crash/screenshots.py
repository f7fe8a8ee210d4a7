"""Issue 9's screenshot proof: the real window under Xvfb, at one screen size per run,
in both themes, through every view (grid, loupe at 100 % and 200 %, 4-up, survey,
multi-select, the attribute filter open and in force, a regenerate and its compare,
the Decided panel, an error and an offline moment).

    python -m tests.crash.screenshots --size 1280x720 [--scale 2] [--display 66]

One size at a time (the machine is shared). For each theme it starts the simulator
(fixed seed) on loopback and the app with its own folders, and tests/crash/shot_driver.py
walks it with real keys and clicks, waiting for each view rather than sleeping. PNGs
and ``<size>-<theme>-report.json`` (what each shot shows, the top bar's layout facts) go
to ``--out`` (default /tmp/shots9); ``--sheet`` adds a contact sheet per theme.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from reviewer.sim import SimConfig, serve_in_thread
from tests.crash.desktop import Display, _stop, wait_until

SEED = 42
CHARACTERS = 30
RUN_TIMEOUT = 900.0


def run_theme(display: Display, theme: str, args: argparse.Namespace, label: str) -> bool:
    sim = serve_in_thread(
        SimConfig(
            seed=SEED,
            characters=CHARACTERS,
            # Short, so the seeded runs land first and a regenerate comes back soon.
            synthesis_seconds=3.0,
            synthesis_jitter=0.0,
            failure_rate=0.0,
            credits=500,
        )
    )
    try:
        wait_until(
            lambda: all(c["status"] != "synthesizing" for c in sim.sim.characters()),
            "the seeded synthesis runs to land",
        )
        with tempfile.TemporaryDirectory(prefix="shots9-") as home:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "XDG_"))}
            for kind in ("DATA", "CONFIG", "CACHE", "STATE"):
                env[f"XDG_{kind}_HOME"] = str(Path(home) / kind.lower())
            runtime = Path(home) / "runtime"
            runtime.mkdir(mode=0o700)
            env.update(
                XDG_RUNTIME_DIR=str(runtime),
                AUROUS_API_KEY=sim.api_key,
                PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
                QT_QPA_PLATFORM="xcb",
                QT_API="pyside6",
                DISPLAY=display.name,
            )
            if args.scale:
                env["QT_SCALE_FACTOR"] = args.scale
            prefix = f"{label}-{theme}"
            command = [
                sys.executable,
                "-m",
                "tests.crash.shot_driver",
                "--out",
                str(args.out),
                "--prefix",
                prefix,
                "--sim",
                sim.url,
                "--",
                "--base-url",
                sim.base_url,
                "--theme",
                theme,
                "--undo-seconds",
                "1",
                "--poll-interval",
                "2",
            ]
            log = args.out / f"{prefix}.log"
            with log.open("wb") as output:
                child = subprocess.Popen(
                    command,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                try:
                    child.wait(RUN_TIMEOUT)
                except subprocess.TimeoutExpired:
                    print(f"{prefix}: no end after {RUN_TIMEOUT:g} s", file=sys.stderr)
                finally:
                    _stop(child)
            report = args.out / f"{prefix}-report.json"
            if not report.exists():
                print(f"{prefix}: no report; see {log}", file=sys.stderr)
                return False
            data = json.loads(report.read_text())
            for shot in data["shots"]:
                bar = shot["top_bar"]
                flags = [
                    f"overlaps {bar['overlaps']}" if bar["overlaps"] else "",
                    f"squeezed {bar['below_minimum']}" if bar["below_minimum"] else "",
                    "" if bar["placeholder_fits"] else "placeholder cut",
                    "" if shot["settled"] else "still animating",
                ]
                print(f"{shot['file']}: {shot['showing']} {' '.join(f for f in flags if f)}")
            if args.sheet and shutil.which("montage"):
                files = [str(args.out / s["file"]) for s in data["shots"]]
                sheet = args.out / f"_sheet-{prefix}.png"
                subprocess.run(
                    ["montage", *files, "-tile", "4x", "-geometry", "640x+4+4", str(sheet)],
                    check=False,
                )
            if data["error"]:
                print(f"{prefix}: {data['error']}", file=sys.stderr)
            return not data["error"]
    finally:
        sim.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1280x720", help="the screen, WxH")
    parser.add_argument("--scale", help="QT_SCALE_FACTOR (2: a HiDPI screen)")
    parser.add_argument("--themes", default="dark,light")
    parser.add_argument("--display", type=int, help="the X display number (default: a free one)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/shots9"))
    parser.add_argument("--sheet", action="store_true", help="a contact sheet per theme")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    label = args.size + (f"-scale{args.scale}" if args.scale else "")
    ok = True
    with tempfile.TemporaryDirectory(prefix="shots9-x-") as work:
        display = Display(Path(work), args.size, args.display)
        try:
            for theme in args.themes.split(","):
                ok = run_theme(display, theme, args, label) and ok
        finally:
            display.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
