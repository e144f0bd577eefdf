"""One argument style for all five commands: Hydra-style ``key=value``.

``conflict-sim`` is a Hydra app; ``conflict-sim-calibrate``, ``-forecast``, ``-report`` and
``-score`` read the same ``key=value`` words: the tool's own keys are taken out and typed (a bad
value is one line naming the key, the value and what is allowed, exit status 2); every other
``key=value``, ``+key=value`` or ``~key`` is a Hydra override of the scenario (applied with
:func:`sim.scenario.compose_config`, so it is validated exactly as ``conflict-sim`` does).
``--key value`` and ``--key=value`` are accepted as spellings of ``key=value`` (``-`` read as
``_``), and ``-h``/``--help`` prints the keys and, for the tools that run the model, every
scenario parameter with its default, range and unit from :mod:`sim.scenario.schema`.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

#: Types of the tools' keys, by name; a value that does not parse is refused in one line.
KEY_TYPES: dict[str, str] = {
    "trials": "int>=1",
    "replicates": "int>=1",
    "seed": "seed",
    "startup": "int>=0",
    "keep": "share",
    "cutoff": "date",
    "name": "name",
    "plot": "bool",
    "plots": "bool",
    "brier_dates": "dates",
    "out": "outdir",
    "fit_dir": "outdir",
    "population": "int>=1",
    "generations": "int>=1",
    "workers": "int>=1",
    "islands": "int>=1",
    "chunk": "int>=1",
    "draws": "int>=1",
    "min_acceptance": "share",
    "resample": "share",
    "assimilate": "bool",
    "particles": "int>=1",
    "ablation": "bool",
    "what_ifs": "bool",
    "prior": "bool",
}
_SEED_MAX = 2**63 - 1


def split_list(value: str) -> list[str]:
    """``[a,b]`` or ``a,b`` -> ``["a", "b"]`` (commas inside brackets or quotes are kept)."""
    v = value.strip()
    if v.startswith("[") and v.endswith("]"):
        v = v[1:-1]
    out, cur, depth, quote = [], "", 0, ""
    for ch in v:
        if quote:
            if ch == quote:
                quote = ""
            else:
                cur += ch
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
            cur += ch
        elif ch in "])":
            depth -= 1
            cur += ch
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def prog_name() -> str:
    """The command's name as typed (``conflict-sim-forecast``)."""
    import os

    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "conflict-sim"


def _format_warning(
    message: Any, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    """``prog: warning: message`` for the project's own warnings (a user acts on the message, not
    on a source line); every other warning in Python's default format."""
    if _ours(category):
        return f"{prog_name()}: warning: {message}\n"
    return _DEFAULT_FORMAT(message, category, filename, lineno, line)


def _ours(category: type[Warning]) -> bool:
    # matched by name: importing the class here would import the scenario package mid-warning
    return any(c.__name__ == "FitDataWarning" and c.__module__.startswith("sim.") for c in category.__mro__)


def _show_warning(
    message: Any,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Show each of the project's warnings once per command (a validation loads the same fit for
    every ensemble; Python's "once" filter forgets across Hydra's config composition)."""
    if _ours(category):
        if str(message) in _SHOWN:
            return
        _SHOWN.add(str(message))
    _DEFAULT_SHOW(message, category, filename, lineno, file, line)


_SHOWN: set[str] = set()
_DEFAULT_FORMAT = warnings.formatwarning
_DEFAULT_SHOW = warnings.showwarning
# the commands are applications: their warnings, their format
warnings.formatwarning = _format_warning
warnings.showwarning = _show_warning


def fail(message: str, prog: str | None = None) -> NoReturn:
    """Print ``prog: error: message`` on stderr and exit with status 2."""
    print(f"{prog or prog_name()}: error: {message}", file=sys.stderr)
    sys.exit(2)


def check_value(key: str, value: str, kind: str | None = None) -> Any:
    """Parse the value of a tool key by its type (:data:`KEY_TYPES`); exit 2 on a bad value."""
    kind = kind or KEY_TYPES.get(key, "str")

    def bad(allowed: str) -> NoReturn:
        fail(f"{key} = {value!r} is invalid; allowed: {allowed}")

    if kind.startswith("int") or kind == "seed":
        try:
            n = int(value)
        except ValueError:
            bad("an integer" + (" >= 1" if kind == "int>=1" else " >= 0"))
        lo = 1 if kind == "int>=1" else 0
        hi = _SEED_MAX if kind == "seed" else 2**31 - 1
        if not lo <= n <= hi:
            bad(f"an integer {lo} <= value <= {hi}")
        return n
    if kind == "share":
        try:
            x = float(value)
        except ValueError:
            bad("a number 0 < value <= 1")
        if not (math.isfinite(x) and 0 < x <= 1):
            bad("a number 0 < value <= 1")
        return x
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            bad("an ISO date YYYY-MM-DD")
    if kind == "dates":
        out = []
        for d in split_list(value):
            try:
                out.append(dt.date.fromisoformat(d).isoformat())
            except ValueError:
                bad("ISO dates YYYY-MM-DD separated by commas, e.g. [2021-08-15,2021-09-01]")
        return out
    if kind == "bool":
        v = value.strip().lower()
        if v in ("true", "yes", "on", "1"):
            return True
        if v in ("false", "no", "off", "0"):
            return False
        bad("true or false")
    if kind == "name":
        from sim.paths import NAME_RE, NAME_RULE

        if not NAME_RE.fullmatch(value) or ".." in value:
            bad(NAME_RULE)
        return value
    if kind == "outdir":
        from sim.paths import PathError, output_path

        try:
            output_path(value, key, key)
        except PathError as e:
            bad(e.allowed)
        return value
    if not value.strip():
        bad("a non-empty value")
    return value


def parse_args(
    argv: Sequence[str],
    keys: dict[str, str],
    positional: Sequence[str] = (),
    overrides_allowed: bool = True,
    summary: str = "",
    schema: bool | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Split ``argv`` into the tool's keys (``keys``: name -> help) and scenario overrides.

    The tool's values are checked by type (:func:`check_value`) but returned as given (strings);
    ``positional`` names the keys that may also be given as bare words, in order (a path).

    Raises
    ------
    SystemExit
        Status 0 after the help for ``-h``/``--help``; status 2 with one line for a bad word.
    """
    own: dict[str, str] = {}
    overrides: list[str] = []
    pos = list(positional)
    args = list(argv)
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a in ("-h", "--help"):
            print(usage(keys, summary=summary, schema=overrides_allowed if schema is None else schema))
            sys.exit(0)
        if a.startswith("--") and len(a) > 2:
            name, eq, val = a[2:].partition("=")
            name = name.replace("-", "_")
            if name.startswith("no_") and name[3:] in keys and KEY_TYPES.get(name[3:]) == "bool" and not eq:
                own[name[3:]] = "false"
                continue
            if name not in keys:
                fail(f"unknown option {a!r}; keys are {', '.join(keys)} (key=value; see --help)")
            if not eq:
                if KEY_TYPES.get(name) == "bool":
                    val = "true"
                elif i < len(args):
                    val = args[i]
                    i += 1
                else:
                    fail(f"{a} needs a value ({name}=VALUE)")
            own[name] = val
            continue
        key = a.split("=", 1)[0]
        if "=" in a and key in keys:
            own[key] = a.split("=", 1)[1]
        elif ("=" in a or a.startswith("~")) and overrides_allowed:
            overrides.append(a)
        elif "=" not in a and pos:
            own[pos.pop(0)] = a
        elif "=" in a:
            fail(f"unknown key {key!r}; keys are {', '.join(keys)} (see --help)")
        else:
            fail(f"expected key=value, not {a!r} (see --help)")
    for k, v in own.items():
        check_value(k, v)
    return own, overrides


def usage(keys: dict[str, str], summary: str = "", schema: bool = True) -> str:
    """The help text: the tool's keys, then (``schema``) the scenario parameters."""
    width = max(len(k) for k in keys) + 2
    lines = []
    if summary:
        lines += [summary, ""]
    lines += [f"usage: {prog_name()} [key=value ...]" + (" [scenario override ...]" if schema else ""), ""]
    lines += ["keys:"]
    lines += [f"  {k:<{width}}{h}" for k, h in keys.items()]
    if schema:
        lines += ["", *schema_help()]
    lines += ["", "Tab completion (bash): see README 'Command line' (conflict-sim --shell-completion)."]
    return "\n".join(lines)


def schema_help() -> list[str]:
    """Every scenario parameter: ``path  default  [lo .. hi]  unit  meaning``, from the schema."""
    from sim.scenario.schema import Config, iter_params

    rows = [(p, v, m) for p, v, m in iter_params(Config(name="x"))]
    w = max(len(p) for p, _, _ in rows) + 2
    out = [
        "scenario overrides: any key=value of the scenario config (a bad key or value is refused in one",
        "line); +fit=NAME loads a fit, scenario=NAME picks a scenario. Parameters (default [range] unit):",
    ]
    for p, v, m in rows:
        rng = f"[{_num(m['lo'])} .. {_num(m['hi'])}]"
        out.append(f"  {p:<{w}}{_num(v):>8}  {rng:<22}{m['unit']}: {m['doc']}")
    out += [
        "  other keys: timeline.start, timeline.horizon_days, model.withdrawal.start/end (ISO dates),",
        "  model.command.policy (first_come, by_value, none), report.by_date, data.dir, synthetic.*",
    ]
    return out


def _num(x: Any) -> str:
    if isinstance(x, bool) or x is None:
        return str(x)
    if isinstance(x, float) and x.is_integer() and abs(x) >= 100_000:
        x = int(x)
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 100_000 else str(x)
    return f"{x:g}"
