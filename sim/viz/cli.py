"""``conflict-sim-app``: serve the sandbox in the browser.

    conflict-sim-app                    # http://127.0.0.1:8765, opens a browser tab
    conflict-sim-app --port 9000 --no-open
    conflict-sim-app --host 0.0.0.0     # reachable from other machines: only when asked

The server binds the loopback address unless ``--host`` says otherwise, runs Solara in
production mode, asks nobody for anything (no version check, no telemetry: Solara's defaults
would) and writes nothing into the source tree (no bytecode; outputs stay in memory). The page
needs no network: its JavaScript and CSS come from the ``solara-assets`` package.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Sequence

APP = "sim.viz.app"
#: Solara's settings, fixed before solara is imported (its defaults phone home).
SOLARA_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "conflict-sandbox",
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="conflict-sim-app",
        description="Serve the conflict-sandbox app (a Mesa SolaraViz page) in the browser.",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument(
        "--open", dest="open", action="store_true", default=True, help="open a browser tab (default)"
    )
    p.add_argument("--no-open", dest="open", action="store_false", help="do not open a browser tab")
    p.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"]
    )
    a = p.parse_args(argv)
    if not 0 <= a.port <= 65535:
        p.error(f"--port = {a.port} is invalid; allowed: 0 <= port <= 65535")
    return a


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until interrupted; returns the exit status."""
    a = parse(argv)
    sys.dont_write_bytecode = True  # nothing lands in the source tree, not even __pycache__
    for k, v in SOLARA_ENV.items():
        os.environ.setdefault(k, v)
    if not _is_loopback(a.host):
        print(
            f"conflict-sim-app: serving on {a.host}: the app is reachable from other machines",
            file=sys.stderr,
        )
    try:
        from solara.__main__ import run
    except ImportError:
        print(
            "conflict-sim-app: error: the app needs the viz extra: pip install -e '.[viz]'",
            file=sys.stderr,
        )
        return 2
    args = [
        APP,
        "--host",
        a.host,
        "--port",
        str(a.port),
        "--production",
        "--no-check-version",
        "--open" if a.open else "--no-open",
        "--log-level",
        a.log_level,
    ]
    try:
        run.main(args=args, prog_name="conflict-sim-app", standalone_mode=False)
    except KeyboardInterrupt:
        return 0
    except Exception as e:  # e.g. the port is taken: one line, no traceback
        print(f"conflict-sim-app: error: {type(e).__name__}: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
