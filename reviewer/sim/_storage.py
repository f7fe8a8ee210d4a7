"""The storage host: signed urls, no API key, images rendered ahead or on first download
(see _images.py) and cached."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._api import error_response, wait_out
from ._errors import ApiError
from ._simulator import Simulator

# What a download can hold instead of an image: a proxy's error page.
NOT_AN_IMAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>\n"
)


async def download(request: Request) -> Response:
    sim: Simulator = request.app.state.sim
    state = request.scope["state"]
    key, pose = request.path_params["object_key"], request.path_params["pose"]
    try:
        await wait_out(sim, state["fault"])
        obj = sim.storage_object(key, pose, request.query_params.get("token"))
    except ApiError as error:
        return error_response(error, state["request_id"], {})
    future, render = sim.images.claim(obj)
    if render is not None:
        # CPU work, off the event loop. Submitted now and shielded: a download cancelled
        # meanwhile must not leave the next ones waiting on a drawing never made.
        await asyncio.shield(asyncio.get_running_loop().run_in_executor(None, render))
    data, content_type = await asyncio.wrap_future(future)
    headers = {"Cache-Control": "private, max-age=3600", "ETag": f'"{key}"'}
    corruption = state["fault"].corrupt
    if corruption is not None:
        # Still a complete 200 with the image's headers: only the bytes are wrong.
        data = data[: len(data) // 2] if corruption == "truncated" else NOT_AN_IMAGE
    return Response(data, media_type=content_type, headers=headers)


def storage_routes() -> list[Route]:
    return [Route("/storage/{object_key}/{pose}.bin", download, methods=["GET"], name="storage")]
