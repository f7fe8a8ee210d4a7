"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``) from the repository root.

Each prints figures and ratios; none asserts a time (these machines are shared)."""

from __future__ import annotations

import importlib
import time

MODULES = ("bench_queue", "bench_images", "bench_polling", "bench_ui")


def main() -> None:
    for name in MODULES:
        print(f"\n=== {name} " + "=" * (60 - len(name)), flush=True)
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"({time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
