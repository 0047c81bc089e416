"""Replicas: N identical Streamlit processes behind HAProxy, sticky by cookie.

A Streamlit session lives in one server process (its websocket), so the app scales out as
identical replicas behind a load balancer that keeps each browser on the replica that holds
its session. This module writes the HAProxy configuration for that and runs it locally:

    python deploy/replicas.py --replicas 2 --port 8501      # what `make serve REPLICAS=2` runs

HAProxy listens on ``--port``; the replicas listen on the next N ports of 127.0.0.1 (only the
balancer is reachable from outside when ``--address`` is not a loopback address). Ctrl-C (or
SIGTERM) stops HAProxy, then every replica. ``--print-config`` prints the configuration and
exits; ``deploy/haproxy.cfg`` is that output for two replicas, for reading or for a real host.

The tests (``tests/test_replicas.py``) and ``bench/load.py --replicas`` start the same
:class:`Cluster` on free ports.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

__all__ = ["COOKIE", "HAPROXY", "Cluster", "ClusterError", "free_ports", "haproxy_config", "main"]

ROOT = Path(__file__).resolve().parents[1]
#: Debian installs HAProxy in /usr/sbin, which is not on every user's PATH.
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
#: The cookie that pins a browser to its replica; its value is the replica's name (r1, r2, ...).
COOKIE = "atlas_replica"
HEALTH_PATH = "/_stcore/health"


class ClusterError(RuntimeError):
    """A replica or HAProxy did not start, or HAProxy refused its configuration."""


def haproxy_config(
    front_port: int,
    replica_ports: Sequence[int],
    *,
    address: str = "127.0.0.1",
    stats_socket: str | None = None,
    check_interval_ms: int = 1000,
    log_level: str = "notice",
) -> str:
    """Return an HAProxy (2.6+) configuration for replicas of the app on 127.0.0.1.

    Parameters
    ----------
    front_port : int
        The port browsers connect to.
    replica_ports : sequence of int
        One Streamlit process listens on each, on 127.0.0.1; they are named r1, r2, ...
    address : str
        The address HAProxy listens on (``0.0.0.0`` for every interface).
    stats_socket : str, optional
        A Unix socket for HAProxy's runtime API (``show stat``); none when omitted.
    check_interval_ms : int
        How often HAProxy asks each replica's ``/_stcore/health``; two failures in a row
        take a replica out, two successes bring it back.
    log_level : str
        ``notice`` logs replicas going down and up; ``info`` also logs every request (status,
        timings, replica).

    Returns
    -------
    str
        The configuration text.

    Examples
    --------
    >>> "server r2 127.0.0.1:8503" in haproxy_config(8501, [8502, 8503])
    True
    """
    if not replica_ports:
        raise ValueError("at least one replica port is needed")
    ports = [front_port, *replica_ports]
    if len(set(ports)) != len(ports) or not all(0 < p < 65536 for p in ports):
        raise ValueError(f"ports must be distinct and in 1..65535, got {ports}")
    if log_level not in ("notice", "info"):
        raise ValueError(f"log_level must be notice or info, got {log_level!r}")
    if check_interval_ms < 100:
        raise ValueError("check_interval_ms must be at least 100")
    stats = f"    stats socket {stats_socket} mode 600 level operator\n" if stats_socket else ""
    servers = "".join(f"    server r{i} 127.0.0.1:{port} check cookie r{i}\n"
                      for i, port in enumerate(replica_ports, start=1))
    return f"""\
# Article Atlas: HAProxy in front of {len(replica_ports)} identical Streamlit replicas.
# Written by deploy/replicas.py (`make serve REPLICAS=N`); HAProxy 2.6 (Debian 12's package).
global
    maxconn 4096
    log stdout format raw local0 {log_level}
{stats}
defaults
    mode http
    log global
    option httplog
    option dontlognull
    # Browsers open spare connections ahead of need; one left unused is closed quietly
    # after timeout http-request, not answered with a 408 the browser might show.
    option http-ignore-probes
    option forwardfor
    # A request whose replica is down (or refuses the connection) goes to another one.
    option redispatch
    retries 2
    timeout connect 3s
    timeout check 2s
    # Plain HTTP: pages, scripts, uploads, downloads (inactivity, not total time). A busy
    # replica may take long to answer (a page while twenty others open, an export rendered
    # when its download is clicked): slow is better than a 504, so the server side waits.
    timeout client 5m
    timeout server 5m
    # A request's headers must arrive within a minute, and an idle kept-alive connection is
    # closed after one (nginx's defaults). A browser drawing twenty pages on two busy cores
    # opened connections and sent nothing on them for tens of seconds.
    timeout http-request 60s
    timeout http-keep-alive 60s
    timeout queue 30s
    # A session is one long-lived websocket (/_stcore/stream). Once upgraded, the
    # connection is a tunnel: Streamlit pings it every 30 s, so an hour of silence
    # means it is gone.
    timeout tunnel 1h
    timeout client-fin 10s
    timeout server-fin 10s

frontend atlas
    bind {address}:{front_port}
    default_backend streamlit

backend streamlit
    # Sessions are long websockets: a new browser goes to the replica with fewest open.
    balance leastconn
    # Sticky sessions: the first response pins the browser to its replica by cookie
    # (value r1, r2, ...), so the page, its websocket, its uploads (/_stcore/upload_file),
    # its media files and its map's layer channel (/api/layers, an event stream that sends
    # a comment every 15 s, well inside timeout server) all reach the process that holds the session.
    cookie {COOKIE} insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk
    http-check send meth GET uri {HEALTH_PATH}
    http-check expect string ok
    # A replica marked down has its open connections closed, so browsers reconnect
    # (to a healthy replica) at once instead of waiting on a dead socket.
    default-server inter {check_interval_ms}ms fall 2 rise 2 on-marked-down shutdown-sessions
{servers}"""


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports on 127.0.0.1 that nothing listens on right now."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _port_free(address: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError:
            return False
    return True


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=2) as r:  # noqa: S310 (our own http URL)
            return r.read().strip() == b"ok"
    except OSError:
        return False


def _stop(proc: subprocess.Popen, grace_s: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class Cluster:
    """N replicas of ``streamlit run serve.py`` (the page and its layer channel) behind one HAProxy.

    A context manager. A folder without ``serve.py`` (a tree from before it) runs ``app.py``.

    Parameters
    ----------
    replicas : int
        How many Streamlit processes (1..16).
    app_dir : Path
        The folder holding ``serve.py`` and ``app.py`` (and ``.streamlit/``, ``static/``).
    front_port : int, optional
        HAProxy's port; a free one when omitted.
    replica_ports : sequence of int, optional
        One port per replica; free ones when omitted.
    address : str
        Where HAProxy listens.
    run_dir : Path, optional
        Where the configuration, the runtime socket and the logs go; a new temporary
        folder (removed on stop) when omitted.
    check_interval_ms : int
        HAProxy's health-check interval.
    quiet : bool
        Send HAProxy's log to ``run_dir`` instead of the terminal.
    python : str
        The interpreter that runs Streamlit.
    start_timeout_s : float
        How long the replicas and HAProxy may take to report healthy.
    own_groups : bool
        Start each process in a session of its own, so that Ctrl-C in a terminal reaches
        only the supervisor, which stops them in order. A caller that stops a whole process
        group (``bench/run_all.py`` on a timeout) passes False.

    Examples
    --------
    >>> with Cluster(2, ROOT) as cluster:  # doctest: +SKIP
    ...     print(cluster.base, cluster.server_states())
    http://127.0.0.1:40123 {'r1': 'UP', 'r2': 'UP'}
    """

    def __init__(self, replicas: int, app_dir: Path, *, front_port: int | None = None,
                 replica_ports: Sequence[int] | None = None, address: str = "127.0.0.1",
                 run_dir: Path | None = None, check_interval_ms: int = 1000, quiet: bool = True,
                 python: str = sys.executable, start_timeout_s: float = 120.0, own_groups: bool = True,
                 log_level: str = "notice") -> None:
        if not 1 <= replicas <= 16:
            raise ValueError(f"replicas must be 1..16, got {replicas}")
        ports = free_ports(replicas + 1)
        self.front_port = front_port if front_port is not None else ports[0]
        self.replica_ports = list(replica_ports) if replica_ports is not None else ports[1:]
        if len(self.replica_ports) != replicas:
            raise ValueError(f"{replicas} replicas need {replicas} ports, got {self.replica_ports}")
        self.app_dir = Path(app_dir)
        self.script = "serve.py" if (self.app_dir / "serve.py").exists() else "app.py"
        self.address = address
        self._own_run_dir = run_dir is None
        self.run_dir = Path(tempfile.mkdtemp(prefix="atlas-serve-")) if run_dir is None else Path(run_dir)
        self.check_interval_ms = check_interval_ms
        self.quiet = quiet
        self.python = python
        self.start_timeout_s = start_timeout_s
        self.own_groups = own_groups
        self.log_level = log_level
        self.replicas: list[subprocess.Popen] = []
        self.haproxy: subprocess.Popen | None = None
        self._logs: list = []
        # A Unix socket's path must stay under 108 bytes, which a deep run_dir may not.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="atlas-haproxy-"))
        # Identical replicas share one cookie secret (Streamlit signs its auth cookies with it).
        self._secret = secrets.token_hex(32)

    # -- addresses --------------------------------------------------------------------------

    @property
    def base(self) -> str:
        """The URL browsers use (through HAProxy)."""
        host = "127.0.0.1" if self.address in ("0.0.0.0", "") else self.address  # noqa: S104
        return f"http://{host}:{self.front_port}"

    def replica_url(self, i: int) -> str:
        """Replica ``i``'s own URL (0-based; its name is ``r{i+1}``), bypassing HAProxy."""
        return f"http://127.0.0.1:{self.replica_ports[i]}"

    @property
    def stats_socket(self) -> Path:
        """HAProxy's runtime API (``show stat``), a Unix socket only this user can open."""
        return self._socket_dir / "haproxy.sock"

    @property
    def config_path(self) -> Path:
        return self.run_dir / "haproxy.cfg"

    # -- life -------------------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _log(self, name: str):
        f = open(self.run_dir / name, "w")  # closed in stop()
        self._logs.append(f)
        return f

    def _start_replica(self, i: int) -> subprocess.Popen:
        port = self.replica_ports[i]
        return subprocess.Popen(
            [self.python, "-m", "streamlit", "run", self.script, "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=self.app_dir, stdout=self._log(f"r{i + 1}.log"), stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(self.app_dir), "PYTHONUNBUFFERED": "1",
                 "STREAMLIT_SERVER_COOKIE_SECRET": self._secret},
            start_new_session=self.own_groups,
        )

    def start(self) -> None:
        """Start the replicas, wait until each reports healthy, then start HAProxy in front."""
        if not Path(HAPROXY).exists():
            raise ClusterError(f"{HAPROXY} is missing: run `make haproxy` (Debian's haproxy package)")
        for port in [self.front_port, *self.replica_ports]:
            address = self.address if port == self.front_port else "127.0.0.1"
            if not _port_free(address, port):
                raise ClusterError(f"port {port} on {address} is in use; choose another --port")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.replicas = [self._start_replica(i) for i in range(len(self.replica_ports))]
        deadline = time.monotonic() + self.start_timeout_s
        waiting = set(range(len(self.replicas)))
        while waiting:
            for i in sorted(waiting):
                if self.replicas[i].poll() is not None:
                    raise ClusterError(f"replica r{i + 1} exited with {self.replicas[i].returncode}; "
                                       f"see {self.run_dir / f'r{i + 1}.log'}")
                if _healthy(self.replica_url(i)):
                    waiting.discard(i)
            if time.monotonic() > deadline:
                raise ClusterError(f"replicas {sorted(waiting)} not healthy within {self.start_timeout_s:g} s")
            if waiting:
                try:
                    self.replicas[min(waiting)].wait(timeout=0.25)  # returns early only if it died
                except subprocess.TimeoutExpired:
                    pass
        self.config_path.write_text(haproxy_config(
            self.front_port, self.replica_ports, address=self.address, stats_socket=str(self.stats_socket),
            check_interval_ms=self.check_interval_ms, log_level=self.log_level))
        check = subprocess.run([HAPROXY, "-c", "-q", "-f", str(self.config_path)], capture_output=True,
                               text=True, timeout=30)
        if check.returncode:
            raise ClusterError(f"haproxy refused {self.config_path}: {check.stdout}{check.stderr}")
        out = self._log("haproxy.log") if self.quiet else None
        self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(self.config_path)], stdout=out,
                                        stderr=subprocess.STDOUT if out else None,
                                        start_new_session=self.own_groups)
        while not (_healthy(self.base) and self.stats_socket.exists()
                   and all(s == "UP" for s in self.server_states().values())):
            if self.haproxy.poll() is not None:
                raise ClusterError(f"haproxy exited with {self.haproxy.returncode}")
            if time.monotonic() > deadline:
                raise ClusterError(f"haproxy did not report every replica up within {self.start_timeout_s:g} s")
            try:
                self.haproxy.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass

    def stop(self) -> None:
        """Stop HAProxy first (no new requests), then every replica; remove a temporary run folder."""
        if self.haproxy is not None:
            _stop(self.haproxy, grace_s=5)
        for proc in self.replicas:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.replicas:
            _stop(proc)
        for f in self._logs:
            f.close()
        self._logs.clear()
        shutil.rmtree(self._socket_dir, ignore_errors=True)
        if self._own_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def kill(self, i: int) -> None:
        """Kill replica ``i`` (0-based) at once, as a crash would."""
        self.replicas[i].send_signal(signal.SIGKILL)
        self.replicas[i].wait(timeout=10)

    # -- HAProxy's view ---------------------------------------------------------------------

    def _runtime(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, str]:
        """Each replica's state as HAProxy's health checks see it: ``UP``, ``DOWN``, ...

        Empty while HAProxy's runtime socket does not answer.
        """
        try:
            text = self._runtime("show stat")
        except OSError:
            return {}
        lines = text.strip().splitlines()
        if not lines or not lines[0].startswith("# "):
            return {}
        head = lines[0][2:].split(",")
        rows = [dict(zip(head, line.split(","))) for line in lines[1:]]
        return {r["svname"]: r["status"].split()[0] for r in rows
                if r.get("pxname") == "streamlit" and r.get("svname", "").startswith("r")}

    def wait_for_state(self, name: str, state: str, timeout_s: float = 30.0) -> None:
        """Poll HAProxy until replica ``name`` (r1, r2, ...) is in ``state`` (``UP``, ``DOWN``)."""
        deadline = time.monotonic() + timeout_s
        while (seen := self.server_states()).get(name) != state:
            if time.monotonic() > deadline:
                raise ClusterError(f"HAProxy did not report {name} {state} within {timeout_s:g} s: {seen}")
            time.sleep(0.05)  # poll interval; HAProxy checks every check_interval_ms

    def pids(self) -> list[int]:
        """The replicas' process ids (living or not)."""
        return [p.pid for p in self.replicas]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2, help="how many Streamlit processes (1..16)")
    parser.add_argument("--port", type=int, default=8501, help="HAProxy's port; the replicas take the next N")
    parser.add_argument("--address", default="127.0.0.1", help="where HAProxy listens (0.0.0.0: every interface)")
    parser.add_argument("--print-config", action="store_true", help="print the HAProxy configuration and exit")
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 16 or not 1 <= args.port <= 65535 - args.replicas:
        parser.error("--replicas must be 1..16 and --port leave room for the replicas' ports after it")
    replica_ports = list(range(args.port + 1, args.port + 1 + args.replicas))
    if args.print_config:
        print(haproxy_config(args.port, replica_ports, address=args.address), end="")
        return 0
    run_dir = ROOT / ".cache" / "serve"
    cluster = Cluster(args.replicas, ROOT, front_port=args.port, replica_ports=replica_ports,
                      address=args.address, run_dir=run_dir, quiet=False)
    # Ctrl-C, SIGTERM and SIGHUP stop HAProxy first, then the replicas (SIGINT is set
    # explicitly: a shell starts background jobs with it ignored).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    told: set[int] = set()
    try:
        print(f"starting {args.replicas} replicas on 127.0.0.1:{replica_ports[0]}-{replica_ports[-1]} "
              f"(logs in {run_dir})", flush=True)
        cluster.start()
        print(f"serving {cluster.base} through HAProxy ({cluster.config_path}); Ctrl-C stops it", flush=True)
        while True:
            if cluster.haproxy is not None and cluster.haproxy.poll() is not None:
                print(f"haproxy exited with {cluster.haproxy.returncode}; stopping", file=sys.stderr)
                return 1
            for i, proc in enumerate(cluster.replicas):
                if proc.poll() is not None and i not in told:
                    told.add(i)
                    print(f"replica r{i + 1} exited with {proc.returncode}; HAProxy sends its browsers to "
                          "the others", file=sys.stderr, flush=True)
            if all(p.poll() is not None for p in cluster.replicas):
                print("every replica has exited; stopping", file=sys.stderr)
                return 1
            time.sleep(0.5)  # a supervisor's poll interval (not a test)
    except KeyboardInterrupt:
        print("\nstopping HAProxy, then the replicas", flush=True)
        return 0
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
