"""A local simulator of the Aurous Labs characters API.

It follows its own reading of docs/openapi.yaml and the contract, independent of the client
in reviewer.api, so that it can catch the client's mistakes.
"""

from ._app import create_app
from ._clock import DEMO_EPOCH, Clock, ManualClock, SystemClock
from ._config import SimConfig, demo_api_key
from ._faults import Gate
from ._frontdoor import ConnectionDropped
from ._ledger import Applied, Dispatch
from ._requestlog import RequestRecord
from ._server import RunningSim, serve_in_thread
from ._simulator import ROUTE_NAMES, Simulator

__all__ = [
    "DEMO_EPOCH",
    "ROUTE_NAMES",
    "Applied",
    "Clock",
    "ConnectionDropped",
    "Dispatch",
    "Gate",
    "ManualClock",
    "RequestRecord",
    "RunningSim",
    "SimConfig",
    "Simulator",
    "SystemClock",
    "create_app",
    "demo_api_key",
    "serve_in_thread",
]
