"""What the form templates draw: plain data classes filled in by rendering.py."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Option:
    """One option of a select, radio group or checkbox group."""

    id: str
    token: str
    label: str
    selected: bool


@dataclass
class RowView:
    """One item of a repeated section."""

    id: str
    legend: str
    fields: list[FieldView]
    errors: list[str]


@dataclass
class FieldView:
    """Everything the templates need to draw one field."""

    kind: str
    id: str
    name: str
    label: str
    required: bool = False
    help: str = ""
    placeholder: str = ""
    errors: list[str] = field(default_factory=list)
    value: str = ""
    checked: bool = False
    options: list[Option] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)
    attached: list[str] = field(default_factory=list)
    attached_names: dict[str, str] = field(default_factory=dict)  # evidence id → uploaded file name
    spare_row: RowView | None = None  # a blank row for browsers without JavaScript
    children: list[FieldView] = field(default_factory=list)
    rows: list[RowView] = field(default_factory=list)
    template_row: RowView | None = None
    max_rows: int = 0
    next_index: int = 0  # the index the add-row button gives the next row

    @property
    def help_id(self) -> str:
        """Id of the help text ('--' cannot occur in ids built from property names)."""
        return f"{self.id}--help"

    @property
    def error_id(self) -> str:
        """Id of the inline error text."""
        return f"{self.id}--error"

    @property
    def describedby(self) -> str:
        """Value for aria-describedby: help and error texts, if any."""
        ids = [self.help_id] if self.help else []
        return " ".join(ids + ([self.error_id] if self.errors else []))


@dataclass
class SummaryItem:
    """One line of the error summary, linking to its field when there is one."""

    target: str
    text: str


@dataclass
class FormView:
    """The whole form body."""

    fields: list[FieldView]
    summary: list[SummaryItem]
    evidence_base: str
