"""Error types of the forms package: problems in form files, and problems in user input."""
from __future__ import annotations

from dataclasses import dataclass


class FormFileError(Exception):
    """A form file (schema or UI schema) is missing, unreadable or breaks one of our rules.

    ``message`` is English and meant for administrators, never for end users.
    """

    def __init__(self, filename: str, message: str):
        """Keep the file name and the message apart; str() shows both."""
        super().__init__(f"{filename}: {message}")
        self.filename = filename
        self.message = message


def field_name(path: tuple) -> str:
    """HTML field name of an instance path: ('papers', 0, 'title') -> 'papers[0].title'."""
    name = ""
    for part in path:
        if isinstance(part, str):
            name = f"{name}.{part}" if name else part
        else:  # a row index, or the row placeholder of a <template>
            name = f"{name}[{part}]"
    return name


def field_id(path: tuple) -> str:
    """HTML element id of an instance path: ('papers', 0, 'title') -> 'f-papers-0-title'."""
    return "-".join(["f", *(str(part) for part in path)])


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of a submission; ``message`` is already translated."""

    path: tuple
    label: str
    message: str

    @property
    def name(self) -> str:
        """HTML field name of the field in error."""
        return field_name(self.path)


def merge_errors(*error_lists: list[FieldError]) -> list[FieldError]:
    """Concatenate error lists keeping only the first error per field."""
    # Parsing reports e.g. a bad number and leaves the field out; validation would
    # then add "is required" for the same field, which only confuses the user.
    seen: set[tuple] = set()
    merged = []
    for errors in error_lists:
        for error in errors:
            if error.path not in seen:
                seen.add(error.path)
                merged.append(error)
    return merged
