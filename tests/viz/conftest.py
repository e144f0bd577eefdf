"""Fixtures of the app tests: the ``viz`` extra, a served app, and Debian's chromium driven by Playwright.

Outside CI the tests skip when the viz extra, Playwright or chromium is missing; under
``CI=true`` they fail instead, so CI cannot pass without running them. Screenshots go to the
test's temporary directory and, when ``CONFLICT_SIM_SCREENSHOTS`` names a directory, there too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REPO = Path(__file__).resolve().parents[2]
#: Flags that work on a headless machine without a sandbox, GPU or network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def need(module: str) -> None:
    """Import ``module`` or skip (fail under CI)."""
    try:
        __import__(module)
    except ImportError:
        msg = f"{module} is not installed (pip install -e '.[test,viz]')"
        if CI:
            pytest.fail(f"CI must run the app tests: {msg}")
        pytest.skip(msg)


def chromium_path() -> str:
    """Debian's chromium (or ``$CHROMIUM``); skip (fail under CI) without it."""
    for cand in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if cand and Path(cand).is_file():
            return cand
    msg = "no chromium (apt-get install chromium)"
    if CI:
        pytest.fail(f"CI must run the browser tests: {msg}")
    pytest.skip(msg)
    raise AssertionError  # unreachable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_snapshot(root: Path = REPO) -> dict[str, tuple[int, int]]:
    """Path -> (size, mtime_ns) of every file of the source tree, without git's files,
    virtual environments, bytecode and pytest's cache (the test process writes those)."""
    skip = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip and not d.startswith(".venv")]
        for f in filenames:
            p = Path(dirpath) / f
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


class Server:
    """``conflict-sim-app`` run as a user would, in a scratch working directory."""

    def __init__(self, workdir: Path, log: Path) -> None:
        self.before = tree_snapshot()
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sim.viz.cli", "--port", str(self.port), "--no-open"],
            cwd=workdir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the app did not answer within 120 s")
            time.sleep(0.5)

    def changed_files(self) -> list[str]:
        """Files of the source tree added, removed or modified since the server started."""
        after = tree_snapshot()
        return sorted(k for k in set(self.before) | set(after) if self.before.get(k) != after.get(k))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def viz_extra() -> None:
    need("solara")
    need("mesa.visualization")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need("solara")
    need("playwright")
    import sim

    # compile (or load from the cache) the kernels the app runs, so that no page waits for numba
    sim.ConflictModel("afghanistan_2021", seed=0, days=2).run()
    sim.run("afghanistan_2021", seed=0, replicates=2, days=2, record_locations=False)
    work = tmp_path_factory.mktemp("app-cwd")
    srv = Server(work, tmp_path_factory.mktemp("app-log") / "server.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    need("playwright")
    exe = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=exe,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1500, "height": 1900},
        )
        yield ctx
        ctx.close()


@pytest.fixture
def shots(tmp_path):
    """``shots(page, name)`` saves a full-page screenshot and returns its path."""
    extra = os.environ.get("CONFLICT_SIM_SCREENSHOTS")

    def save(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / path.name)
        return path

    return save
