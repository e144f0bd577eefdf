"""Every command and Python block of README.md runs, as written and in order (SimPy's habit of
examples-as-tests), in a copy of the project, and leaves the copy's source tree without a new file.

The copy holds the tracked files (and untracked, not ignored ones) of this checkout; commands run
with the copy as working directory and ``CONFLICT_SIM_SCENARIOS`` pointing at the copy's
``scenarios/``, so a command that wrote into the source tree (``scenarios/fit/``, ``fc/``) would
write into the copy and fail the last check. Two markers, documented in the README, keep the run
short: ``# ci: KEY=VALUE ...`` appends those overrides; ``# ci: dry-run`` runs ``make -n``; a
multirun gets ``hydra/launcher=basic`` (its jobs in one process, no worker start-up).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def strip_comment(line: str) -> tuple[str, str]:
    """Split a shell line into (command, comment) at the first ``#`` outside quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i:]
    return line.rstrip(), ""


def readme_steps(text: str) -> list[tuple[str, str, str]]:
    """``(kind, code, ci)`` for every bash command and python block, in README order."""
    steps = []
    for lang, body in FENCE.findall(text):
        if lang == "python":
            steps.append(("python", body, ""))
        elif lang == "bash":
            joined = re.sub(r"\\\n\s*", " ", body)  # continuation lines
            for line in joined.splitlines():
                cmd, comment = strip_comment(line)
                if cmd.strip():
                    m = re.search(r"# ci: (.*)$", comment)
                    steps.append(("bash", cmd.strip(), m.group(1).strip() if m else ""))
    return steps


def test_readme_steps_are_found():
    steps = readme_steps(README.read_text(encoding="utf-8"))
    bash = [c for k, c, _ in steps if k == "bash"]
    assert "make demo" in bash and "conflict-sim-report sweep=outputs/reserve" in bash
    assert any(c.startswith("conflict-sim-calibrate ") and "name=my_fit" in c for c in bash)
    assert sum(k == "python" for k, _, _ in steps) >= 3
    assert {ci for _, _, ci in steps if ci} >= {"dry-run", "replicates=8"}


def _copy_project(dst: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            (dst / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / f.decode())


def _tree(root: Path) -> set[str]:
    skip = {"outputs", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints"}
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip and not d.startswith(".venv")]
        out |= {str(Path(dirpath, f).relative_to(root)) for f in filenames}
    return out


@pytest.mark.slow
def test_readme_runs_as_written(tmp_path):
    proj = tmp_path / "proj"
    _copy_project(proj)
    shutil.copy2(proj / "scenarios" / "observations" / "afghanistan_2021.csv", proj / "my_observed.csv")
    made = {"my_observed.csv"}
    before = _tree(proj)
    venv_bin = Path(sys.executable).parent
    stamp = tmp_path / "installed"
    stamp.touch()
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "CONFLICT_SIM_SCENARIOS": str(proj / "scenarios"),
        "VENV": str(venv_bin.parent),  # `make demo` uses this checkout's installed venv
        # ... as it is: a fresh install stamp, so make never reinstalls the venv from the copy
        # (that would point this checkout's editable install at a temporary directory)
        "STAMP": str(stamp),
        "MPLBACKEND": "Agg",
        "PYTHONPATH": str(ROOT),
        # `python -c` would put the copy first on sys.path and import its `sim`: numba keys its
        # cache by the source file's path, so the first block would compile every kernel again
        # (90 s). The commands import this checkout's `sim`, and so do the blocks.
        "PYTHONSAFEPATH": "1",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    log = []
    for kind, code, ci in readme_steps(README.read_text(encoding="utf-8")):
        if kind == "python":
            args = [sys.executable, "-c", code]
        elif ci == "dry-run":
            assert code.startswith("make "), code
            args = ["bash", "-c", code.replace("make ", "make -n ", 1)]
        else:
            if re.search(r"(^|\s)conflict-sim\s.*(^|\s)-m(\s|$)", code) and "hydra/launcher" not in code:
                ci = f"{ci} hydra/launcher=basic".strip()  # jobs in this process: no worker start-up
            args = ["bash", "-c", f"{code} {ci}".strip()]
        t0 = time.perf_counter()
        p = subprocess.run(args, cwd=proj, env=env, capture_output=True, text=True, timeout=900)
        log.append(f"{time.perf_counter() - t0:6.1f} s  {code[:70]} {ci}".strip())
        print(log[-1])
        assert p.returncode == 0, (
            f"README step failed (exit {p.returncode}):\n{code}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
        )
        assert "Traceback" not in p.stderr, p.stderr
    new = _tree(proj) - before - made
    assert not new, f"README commands wrote into the source tree: {sorted(new)[:10]}"
    assert (proj / "outputs" / "fit" / "my_fit.yaml").is_file()
    assert (proj / "outputs" / "fc" / "score" / "scores.yaml").is_file()
    assert (proj / "outputs" / "reserve" / "capitals_held.png").is_file()
    assert len(log) >= 20
