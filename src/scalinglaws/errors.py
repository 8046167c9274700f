"""The project's exception types: one base class, one for bad input, one for failed fits."""

from __future__ import annotations


class ScalingLawsError(Exception):
    """Base class of every error this library raises on purpose."""


class InputError(ScalingLawsError):
    """Bad input, located by file, row (the line number, header = 1), column and curve."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
        curve: str | None = None,
    ) -> None:
        self.reason = message
        self.path = path
        self.row = row
        self.column = column
        self.curve = curve
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.curve is not None:
            where.append(f"curve {self.curve}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class FitError(ScalingLawsError):
    """A fit that cannot give a usable result; the message is the reason recorded in scores.csv."""
