"""User-facing errors: one paragraph saying which file, row, column, rule, and what to do.

The command line catches :class:`UserError` and prints its message without a traceback (exit code 2).
"""

from __future__ import annotations


class UserError(Exception):
    """An error caused by input the user can fix (a file, a parameter, a config value)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        rule: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.rule = rule
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        """Compose the one-paragraph message."""
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = self.message.rstrip(".") + "."
        if where:
            text = f"{', '.join(where)}: {text}"
        if self.rule:
            text += f" Rule: {self.rule.rstrip('.')}."
        if self.fix:
            text += f" What to do: {self.fix.rstrip('.')}."
        return text
