"""Serving the simulator over real sockets with uvicorn, in a background thread."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from ._app import create_app
from ._config import SimConfig
from ._frontdoor import ConnectionDropped
from ._simulator import Simulator

_STARTUP_TIMEOUT = 15.0


class _CloseSocket:
    """Returned to uvicorn instead of None: its documented reaction to a non-None return is
    to close the transport without writing anything, which is exactly a dropped connection."""

    def __repr__(self) -> str:
        return "<injected connection drop>"


_CLOSE = _CloseSocket()


class DropToClose:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        try:
            await self._app(scope, receive, send)
        except ConnectionDropped:
            return _CLOSE
        return None


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.args, tuple) and _CLOSE in record.args)


def uvicorn_config(app: ASGIApp, *, access_log: bool = False, **options: Any) -> uvicorn.Config:
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    return uvicorn.Config(
        DropToClose(app),
        interface="asgi3",
        lifespan="off",
        proxy_headers=False,
        access_log=access_log,
        log_level="warning",
        timeout_graceful_shutdown=3,
        **options,
    )


class ReadyServer(uvicorn.Server):
    """A uvicorn server that says when it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None = None):
        super().__init__(config)
        self.ready = threading.Event()
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()
        self.ready.set()


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections; without
    # it a small answer written in two parts waits ~40 ms on the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def http_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class RunningSim:
    """A simulator listening on a loopback port. Use as a context manager, or call stop()."""

    def __init__(self, sim: Simulator, url: str, server: ReadyServer, thread: threading.Thread):
        self.sim = sim
        self.url = url
        self._server = server
        self._thread = thread

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def api_key(self) -> str:
        return self.sim.api_keys[0]

    def stop(self) -> None:
        self.sim.clear_faults()  # releases held requests so shutdown does not wait on them
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningSim:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningSim(url={self.url!r})"


def serve_in_thread(config: SimConfig, host: str = "127.0.0.1", port: int = 0) -> RunningSim:
    """Start serving; returns once the server accepts connections."""
    app = create_app(config)
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    server = ReadyServer(uvicorn_config(app))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
        finally:
            server.ready.set()
            sock.close()

    thread = threading.Thread(target=run, name=f"reviewer-sim:{bound_port}", daemon=True)
    thread.start()
    if not server.ready.wait(_STARTUP_TIMEOUT) or failure or not server.started:
        server.should_exit = True
        thread.join(timeout=5)
        raise RuntimeError(f"the simulator did not start on {host}:{bound_port}") from (
            failure[0] if failure else None
        )
    return RunningSim(app.state.sim, http_url(host, bound_port), server, thread)
