"""The one error type a user sees for bad scenario input."""

from __future__ import annotations

from typing import Any


class ScenarioError(ValueError):
    """A scenario file, table or override is invalid.

    The message always names where (file, or ``override``), what (field, or row and column), the
    bad value and what is allowed, in one line, so a CLI can print it and exit non-zero without a
    traceback.

    Parameters
    ----------
    where : str
        File path (relative to the scenarios directory where possible) or ``"override"``.
    field : str
        Dotted field path, or ``"row N, column C"`` for a table.
    value : Any
        The offending value (``repr`` is shown).
    allowed : str
        What would have been accepted.
    """

    def __init__(self, where: str, field: str, value: Any, allowed: str) -> None:
        if hasattr(value, "item") and not isinstance(value, str):
            value = value.item()  # numpy scalar -> plain Python for a readable message
        if isinstance(value, str):
            value = str(value)
        self.where = where
        self.field = field
        self.value = value
        self.allowed = allowed
        shown = value if isinstance(value, str) and value.startswith("<") else repr(value)
        super().__init__(f"{where}: {field} = {shown} is invalid; allowed: {allowed}")
