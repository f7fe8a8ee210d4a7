"""Run the benchmarks from the repository root.

``make bench`` runs the harness, ``python benchmarks/run.py`` (``--quick``, ``--json
PATH``, ``--only KEY,...``): every figure we claim in one table and one JSON, beside the
limit it is measured against. The modules below are the detailed figures behind it.

``python -m benchmarks`` runs the routine set of those modules, a few minutes in all.
``python -m benchmarks NAME [OPTIONS] [NAME [OPTIONS]...]`` runs the named ones with their
own options, e.g. ``python -m benchmarks bench_batch`` for the full batch figures on the
documented rate limits (about 13 min; the routine set runs it with ``--quick``), or
``python -m benchmarks bench_faults --loopback``. ``python -m benchmarks.NAME --help``
lists a benchmark's options.

Each prints figures and ratios; none asserts a time (these machines are shared)."""

from __future__ import annotations

import importlib
import inspect
import sys
import time

# (module, options) in the routine set.
ROUTINE: tuple[tuple[str, list[str]], ...] = (
    ("bench_queue", []),
    ("bench_images", []),
    ("bench_polling", []),
    ("bench_ui", []),
    ("bench_journal", []),
    ("bench_pollers", []),
    ("bench_faults", []),
    ("bench_batch", ["--quick"]),
)
MODULES = tuple(name for name, _ in ROUTINE)


def _named(argv: list[str]) -> list[tuple[str, list[str]]]:
    runs: list[tuple[str, list[str]]] = []
    for arg in argv:
        if arg.startswith("bench_"):
            runs.append((arg.removesuffix(".py"), []))
        elif runs:
            runs[-1][1].append(arg)
        else:
            raise SystemExit(f"usage: python -m benchmarks [bench_NAME [OPTIONS]]...; got {arg!r}")
    return runs


def run(name: str, options: list[str]) -> None:
    label = " ".join([name, *options])
    print(f"\n=== {label} " + "=" * max(3, 60 - len(label)), flush=True)
    started = time.perf_counter()
    entry = importlib.import_module(f"benchmarks.{name}").main
    if inspect.signature(entry).parameters:
        entry(options)
    elif options:
        raise SystemExit(f"{name} takes no options")
    else:
        entry()
    print(f"({time.perf_counter() - started:.1f} s)", flush=True)


def main() -> None:
    for name, options in _named(sys.argv[1:]) or ROUTINE:
        run(name, options)


if __name__ == "__main__":
    main()
