"""Article Atlas's server: Streamlit's page (``app.py``) plus the map frames' layer channel.

Run with ``streamlit run serve.py`` (``make run``). ``streamlit run app.py`` serves the same
page without the channel; its maps then get their layers through Streamlit alone, about
100 ms later after a distance change (see :mod:`geo.layerpush`).
"""

from __future__ import annotations

import streamlit as st
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from streamlit.runtime import Runtime

from geo.layerpush import CHANNELS, ROUTE, TOKEN_PATTERN, sse_events


async def layer_channel(request: Request) -> Response:
    """The event stream of one session's new map layers (``GET /api/layers/<token>``)."""
    token = request.path_params["token"]
    queue = CHANNELS.subscribe(token) if TOKEN_PATTERN.match(token) else None
    if queue is None:
        return PlainTextResponse("No such channel.", status_code=404, headers={"Cache-Control": "no-store"})

    session = CHANNELS.owner(token)

    def wanted() -> bool:
        # Until the session's websocket closes (a closed tab, a server stopping: uvicorn waits
        # for open responses before it stops) or a reloaded frame subscribes anew.
        if not CHANNELS.current(token, queue):
            return False
        return session is None or not Runtime.exists() or Runtime.instance().is_active_session(session)

    async def stream():
        try:
            async for text in sse_events(queue, wanted):
                yield text
        finally:
            CHANNELS.unsubscribe(token, queue)

    # no-transform and X-Accel-Buffering: proxies must pass each event on at once, not buffer the stream.
    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store, no-transform", "X-Accel-Buffering": "no"})


app = st.App("app.py", routes=[Route(ROUTE + "{token}", layer_channel, methods=["GET"])])
