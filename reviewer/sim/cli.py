"""`reviewer-sim`: serve the simulated Aurous Labs API on a local port."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Sequence

from ._app import create_app
from ._clock import DEMO_EPOCH, Clock, ManualClock, SystemClock
from ._config import SimConfig
from ._server import ReadyServer, bind, http_url, uvicorn_config


def _number(
    kind: Callable[[str], float], low: float, high: float | None = None
) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < low or (high is not None and value > high):
            upper = f" and <= {high:g}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be >= {low:g}{upper}, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def build_parser() -> argparse.ArgumentParser:
    defaults = SimConfig(api_keys=["-"])
    parser = argparse.ArgumentParser(
        prog="reviewer-sim",
        description="Serve a local simulator of the Aurous Labs characters API.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to listen on")
    add("--port", type=_number(int, 0, 65535), default=8787, help="port; 0 picks a free one")
    add(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="a team's key; repeat for more teams (default: one demo key, printed)",
    )
    add("--seed", type=int, default=defaults.seed, help="makes every run repeatable")
    add("--characters", type=_number(int, 0), default=defaults.characters, help="seeded characters")
    add(
        "--synthesis-seconds",
        type=_number(float, 0),
        default=defaults.synthesis_seconds,
        help="how long a synthesis run takes (the real service: 30-90)",
    )
    add("--credits", type=_number(int, 0), default=defaults.credits, help="credits per team")
    add("--billing-mode", choices=("metered", "exempt"), default=defaults.billing_mode)
    add(
        "--url-ttl",
        type=_number(float, 1),
        default=defaults.url_ttl_seconds,
        help="seconds a storage url stays valid",
    )
    add("--image-size", type=_number(int, 32, 4096), default=defaults.image_size, help="pixels")
    add(
        "--render-ahead",
        type=_number(float, 0),
        default=defaults.render_ahead_seconds,
        metavar="SECONDS",
        help="storage draws a run's images this long before it ends (0: on first download)",
    )
    add(
        "--render-seeded-ahead",
        action="store_true",
        help="storage draws the seeded characters' images in review at start, newest first",
    )
    # For a parent that runs this as its child (the app's demo): when the parent goes,
    # however it went, its end of the pipe closes and this server stops.
    add("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)
    add(
        "--team-key",
        action="append",
        dest="team_keys",
        metavar="KEY",
        help="another key for the first team, sharing its buckets and credits; repeatable",
    )
    add(
        "--failure-rate",
        "--synthesis-failure-rate",
        dest="failure_rate",
        type=_number(float, 0, 1),
        default=defaults.failure_rate,
        help="chance a synthesis run fails",
    )
    _add_chaos(parser)
    add(
        "--rate-limit-scale",
        type=_number(float, 0.001),
        default=1.0,
        help="multiplies every rate limit (for load tests)",
    )
    add("--storage-base-url", default=None, help="origin for storage urls (default: the request's)")
    add(
        "--manual-clock",
        action="store_true",
        help="freeze time at 2026-05-08T10:00:00Z; move it with POST /_sim/advance",
    )
    add("--access-log", action="store_true", help="log every request")
    add(
        "--idle-priority",
        action="store_true",
        help="run only on CPU time nothing else wants (Linux: the idle scheduling policy;"
        " elsewhere the lowest niceness): a stand-in for a remote service on the client's"
        " own machine then takes no CPU from the client",
    )
    return parser


def _add_chaos(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    rate = _number(float, 0, 1)
    for flag, meaning in (
        ("--fault-rate", "/v1 requests answered 500/502/503"),
        ("--reset-rate", "/v1 connections dropped, before or after the call took effect"),
        ("--corrupt-image-rate", "storage downloads answered with truncated or non-image bytes"),
    ):
        add(flag, type=rate, default=0.0, metavar="P", help=f"share of {meaning}")
    latency = parser.add_mutually_exclusive_group()
    latency.add_argument(
        "--latency-ms",
        type=_number(float, 0),
        default=0.0,
        metavar="N",
        help="milliseconds added to every API and storage request",
    )
    latency.add_argument(
        "--latency",
        type=_number(float, 0),
        default=0.0,
        metavar="SECONDS",
        help="the same in seconds (an alias)",
    )
    for flag, bucket in COLLEAGUE_FLAGS.items():
        add(
            f"--colleague-{flag}-per-minute",
            type=_number(float, 0),
            default=0.0,
            metavar="N",
            help=f"another client of the first team spends N {bucket} tokens a minute",
        )


COLLEAGUE_FLAGS = {
    "get": "characters_get",
    "post": "characters_post",
    "synthesize": "characters_synthesize",
}


def _latency_seconds(args: argparse.Namespace) -> float:
    # The two flags exclude each other, so at most one is not 0.
    return float(args.latency_ms) / 1000.0 + float(args.latency)


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """The service the parsed flags describe; ValueError when they do not fit together."""
    clock: Clock = ManualClock(DEMO_EPOCH) if args.manual_clock else SystemClock()
    return SimConfig(
        api_keys=list(args.api_keys or []),
        seed=args.seed,
        characters=int(args.characters),
        synthesis_seconds=args.synthesis_seconds,
        credits=int(args.credits),
        billing_mode=args.billing_mode,
        url_ttl_seconds=args.url_ttl,
        image_size=int(args.image_size),
        render_ahead_seconds=args.render_ahead,
        render_seeded_ahead=args.render_seeded_ahead,
        failure_rate=args.failure_rate,
        clock=clock,
        storage_base_url=args.storage_base_url,
        latency_seconds=_latency_seconds(args),
        rate_limit_scale=args.rate_limit_scale,
        fault_rate=args.fault_rate,
        reset_rate=args.reset_rate,
        corrupt_image_rate=args.corrupt_image_rate,
        colleague_per_minute={
            bucket: rate
            for flag, bucket in COLLEAGUE_FLAGS.items()
            if (rate := getattr(args, f"colleague_{flag}_per_minute")) > 0
        },
        team_keys={0: list(args.team_keys)} if args.team_keys else {},
    )


def _stop_at_eof(server: ReadyServer) -> None:
    while sys.stdin.buffer.read(4096):
        pass
    server.should_exit = True


def _idle_priority() -> None:
    # Before any thread starts: on Linux the policy and niceness are per thread, and a
    # thread starts with its creator's. A task of the idle policy yields its core the
    # moment another wants it; niceness alone does not (seen: the client's GUI thread
    # waited up to a scheduler tick, 4 ms, behind a nice 19 simulator drawing).
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    elif hasattr(os, "nice"):
        os.nice(19)


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.idle_priority:
        _idle_priority()
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        sock = bind(args.host, int(args.port))
    except OSError as exc:
        parser.error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    url = http_url(args.host, sock.getsockname()[1])

    def announce() -> None:
        print(f"listening on {url}")
        print(f"api base url: {url}/v1")
        for key in config.api_keys:
            print(f"api key: {key}")
        for key in config.team_keys.get(0, ()):
            print(f"team key: {key}  (first team)")
        print(
            "controls: POST /_sim/advance, /_sim/faults, /_sim/chaos, /_sim/credits, /_sim/keys;"
            " GET /_sim/requests, /_sim/ledger, /_sim/applied"
        )
        sys.stdout.flush()

    server = ReadyServer(uvicorn_config(create_app(config), access_log=args.access_log), announce)
    if args.exit_with_stdin:
        threading.Thread(target=_stop_at_eof, args=(server,), daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully on Ctrl+C, then re-raises it: a clean stop.
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
