"""Two replicas behind HAProxy: sticky sessions survive the loss of the other replica."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

from replicas import COOKIE, HAPROXY, Cluster, ClusterError, haproxy_config  # noqa: E402

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
RINGS_INPUT = ".st-key-rings_text input"
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
FIRST_DRAW_MS = 120_000  # a cold replica computes the data once
DRAW_MS = 30_000
DOWN_S = 30


def test_the_committed_haproxy_config_is_the_generated_one_and_haproxy_accepts_it(tmp_path):
    text = haproxy_config(8501, [8502, 8503])
    assert (ROOT / "deploy" / "haproxy.cfg").read_text() == text, "regenerate: deploy/replicas.py --print-config"
    for line in ("balance leastconn", f"cookie {COOKIE} insert indirect nocache", "option redispatch",
                 "http-check send meth GET uri /_stcore/health", "timeout tunnel 1h",
                 "server r1 127.0.0.1:8502 check cookie r1", "server r2 127.0.0.1:8503 check cookie r2"):
        assert line in text
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(haproxy_config(8501, [8502, 8503, 8504], stats_socket=str(tmp_path / "s.sock")))
    check = subprocess.run([HAPROXY, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    with pytest.raises(ValueError, match="distinct"):
        haproxy_config(8501, [8501])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two replicas of the app behind HAProxy on free ports (health checked every 0.5 s)."""
    try:
        with Cluster(2, ROOT, run_dir=tmp_path_factory.mktemp("replicas"), check_interval_ms=500) as c:
            yield c
    except ClusterError as exc:
        pytest.fail(str(exc))


class Session:
    """One browser (its own cookies) with the app open through HAProxy."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.base = base

    def open(self) -> "Session":
        self.page.goto(f"{self.base}/?rings=50,100,200")
        return self

    def wait_drawn(self, timeout: int = FIRST_DRAW_MS) -> "Session":
        bands = self.page.frame_locator(MAP_IFRAME).first.locator("path.atlas-band")
        bands.first.wait_for(state="attached", timeout=timeout)
        assert bands.count() == 3
        return self

    def replica(self) -> str:
        """The replica HAProxy pinned this browser to (its cookie)."""
        return next(c["value"] for c in self.context.cookies() if c["name"] == COOKIE)

    def frame(self):
        return self.page.locator(MAP_IFRAME).first.element_handle().content_frame()

    def change_distances(self, text: str, n: int) -> None:
        field = self.page.locator(RINGS_INPUT)
        field.fill(text, timeout=DRAW_MS)
        field.press("Enter")
        self.frame().wait_for_function(f"() => document.querySelectorAll('path.atlas-band').length === {n}",
                                       timeout=DRAW_MS)

    def close(self) -> None:
        self.context.close()


@pytest.mark.browser
def test_a_replica_dies_sessions_on_the_other_keep_working_and_new_ones_go_there(browser, cluster):
    assert cluster.server_states() == {"r1": "UP", "r2": "UP"}
    sessions: list[Session] = []
    try:
        # New browsers are spread over the replicas (fewest open websockets first); both
        # replicas compute their data at the same time.
        first = [Session(browser, cluster.base).open() for _ in range(2)]
        sessions += first
        for s in first:
            s.wait_drawn()
        while len({s.replica() for s in sessions}) < 2 and len(sessions) < 4:
            sessions.append(Session(browser, cluster.base).open().wait_drawn())
        by_replica = {s.replica(): s for s in sessions}
        assert set(by_replica) == {"r1", "r2"}, "HAProxy sent every new browser to one replica"
        victim, survivor = "r1", "r2"
        kept = by_replica[survivor]
        kept.frame().evaluate("() => { window.__replica_marker = 1; }")
        # The map's layer channel (serve.py) goes through HAProxy to the session's own replica:
        # only that one knows the session's token.
        kept.frame().wait_for_function("() => window.__atlasSource && window.__atlasSource.readyState === 1",
                                       timeout=DRAW_MS)

        cluster.kill(int(victim[1:]) - 1)
        t0 = time.monotonic()
        cluster.wait_for_state(victim, "DOWN", timeout_s=DOWN_S)
        print(f"HAProxy marked {victim} down {time.monotonic() - t0:.1f} s after it was killed")
        assert cluster.server_states()[survivor] == "UP"

        # One browser that was on the dead replica stays open: it reconnects through HAProxy
        # to the healthy one, which starts a new session from the URL. The others are closed
        # (more work for a small CI box).
        gone = [s for s in sessions if s.replica() == victim]
        orphan = gone[0]
        sessions = [s for s in sessions if s not in gone[1:]]
        for s in gone[1:]:
            s.close()

        # The session on the healthy replica keeps working: new distances, new bands, no reload.
        kept.change_distances("30, 60", 2)
        assert kept.frame().evaluate("() => window.__replica_marker") == 1, "the map reloaded"
        kept.frame().wait_for_function("() => window.__atlasPushed >= 1", timeout=DRAW_MS)
        assert kept.page.locator(ERRORS).count() == 0
        assert kept.replica() == survivor

        # A new browser goes to the healthy replica and gets a working map, although the dead
        # one has fewer open websockets (none) and would have been chosen had it been up.
        fresh = Session(browser, cluster.base).open()
        sessions.append(fresh)
        fresh.wait_drawn(timeout=DRAW_MS)
        assert fresh.replica() == survivor
        assert fresh.page.locator(ERRORS).count() == 0
        # The reconnected browser gets its whole page back: its drawn map does not report
        # again, but its last report comes with the new session's first run.
        orphan.page.locator(RINGS_INPUT).wait_for(timeout=FIRST_DRAW_MS)
        orphan.page.get_by_role("button", name="Start the story").wait_for(timeout=DRAW_MS)
        assert orphan.replica() == survivor
        assert orphan.page.locator(ERRORS).count() == 0
    finally:
        for s in sessions:
            s.close()
