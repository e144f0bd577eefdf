"""Hydra-style ``key=value`` command lines for the calibration tools.

``conflict-sim-calibrate scenario=synthetic params=[model.combat.beta_ins:0.002:0.2:log] trials=20
synthetic.n_locations=60``: the tool's own keys are taken out; every other ``key=value``,
``+key=value`` or ``~key`` is a Hydra override of the scenario (applied with
:func:`sim.scenario.compose_config`, so it is validated exactly as ``conflict-sim`` does).
"""

from __future__ import annotations

from collections.abc import Sequence


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


def parse_args(argv: Sequence[str], keys: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Split ``argv`` into the tool's keys (``keys``: name -> help) and scenario overrides.

    Raises
    ------
    SystemExit
        With a usage message for ``-h`` / ``--help`` or an argument without ``=``.
    """
    own: dict[str, str] = {}
    overrides: list[str] = []
    for a in argv:
        if a in ("-h", "--help"):
            raise SystemExit(usage(keys))
        key = a.split("=", 1)[0]
        if "=" in a and key in keys:
            own[key] = a.split("=", 1)[1]
        elif "=" in a or a.startswith("~"):
            overrides.append(a)
        else:
            raise SystemExit(f"error: expected key=value, not {a!r}\n\n{usage(keys)}")
    return own, overrides


def usage(keys: dict[str, str]) -> str:
    width = max(len(k) for k in keys) + 2
    lines = ["keys (key=value); any other key=value is a scenario override:"]
    lines += [f"  {k:<{width}}{h}" for k, h in keys.items()]
    return "\n".join(lines)
