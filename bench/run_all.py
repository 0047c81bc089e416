"""Run every benchmark under bench/ one after another and print their outputs (``make bench``).

Run from anywhere: ``.venv/bin/python bench/run_all.py [--only NAME ...] [--timeout SECONDS]``.
Each benchmark runs with its own defaults as a subprocess of this interpreter; its output
goes straight to this terminal. A summary of exit codes and times comes last, and the exit
code is non-zero if any benchmark failed or ran out of time.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# Cheapest first; any benchmark added later runs after these.
ORDER = ("bands", "export", "app_latency", "load")
NOT_BENCHMARKS = {"run_all", "naive_app"}  # naive_app.py is the page app_latency.py compares against


def benchmarks() -> list[str]:
    """Names of the benchmark scripts in bench/, in the order they run."""
    found = {p.stem for p in BENCH.glob("*.py")} - NOT_BENCHMARKS
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def run(name: str, timeout_s: float) -> tuple[int | str, float]:
    """Run bench/NAME.py; return its exit code (or "timeout") and its wall time in seconds."""
    print(f"\n=== bench/{name}.py " + "=" * max(0, 60 - len(name)), flush=True)
    t0 = time.perf_counter()
    # A group of its own, so that a timeout or Ctrl-C also ends the servers and browsers it started.
    proc = subprocess.Popen([sys.executable, str(BENCH / f"{name}.py")], cwd=ROOT, start_new_session=True)
    try:
        code: int | str = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        code = "timeout"
    except KeyboardInterrupt:
        stop_group(proc)
        raise
    return code, time.perf_counter() - t0


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the benchmark's process group, then SIGKILL what is left after 30 s."""
    for sig, wait_s in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def main() -> None:
    names = benchmarks()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=names, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(names)}")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds each benchmark may take")
    args = parser.parse_args()
    selected = [n for n in names if not args.only or n in args.only]
    results = [(name, *run(name, args.timeout)) for name in selected]
    print("\n=== summary " + "=" * 56)
    for name, code, seconds in results:
        status = "ok" if code == 0 else f"FAILED ({code})"
        print(f"{'bench/' + name + '.py':24} {status:14} {seconds:8.0f} s")
    sys.exit(0 if all(code == 0 for _, code, _ in results) else 1)


if __name__ == "__main__":
    main()
