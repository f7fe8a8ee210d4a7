"""``reviewer history``: this reviewer's decisions from the journal, for producers' reports.

It reads the journal the app writes for the API host and team (the same rule as the app:
``--base-url``, and the team from the API key in AUROUS_API_KEY or the keychain), read-only
and without the app's lock, so it works while the app is open. No Qt is imported.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TextIO

from reviewer.api import DEFAULT_BASE_URL, InsecureURLError, normalize_base_url
from reviewer.review import paths
from reviewer.review.credentials import ENV_VAR, resolve_api_key
from reviewer.review.history import HistoryError, HistoryRow, read_history
from reviewer.review.journal import journal_path

__all__ = ["FIELDS", "build_parser", "main", "parse_since"]

# The columns of the csv output, and the keys of each json object.
FIELDS = (
    "made_at",
    "sent_at",
    "character_id",
    "character_name",
    "decision",
    "pose",
    "state",
    "request_id",
    "error",
    "decision_id",
)
NOTHING_YET = "No decisions recorded yet."
_NAME_WIDTH = 36


class _Refused(Exception):
    """Bad input or a journal we cannot choose: said on stderr, exit 2."""


def parse_since(text: str) -> datetime:
    """A date (midnight, local time) or an ISO-8601 date and time; without a zone it is
    local time. The result is aware."""
    text = text.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time())
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or time; write it as 2026-05-08 or 2026-05-08T14:30 "
            "(add Z or +02:00 for a zone other than this computer's)"
        ) from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewer history",
        description="List your decisions (from this computer's decision journal): time, "
        "character, decision, pose, state and the server's request id. It reads the "
        "journal only, so it works while the app is open.",
        epilog=f"The team is the one of the API key in {ENV_VAR} or the keychain, as for "
        "the app. Times are ISO-8601 UTC in csv and json, local in the table.",
    )
    parser.add_argument(
        "--since",
        type=parse_since,
        metavar="DATE",
        help="only decisions made at or after this date (2026-05-08) or time "
        "(2026-05-08T14:30, local unless it names a zone)",
    )
    parser.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="(default table)"
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get("AUROUS_BASE_URL", DEFAULT_BASE_URL),
        help=f"the API host whose journal to read (default {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--journal", type=Path, metavar="FILE", help="read this journal file instead"
    )
    parser.add_argument(
        "--demo", action="store_true", help="the demo's decisions (it keeps none on disk)"
    )
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    stdout = out or sys.stdout
    args = build_parser().parse_args(argv)
    if args.demo:
        print(
            "The demo keeps its decisions in memory only (its simulator starts afresh each "
            "time), so there is no history on disk. Open the Decided panel (H) in the demo "
            "window instead.",
            file=sys.stderr,
        )
        return 0
    try:
        path = _journal(args)
    except _Refused as exc:
        print(f"reviewer history: {exc}", file=sys.stderr)
        return 2
    try:
        rows = [] if path is None else read_history(path, args.since)
    except HistoryError as exc:
        print(f"reviewer history: {exc}", file=sys.stderr)
        return 1
    if not rows:
        empty = NOTHING_YET if path is None or args.since is None else _none_since(args.since)
        # csv and json stay parseable: the words go to stderr, empty data to stdout.
        print(empty, file=stdout if args.format == "table" else sys.stderr)
    if args.format == "json":
        json.dump([r.as_json() for r in rows], stdout, indent=2, ensure_ascii=False)
        stdout.write("\n")
    elif args.format == "csv":
        writer = csv.DictWriter(stdout, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(r.as_json() for r in rows)
    elif rows:
        _table(rows, stdout)
    return 0


def _none_since(since: datetime) -> str:
    return f"No decisions since {since.astimezone():%Y-%m-%d %H:%M}."


def _journal(args: argparse.Namespace) -> Path | None:
    """The journal to read; None when none has been written yet."""
    if args.journal is not None:
        if not args.journal.is_file():
            raise _Refused(f"there is no journal file at {args.journal}")
        return Path(args.journal)
    try:
        base_url = normalize_base_url(args.base_url)
    except InsecureURLError as exc:
        raise _Refused(str(exc)) from None
    data = paths.data_dir()
    key = resolve_api_key(base_url)
    if key is not None:
        path = journal_path(data, base_url, key.value)
        return path if path.exists() else None
    # No key here (a producer's shell, say): one team's journal for this host is
    # unambiguous; with several, the key says which.
    folder = journal_path(data, base_url, "").parent
    found = sorted(folder.glob("team-*.sqlite3")) if folder.is_dir() else []
    if len(found) > 1:
        raise _Refused(
            f"{len(found)} teams have decision journals for this API host; set {ENV_VAR} "
            "to the team's key, or name one with --journal "
            f"({', '.join(str(p) for p in found)})"
        )
    return found[0] if found else None


def _table(rows: list[HistoryRow], out: TextIO) -> None:
    header = ("Time", "Character", "Decision", "Pose", "State", "Sent", "Request id")
    lines = [
        (
            f"{r.made_at.astimezone():%Y-%m-%d %H:%M:%S}",
            _clip(r.character_name),
            r.decision,
            r.pose or "",
            r.state,
            f"{r.sent_at.astimezone():%H:%M:%S}" if r.sent_at else "",
            r.request_id or "",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *lines]:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        out.write("\n")
    out.write(f"\n{len(rows)} decision{'' if len(rows) == 1 else 's'}\n")


def _clip(text: str) -> str:
    return text if len(text) <= _NAME_WIDTH else text[: _NAME_WIDTH - 1] + "…"
