"""Modules imported on first use, so a command loads only what it needs.

``pd = lazy_module("pandas")`` binds a stand-in whose first attribute access imports pandas
(``pd.DataFrame`` then is pandas' own). A warm ``sim.run`` from a cached scenario never touches
pandas, Hydra or pyarrow; a command that builds tables pays for them when it does.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """A module imported by :mod:`importlib` at the first attribute access."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> Any:
    """A stand-in for module ``name`` (typed Any: use it exactly as the module)."""
    return LazyModule(name)


__all__ = ["LazyModule", "lazy_module"]
