"""Figures for the decision journal: what one journaled decision costs on this disk (the
row written at the key press, then three updates: sending, dispatched, done; each its own
committed transaction), with the app's ``synchronous=FULL`` and, for comparison, with
``NORMAL`` on a connection opened here. Median, p95 and max over 500 decisions, and the
cost of one bare fsync on the same disk.

Run from the repository root: ``python -m benchmarks.bench_journal [--dir D]``. The
journal goes in a temporary folder beside where the app keeps its own (the user data
folder, or the nearest folder of it that exists), so it is the same disk. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import filelock

from reviewer.review import paths
from reviewer.review.decisions import Decision, DecisionKind, DecisionState
from reviewer.review.journal import Journal, open_journal

DECISIONS = 500


def _decide(journal: Journal, n: int) -> None:
    decision = Decision(
        kind=DecisionKind.SAVE,
        character_id=f"char_{n:026d}",
        character_name=f"Character {n}",
        made_at=time.time(),
        due_at=0.0,
    )
    journal.record(decision)
    decision.state = DecisionState.SENDING
    decision.attempts = 1
    journal.update(decision)
    decision.dispatched = True
    journal.update(decision)
    decision.state = DecisionState.DONE
    journal.update(decision)


def _timed(journal: Journal, runs: int) -> list[float]:
    samples = []
    for n in range(runs):
        started = time.perf_counter()
        _decide(journal, n)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _full(folder: Path, runs: int) -> list[float]:
    opened = open_journal(folder / "full.sqlite3")
    try:
        return _timed(opened.journal, runs)
    finally:
        opened.journal.close()


def _normal(folder: Path, runs: int) -> list[float]:
    path = folder / "normal.sqlite3"
    open_journal(path).journal.close()  # the app's schema, then our own connection
    lock = filelock.FileLock(str(path) + ".lock", timeout=0)
    lock.acquire()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    level = connection.execute("PRAGMA synchronous").fetchone()[0]
    if level != 1:
        raise RuntimeError(f"synchronous is {level}, not NORMAL (1)")
    journal = Journal(connection, path, lock)
    try:
        return _timed(journal, runs)
    finally:
        journal.close()


def _fsync(folder: Path, runs: int) -> list[float]:
    samples = []
    with open(folder / "fsync.bin", "wb") as f:
        for _ in range(runs):
            f.write(os.urandom(4096))
            f.flush()
            started = time.perf_counter()
            os.fsync(f.fileno())
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _filesystem(path: Path) -> str:
    """The mount holding ``path`` (device and type), from /proc/mounts where there is one."""
    try:
        mounts = [line.split()[:3] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown filesystem"
    resolved = str(path.resolve())
    best = max(
        (m for m in mounts if resolved == m[1] or resolved.startswith(m[1].rstrip("/") + "/")),
        key=lambda m: len(m[1]),
        default=None,
    )
    return f"{best[0]} ({best[2]}, mounted on {best[1]})" if best else "unknown filesystem"


def _line(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"  {label:<22} median {statistics.median(samples):7.2f} ms   "
        f"p95 {p95:7.2f} ms   max {max(samples):7.2f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_journal")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the journal")
    parser.add_argument("--decisions", type=int, default=DECISIONS)
    args = parser.parse_args(argv)
    base = args.dir or _nearest_existing(paths.data_dir())
    runs = args.decisions
    with tempfile.TemporaryDirectory(prefix="aurous-bench-journal-", dir=base) as tmp:
        folder = Path(tmp)
        print(f"journal in {folder}")
        print(f"on {_filesystem(folder)}")
        print(f"one decision = record + 3 updates (4 commits), {runs} decisions, WAL\n")
        measures: list[tuple[str, Callable[[Path, int], list[float]]]] = [
            ("synchronous=FULL", _full),
            ("synchronous=NORMAL", _normal),
        ]
        results = {label: run(folder, runs) for label, run in measures}
        for label, samples in results.items():
            print(_line(label, samples))
        full, normal = (statistics.median(s) for s in results.values())
        print(f"  FULL / NORMAL (median)  {full / normal:.1f}×")
        print(
            f"\n  {runs} decisions in a row: FULL {sum(results['synchronous=FULL']) / 1000:.2f} s"
        )
        print(_line("bare fsync (4 KiB)", _fsync(folder, runs)))


if __name__ == "__main__":
    main()
