"""Shared fixtures for the scenario tests: a writable copy of ``scenarios/`` and edit helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
DATA_2021 = SCENARIOS / "data" / "afghanistan_2021"
YAML_2021 = SCENARIOS / "scenario" / "afghanistan_2021.yaml"


class ScenarioCopy:
    """A copy of ``scenarios/`` under ``tmp_path`` that the loader reads (via the env var)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data" / "afghanistan_2021"
        self.yaml = root / "scenario" / "afghanistan_2021.yaml"

    def csv(self, table: str) -> Path:
        return self.data / f"{table}.csv"

    def replace_in_csv(self, table: str, old: str, new: str) -> None:
        """Replace the first occurrence of ``old`` (which must be present) in a table."""
        p = self.csv(table)
        text = p.read_text(encoding="utf-8")
        assert old in text, f"test setup: {old!r} not in {p.name}"
        p.write_text(text.replace(old, new, 1), encoding="utf-8")

    def replace_in_yaml(self, old: str, new: str) -> None:
        text = self.yaml.read_text(encoding="utf-8")
        assert old in text, f"test setup: {old!r} not in {self.yaml.name}"
        self.yaml.write_text(text.replace(old, new, 1), encoding="utf-8")

    def lines(self, table: str) -> list[str]:
        return self.csv(table).read_text(encoding="utf-8").splitlines(keepends=True)

    def write_lines(self, table: str, lines: list[str]) -> None:
        self.csv(table).write_text("".join(lines), encoding="utf-8")

    def file_line_of(self, table: str, prefix: str) -> int:
        """1-based file line (header = line 1) of the first row starting with ``prefix``."""
        for n, line in enumerate(self.lines(table), start=1):
            if line.startswith(prefix):
                return n
        raise AssertionError(f"test setup: no row starting with {prefix!r} in {table}.csv")


@pytest.fixture
def scen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScenarioCopy:
    """A private, editable copy of ``scenarios/``; ``CONFLICT_SIM_SCENARIOS`` points at it."""
    root = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, root, ignore=shutil.ignore_patterns("raw", "*.py", "*.md", "__pycache__"))
    monkeypatch.setenv("CONFLICT_SIM_SCENARIOS", str(root))
    return ScenarioCopy(root)
