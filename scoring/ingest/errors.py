from __future__ import annotations


class IngestError(ValueError):
    """A record that cannot be read. Names the place (source, line, field), the value found
    and what was expected, so the person fixing the file knows exactly where to look."""

    def __init__(
        self,
        *,
        source: str,
        line: int,
        problem: str,
        field: str | None = None,
        value: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.source, self.line, self.field = source, line, field
        self.value, self.expected, self.problem = value, expected, problem
        where = f"{source}, line {line}" + (f", field {field!r}" if field else "")
        detail = problem
        if value is not None:
            shown = value if len(value) <= 60 else value[:57] + "..."
            detail += f": found {shown!r}"
        if expected:
            detail += f", expected {expected}"
        super().__init__(f"{where}: {detail}")
