"""Names and paths that come from users or files, kept inside the folders they belong to.

Every place where a user-given name or relative path becomes a path on disk goes through here:
the calibration ``name=``, ``data.dir`` of a scenario, config-group options (``scenario=``,
``+sweep=``, ``+fit=``), fit names, forecast and score output folders. A name is a plain file
name; a relative path is resolved strictly inside its root: no absolute path, no ``..``, and no
symbolic link that leads out of the root. Anything else is refused with a one-line
:class:`PathError` naming where it came from, the field, the value and what is allowed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sim.scenario.errors import ScenarioError

#: A plain name: letters, digits, ``_``, ``-`` and ``.`` (not first), at most 128 characters.
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}")
NAME_RULE = "a plain name: letters, digits, '_', '-' and '.' (not first), no '/' or '..'"

#: The user's output folder, relative to the working directory (Hydra's runs go under it too).
OUTPUTS = Path("outputs")


class PathError(ScenarioError):
    """A name or path is unsafe, or a folder cannot be used (one line, like ScenarioError)."""


def check_name(name: object, where: str, field: str) -> str:
    """Return ``name`` if it is a plain name (see :data:`NAME_RULE`), else raise PathError."""
    s = str(name)
    if not NAME_RE.fullmatch(s) or ".." in s:
        raise PathError(where, field, s, NAME_RULE)
    return s


def resolve_inside(root: str | os.PathLike, rel: object, where: str, field: str) -> Path:
    """Resolve the relative path ``rel`` strictly inside ``root`` and return it (resolved).

    Refused: an empty path, an absolute path, any ``..`` component, and a path that leaves
    ``root`` through a symbolic link.

    Raises
    ------
    PathError
    """
    s = str(rel)
    root_r = Path(root).resolve()
    allowed = f"a relative path inside {root_r} (no absolute path, '..' or link leading out of it)"
    if not s.strip() or "\x00" in s:
        raise PathError(where, field, s, allowed)
    p = Path(s)
    if p.is_absolute() or s.startswith("~") or ".." in p.parts:
        raise PathError(where, field, s, allowed)
    full = (root_r / p).resolve()
    if not full.is_relative_to(root_r):
        raise PathError(where, field, s, allowed)
    return full


def output_path(value: object, where: str, field: str) -> Path:
    """A user-chosen output folder: any path, but not inside the project's own config folder.

    Results written among the scenario configs would be read back as configs (and make the
    source tree dirty); they go under ``outputs/`` or anywhere else the user chooses.
    """
    from sim.scenario.load import scenarios_dir

    s = str(value)
    if not s.strip() or "\x00" in s:
        raise PathError(where, field, s, "a directory path")
    p = Path(os.path.abspath(os.path.expanduser(s)))
    cfg = scenarios_dir().resolve()
    if p.resolve().is_relative_to(cfg):
        raise PathError(where, field, s, f"a directory outside the scenario configs {cfg} (e.g. outputs/...)")
    return p
