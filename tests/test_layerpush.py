"""The layer channel: issued tokens only, newest message wins, any text survives the event stream."""

import asyncio
import json
import re
import threading
from pathlib import Path

import pytest
import streamlit_folium

from geo.layerpush import (
    QUEUE_SIZE,
    ROUTE,
    TOKEN_PATTERN,
    Channels,
    layer_message,
    listener_script,
    sse_events,
)


def _run(coro):
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright keeps a loop running in this one."""
    out = {}

    def target():
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


def _parse_events(text: str) -> list[str]:
    """Each event's data, as an EventSource joins its ``data:`` lines (comments dropped)."""
    events = []
    for block in text.split("\n\n"):
        lines = [line[len("data: "):] for line in block.split("\n") if line.startswith("data: ")]
        if lines:
            events.append("\n".join(lines))
    return events


def test_tokens_are_random_and_only_issued_ones_subscribe():
    channels = Channels()
    tokens = {channels.issue() for _ in range(50)}
    assert len(tokens) == 50 and all(TOKEN_PATTERN.match(t) for t in tokens)

    async def main():
        assert channels.subscribe("A" * 22) is None
        assert channels.subscribe(next(iter(tokens))) is not None

    _run(main())


def test_a_message_published_from_another_thread_reaches_the_listener():
    channels = Channels()
    token = channels.issue()
    assert channels.publish(token, "nobody yet") is False

    async def main():
        queue = channels.subscribe(token)
        assert channels.listening(token)
        sent = []
        thread = threading.Thread(target=lambda: sent.append(channels.publish(token, "bands")))
        thread.start()
        thread.join()
        assert sent == [True]
        return await asyncio.wait_for(queue.get(), 5)

    assert _run(main()) == "bands"


def test_a_slow_frame_gets_the_newest_messages_only():
    channels = Channels()
    token = channels.issue()

    async def main():
        queue = channels.subscribe(token)
        for i in range(10):
            channels.publish(token, f"m{i}")
        await asyncio.sleep(0.05)  # let the loop run the puts
        return [queue.get_nowait() for _ in range(queue.qsize())]

    assert _run(main()) == [f"m{i}" for i in range(10 - QUEUE_SIZE, 10)]


def test_a_reloaded_frame_replaces_the_old_subscription():
    channels = Channels()
    token = channels.issue()

    async def main():
        old = channels.subscribe(token)
        new = channels.subscribe(token)
        channels.unsubscribe(token, old)  # the old frame's stream ends after the new one began
        assert channels.listening(token)
        channels.publish(token, "x")
        await asyncio.sleep(0.05)
        assert old.empty() and new.get_nowait() == "x"
        channels.unsubscribe(token, new)
        assert not channels.listening(token)

    _run(main())


def test_tokens_beyond_the_bound_are_forgotten_with_their_listeners():
    channels = Channels(issued=3)
    first = channels.issue()

    async def main():
        channels.subscribe(first)
        for _ in range(3):
            channels.issue()
        assert not channels.listening(first)
        assert channels.subscribe(first) is None
        assert channels.publish(first, "x") is False

    _run(main())


@pytest.mark.parametrize("text", [
    layer_message("var a = 1;\nvar b = '\\u2028';", "ctl();"),
    "line one\nline two\r\nline three\rend",
    "",
])
def test_any_message_survives_the_event_stream(text):
    async def main():
        queue: asyncio.Queue = asyncio.Queue()
        await queue.put(text)
        stream = sse_events(queue, keep_alive_s=0.05, check_s=0.05)
        out = [await anext(stream) for _ in range(3)]
        await stream.aclose()
        return out

    opened, event, keep_alive = _run(main())
    assert opened.startswith(":") and keep_alive.startswith(":"), "comments, which EventSource ignores"
    assert _parse_events(event) == [re.sub(r"\r\n|\r", "\n", text)]


def test_a_message_is_the_layers_and_the_control_as_json():
    assert json.loads(layer_message("L();", "C();")) == {"layers": "L();", "control": "C();"}


def test_the_listener_takes_only_a_real_token_quoted_as_a_string():
    token = Channels().issue()
    script = listener_script(token)
    assert f'("{token}", "{ROUTE}")' in script
    for bad in ['a"); alert(1); ("', "short", "A" * 21 + "/"]:
        with pytest.raises(ValueError):
            listener_script(bad)


def test_streamlit_folium_applies_new_layers_as_the_listener_does():
    """The listener copies what streamlit-folium's frame does with new groups; pinned here.

    It removes ``window.feature_group``'s layers and ``window.layer_control`` from
    ``window.map``, then runs the groups' and the control's scripts, and it compares
    ``window.__GLOBAL_DATA__.last_feature_group`` and ``last_layer_control`` with its new
    arguments. An upgrade that changes any of this fails here.
    """
    build = Path(streamlit_folium.__file__).parent / "frontend" / "build" / "static" / "js"
    bundle = "".join(p.read_text(encoding="utf-8") for p in build.glob("main.*.js"))
    for piece in [
        "feature_group!==window.__GLOBAL_DATA__.last_feature_group",
        "layer_control!==window.__GLOBAL_DATA__.last_layer_control",
        "window.feature_group.forEach(t=>{window.map.removeLayer(t)})",
        "window.layer_control&&window.map.removeControl(window.layer_control)",
        "eval(feature_group+layer_control)",
        "window.map = map_div",
    ]:
        assert piece in bundle, piece
    source = Path(streamlit_folium.__file__).read_text(encoding="utf-8")
    assert "window.layer_control = layer_control_layer_control" in source


def test_a_stream_ends_once_it_is_no_longer_wanted():
    """A server stops only once its open responses end: a stream ends with its session."""
    wanted = [True]

    async def main():
        queue: asyncio.Queue = asyncio.Queue()
        out = []
        stream = sse_events(queue, lambda: wanted[0], keep_alive_s=10, check_s=0.02)
        out.append(await anext(stream))
        await queue.put("x")
        out.append(await anext(stream))
        wanted[0] = False
        rest = [text async for text in stream]  # ends within one check
        return out, rest

    (opened, event), rest = _run(asyncio.wait_for(main(), 5))
    assert _parse_events(event) == ["x"] and rest == []


def test_a_token_knows_its_session_and_its_current_frame():
    channels = Channels()
    token = channels.issue("session-1")
    assert channels.owner(token) == "session-1" and channels.owner("A" * 22) is None

    async def main():
        old = channels.subscribe(token)
        assert channels.current(token, old)
        new = channels.subscribe(token)
        assert not channels.current(token, old) and channels.current(token, new)

    _run(main())
