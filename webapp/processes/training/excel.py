"""Attendance and score sheets from Excel (.xlsx) in the sheet's own layout.

Row 1 is the header: a column ``姓名``/``name``, a column ``用户名``/``username`` or ``身份证号``/``id``
(the username is the ID the app knows), then one column per session (its date, ``YYYY-MM-DD``, or its
topic) or per component (its name or label). Every row is checked (unknown people, a name that does not
match, duplicates, unknown marks, scores out of range); with any problem nothing is applied.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from ...imports.rows import cell_text, first_sheet_rows
from ...imports.xlsx import LayoutError
from .labels import COMPONENTS, MARKS
from .models import TraineeStatus, TrainingCohort

MAX_ROWS = 5000
NAME_HEADERS = {"姓名", "name"}
ID_HEADERS = {"用户名", "username", "身份证号", "id", "工号"}
# Marks as written in a sheet, in either language.
MARK_WORDS = {"出勤": "present", "present": "present", "√": "present", "迟到": "late", "late": "late",
              "缺勤": "absent", "absent": "absent", "×": "absent", "请假": "leave", "leave": "leave", "on leave": "leave"}


@dataclass
class SheetResult:
    """What a sheet would change, and every problem found (row and column named)."""

    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, list]] = field(default_factory=list)   # (trainee name, values per column) for the preview
    values: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_sheet(cohort: TrainingCohort, kind: str, content: bytes) -> SheetResult:
    """Parse and check the first worksheet; `values` is filled only when there is no problem.

    Read through the shared safe reader (`webapp.imports.xlsx`): a zip bomb, a DOCTYPE, merged or
    formula cells refuse the whole file with the place named.
    """
    result = SheetResult(kind=kind)
    try:
        numbered = list(first_sheet_rows(content, MAX_ROWS + 2))  # the header, MAX_ROWS rows and one too many
    except LayoutError as error:
        result.problems.extend(str(problem) for problem in error.problems)
        return result
    if numbered and numbered[-1][0] > MAX_ROWS + 1:
        result.problems.append(_("At most %(n)d rows per sheet.", n=MAX_ROWS))
        return result
    if not numbered:
        result.problems.append(_("The sheet is empty."))
        return result
    rows = [cells for _number, cells in numbered]
    header = [cell_text(cell) for cell in rows[0]]
    lowered = [h.lower() for h in header]
    name_col = next((i for i, h in enumerate(lowered) if h in NAME_HEADERS), None)
    id_col = next((i for i, h in enumerate(lowered) if h in ID_HEADERS), None)
    if name_col is None or id_col is None:
        result.problems.append(_("Row 1 must have a column “name” and a column “username”."))
        return result
    if kind == "attendance":
        targets = {}
        for s in cohort.sessions:
            targets[s.day.isoformat()] = s.id
            targets[s.topic.lower()] = s.id
    else:
        targets = {}
        for component in cohort.components():
            targets[component.lower()] = component
            if component in COMPONENTS:
                for lang_label in (str(COMPONENTS[component]),):
                    targets[lang_label.lower()] = component
    columns = {}
    for index, title in enumerate(header):
        if index in (name_col, id_col) or not title:
            continue
        target = targets.get(title.lower())
        if target is None:
            result.problems.append(_("Column %(col)s (%(title)s) is not a session or component of this training.",
                                     col=_column(index), title=title))
        elif target in columns.values():
            result.problems.append(_("Column %(col)s (%(title)s) appears twice.", col=_column(index), title=title))
        else:
            columns[index] = target
    if not columns:
        result.problems.append(_("The sheet has no session or component column."))
    result.columns = [header[i] for i in columns]
    people = {t.teacher.username.lower(): t for t in cohort.trainees if t.status is TraineeStatus.active}
    seen = set()
    for number, row in numbered[1:]:
        cells = [cell_text(c) for c in row]
        if not any(cells):
            continue
        who = cells[id_col].lower() if id_col < len(cells) else ""
        name = cells[name_col] if name_col < len(cells) else ""
        trainee = people.get(who)
        if trainee is None:
            result.problems.append(_("Row %(row)d: %(who)s is not a trainee in this training.", row=number, who=who or "—"))
            continue
        if name and name != trainee.teacher.display_name:
            result.problems.append(_("Row %(row)d: the name %(name)s does not match %(who)s.", row=number, name=name, who=who))
            continue
        if trainee.id in seen:
            result.problems.append(_("Row %(row)d: %(who)s appears twice.", row=number, who=who))
            continue
        seen.add(trainee.id)
        shown = []
        for index, target in columns.items():
            raw = cells[index] if index < len(cells) else ""
            shown.append(raw)
            if raw.startswith("="):
                result.problems.append(_("Row %(row)d, column %(col)s: formulas are not accepted.", row=number, col=_column(index)))
                continue
            if raw == "":
                continue
            if kind == "attendance":
                mark = MARK_WORDS.get(raw.lower()) or (raw if raw in MARKS else None)
                if mark is None:
                    result.problems.append(_("Row %(row)d, column %(col)s: %(value)s is not present, late, absent or leave.",
                                             row=number, col=_column(index), value=raw))
                    continue
                result.values[(trainee.id, target)] = mark
            else:
                try:
                    score = float(raw)
                except ValueError:
                    score = -1
                if not 0 <= score <= 100:
                    result.problems.append(_("Row %(row)d, column %(col)s: %(value)s is not a score from 0 to 100.",
                                             row=number, col=_column(index), value=raw))
                    continue
                result.values[(trainee.id, target)] = raw
        result.rows.append((trainee.teacher.display_name, shown))
    if not result.rows and not result.problems:
        result.problems.append(_("The sheet has no rows of trainees."))
    if result.problems:
        result.values = {}
    return result


def _column(index: int) -> str:
    return get_column_letter(index + 1)
