"""A session's new map layers, pushed straight to its map's frame as server-sent events.

Streamlit's page re-renders itself for each batch of messages a rerun sends, and a
component's frame gets its new arguments only after those renders: on this machine 100
to 150 ms after the server had sent the new bands. The map's frame therefore also listens
on a channel of its own (an ``EventSource`` on ``/api/layers/<token>``, served by
``serve.py``), and the page publishes each new set of layers to it as soon as they are
rendered. Streamlit's own message still follows and draws the same layers again, from
the layers the frame keeps (:mod:`geo.layercache`), so the map never depends on the channel:
without it (``streamlit run app.py``, a proxy that drops the stream) it draws as before.

Only tokens the page has issued can be subscribed to; a token is a session's, random and
as secret as the session itself.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import threading
from collections.abc import AsyncIterator, Callable

from geo.lru import Lru

__all__ = ["CHANNELS", "ROUTE", "TOKEN_PATTERN", "Channels", "layer_message", "listener_script", "sse_events"]

#: Where the frame subscribes: ``ROUTE + token``, under the server's base path.
ROUTE = "/api/layers/"
#: What an issued token looks like (:func:`secrets.token_urlsafe` of 16 bytes).
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
#: Seconds between keep-alive comments on an idle stream (proxies close silent ones).
KEEP_ALIVE_S = 15.0
#: Seconds between checks that a stream is still wanted (its session is there, no newer frame).
CHECK_S = 1.0
#: Messages waiting for a slow frame; older ones are dropped (only the newest matters).
QUEUE_SIZE = 2

_UNKNOWN = object()
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what ends a line in an event stream

#: Runs in the map's frame with each rerun's layers (prepended to streamlit-folium's
#: ``feature_group`` script); subscribes once per token. A message carries the layers'
#: scripts and the layer control, and is applied as streamlit-folium applies them (it
#: removes ``window.feature_group``'s layers and the control, then runs the scripts),
#: unless the frame already shows exactly those. ``window.__atlasPushed`` counts the
#: messages applied.
_LISTENER = """(function (token, route) {
  if (window.__atlasChannel === token || typeof EventSource === "undefined") return;
  if (window.__atlasSource) window.__atlasSource.close();
  window.__atlasChannel = token;
  window.__atlasPushed = window.__atlasPushed || 0;
  var base = location.pathname.split("/component/")[0];
  var source = new EventSource(base + route + token);
  window.__atlasSource = source;
  source.onmessage = function (e) {
    var msg = JSON.parse(e.data), shown = window.__GLOBAL_DATA__ || {};
    if (!window.map) return;
    if (typeof shown.last_feature_group === "string" && shown.last_layer_control === msg.control
        && shown.last_feature_group.slice(-msg.layers.length) === msg.layers) return;
    (window.feature_group || []).forEach(function (layer) { window.map.removeLayer(layer); });
    if (window.layer_control) window.map.removeControl(window.layer_control);
    (0, eval)(msg.layers + msg.control);
    window.__atlasPushed += 1;
  };
})(__TOKEN__, __ROUTE__);
"""


def listener_script(token: str) -> str:
    """The script that subscribes a map's frame to channel ``token``.

    Parameters
    ----------
    token : str
        A token from :meth:`Channels.issue`.

    Returns
    -------
    str
        JavaScript for the frame: it opens the channel once, and applies each message.

    Raises
    ------
    ValueError
        If ``token`` is not one :meth:`Channels.issue` could have made.

    Examples
    --------
    >>> "EventSource" in listener_script("A" * 22)
    True
    """
    if not TOKEN_PATTERN.match(token):
        raise ValueError("not a channel token")
    return _LISTENER.replace("__TOKEN__", json.dumps(token)).replace("__ROUTE__", json.dumps(ROUTE))


def layer_message(layers: str, control: str) -> str:
    """One message for the frame: the adjustable layers' scripts and the layer control's.

    Examples
    --------
    >>> layer_message("var a = 1;", "")
    '{"layers": "var a = 1;", "control": ""}'
    """
    return json.dumps({"layers": layers, "control": control})


class Channels:
    """The channels of one server process: issued tokens, and the frame listening on each.

    A frame's stream runs on the server's event loop; a page's run publishes from its
    script thread, so a message crosses over with ``call_soon_threadsafe``.

    Parameters
    ----------
    issued : int
        Tokens remembered, least recently used out first (a token forgotten only loses
        its session the shortcut; Streamlit's messages still carry the layers).
    """

    def __init__(self, issued: int = 4096) -> None:
        self._lock = threading.Lock()
        self._issued = Lru(issued)  # token -> the session it was issued for
        self._listeners: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = {}

    def issue(self, owner: str | None = None) -> str:
        """A new random token that :meth:`subscribe` will accept, for the session ``owner``."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            for gone in self._issued.put(token, owner):
                self._listeners.pop(gone, None)
        return token

    def subscribe(self, token: str) -> asyncio.Queue | None:
        """A queue of the messages for ``token``, on the running event loop; None for an unknown token.

        A new subscription replaces the last one (a frame that reloaded).
        """
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        with self._lock:
            if self._issued.find(token, _UNKNOWN) is _UNKNOWN:
                return None
            self._listeners[token] = (asyncio.get_running_loop(), queue)
        return queue

    def owner(self, token: str) -> str | None:
        """The session ``token`` was issued for, if it was issued with one and is remembered."""
        return self._issued.find(token)

    def current(self, token: str, queue: asyncio.Queue) -> bool:
        """Whether ``queue`` is still the subscription for ``token`` (no newer frame, not forgotten)."""
        with self._lock:
            return self._listeners.get(token, (None, None))[1] is queue

    def unsubscribe(self, token: str, queue: asyncio.Queue) -> None:
        """End ``queue``'s subscription, unless a newer one has replaced it."""
        with self._lock:
            if self._listeners.get(token, (None, None))[1] is queue:
                del self._listeners[token]

    def listening(self, token: str) -> bool:
        """Whether a frame listens on ``token`` now."""
        with self._lock:
            return token in self._listeners

    def publish(self, token: str, message: str) -> bool:
        """Send ``message`` to the frame listening on ``token``, from any thread.

        Returns
        -------
        bool
            Whether a frame was listening (the message may still be dropped for a newer one).
        """
        with self._lock:
            listener = self._listeners.get(token)
        if listener is None:
            return False
        loop, queue = listener

        def put() -> None:
            while queue.full():
                queue.get_nowait()
            queue.put_nowait(message)

        try:
            loop.call_soon_threadsafe(put)
        except RuntimeError:  # the loop has closed: the server is stopping
            return False
        return True


#: The server process's channels.
CHANNELS = Channels()


async def sse_events(
    queue: asyncio.Queue,
    wanted: Callable[[], bool] = lambda: True,
    keep_alive_s: float = KEEP_ALIVE_S,
    check_s: float = CHECK_S,
) -> AsyncIterator[str]:
    """The text of an event stream: each message from ``queue`` as one event, comments between.

    A message's lines become ``data:`` lines, so any text survives the framing. The stream
    ends once ``wanted()`` (asked every ``check_s`` seconds) says False: a server waits for
    its open responses before it stops, and a stream's session ends with its websocket.
    """
    yield ": open\n\n"
    idle = 0.0
    while wanted():
        try:
            message = await asyncio.wait_for(queue.get(), check_s)
        except TimeoutError:
            idle += check_s
            if idle >= keep_alive_s:
                idle = 0.0
                yield ": keep-alive\n\n"
            continue
        idle = 0.0
        yield "".join(f"data: {line}\n" for line in _LINE_BREAK.split(message)) + "\n"
