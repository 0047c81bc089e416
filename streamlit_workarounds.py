"""What the page needs from Streamlit that Streamlit has no public API for.

A deferred download (``st.download_button(data=callable)``) runs its callable in a
worker thread after the click; when the callable raises, Streamlit logs the error
and the browser shows only "Failed to generate file for download" for five seconds.
To tell the user why, the page records the reason for the session and asks
Streamlit to rerun that session, so the next run can show it with ``st.error``.
Streamlit exposes neither the session manager nor its event loop publicly;
``tests/test_streamlit_workarounds.py`` pins the private names used here so that an
upgrade that moves them fails loudly instead of silently.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.watcher import polling_path_watcher

__all__ = ["CONFIG_POLL_S", "DOWNLOAD_FAILURES", "DownloadFailures", "current_session_id", "request_rerun",
           "slow_config_polls"]

_LOG = logging.getLogger(__name__)

#: Seconds between Streamlit's checks of its config files (its own: 0.2).
CONFIG_POLL_S = 5.0


def slow_config_polls() -> None:
    """Check the config files for changes every :data:`CONFIG_POLL_S`, not five times a second.

    Streamlit 1.67 watches each of its config files (the user's and the project's, there or
    not) with a polling watcher whatever ``server.fileWatcherType`` says, and polls each five
    times a second for the life of the server: about 3 to 6 ms of CPU a second while idle,
    which fell inside the CPU of every distance change (``bench/app_latency.py``). An edit
    to the config is still seen, within seconds. The period is the module's
    ``_POLLING_PERIOD_SECS``, read at each poll.
    """
    polling_path_watcher._POLLING_PERIOD_SECS = CONFIG_POLL_S


def current_session_id() -> str | None:
    """The id of the session whose script is running in this thread, if any."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def request_rerun(session_id: str) -> bool:
    """Ask Streamlit to rerun a session from any thread; False if it cannot be reached."""
    if not Runtime.exists():
        return False
    runtime = Runtime.instance()
    try:
        info = runtime._session_mgr.get_active_session_info(session_id)
        loop = runtime._get_async_objs().eventloop
    except (AttributeError, RuntimeError):
        _LOG.exception("Streamlit's session manager has moved; a failed download cannot rerun the page")
        return False
    if info is None:
        return False
    loop.call_soon_threadsafe(info.session.request_rerun, None)
    return True


class DownloadFailures:
    """Reasons why a session's deferred downloads failed, kept until the page shows them.

    Bounded: at most ``max_sessions`` sessions are remembered, the oldest dropped first.
    """

    def __init__(self, max_sessions: int = 256) -> None:
        self._lock = threading.Lock()
        self._reasons: OrderedDict[str, list[str]] = OrderedDict()
        self._max = max_sessions

    def guard(self, render: Callable[[], bytes], label: str, errors: tuple[type[BaseException], ...],
              session_id: str | None) -> Callable[[], bytes]:
        """Wrap a download's callable: a failure is recorded for the session, which reruns to show it.

        ``errors`` are the expected failures, whose message is shown as it is; any other
        exception is logged with its traceback and reported as an unexpected error.
        The exception is raised again, so Streamlit still marks the download as failed.
        """

        @functools.wraps(render)
        def guarded() -> bytes:
            try:
                return render()
            except errors as exc:
                self._record(session_id, f"{label}: {exc}")
                raise
            except Exception as exc:
                _LOG.exception("Export %s failed", label)
                self._record(session_id, f"{label}: an unexpected error ({type(exc).__name__}) stopped the "
                                         "export. Try another format or size; the error was logged.")
                raise

        return guarded

    def _record(self, session_id: str | None, reason: str) -> None:
        if session_id is None:
            return
        with self._lock:
            self._reasons.setdefault(session_id, []).append(reason)
            self._reasons.move_to_end(session_id)
            while len(self._reasons) > self._max:
                self._reasons.popitem(last=False)
        request_rerun(session_id)

    def pop(self, session_id: str | None) -> list[str]:
        """The reasons recorded for ``session_id`` since the last call, oldest first."""
        if session_id is None:
            return []
        with self._lock:
            return self._reasons.pop(session_id, [])


#: The server's one record of failed downloads (the page's own module is run anew on every rerun).
DOWNLOAD_FAILURES = DownloadFailures()
