"""A problem found in an edited file: file, line, element and message (English, for administrators)."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be published; `element_id` is highlighted on the diagram."""

    filename: str
    line: int | None
    element_id: str | None
    message: str
    # Set when the problem shows in a variant below the edited scope (e.g. a county's).
    scope: str | None = None

    def __str__(self) -> str:
        place = self.filename if self.line is None else f"{self.filename}:{self.line}"
        if self.element_id:
            place += f" [{self.element_id}]"
        return f"{place}: {self.message}"

    def as_dict(self) -> dict:
        """For the editor's JavaScript."""
        return {**asdict(self), "text": str(self)}
