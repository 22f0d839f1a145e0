"""The reminder policy: defaults and per-step overrides in a JSON file administrators edit.

The file is untrusted input: it is size-limited, every key and value is checked, and each
problem is reported with the file name and the line it is on. A file with errors is not used;
the last valid version (or the built-in defaults) stays in force until it is fixed.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass, field, replace
from collections.abc import Callable
from pathlib import Path

from ..roles import Role

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 256 * 1024
MAX_STEPS = 2000
STEP_KEY = re.compile(r"^[A-Za-z_][\w.-]{0,99}/[A-Za-z_][\w.-]{0,99}$")


@dataclass(frozen=True)
class StepPolicy:
    """When to remind about one step, and when to escalate it."""

    enabled: bool = True
    remind_before_working_days: int = 1  # 0: no advance reminder
    remind_at_due: bool = True
    repeat_every_working_days: int = 2  # 0: no reminders once overdue
    max_overdue_reminders: int = 6
    escalate_after_reminders: int | None = 2  # None: never escalate


DEFAULT_SUPERVISORS = {
    Role.teacher: Role.school_admin,
    Role.school_committee: Role.school_admin,
    Role.school_admin: Role.county_office,
    Role.research_staff: Role.county_office,
    Role.expert: Role.county_office,
    Role.training_centre: Role.county_office,
    Role.county_office: Role.city_office,
    Role.city_office: Role.province_office,
}

# name → (type check, description of allowed values, bounds)
_INT_FIELDS = {
    "remind_before_working_days": (0, 30),
    "repeat_every_working_days": (0, 60),
    "max_overdue_reminders": (0, 100),
    "escalate_after_reminders": (0, 100),
}
_BOOL_FIELDS = {"enabled", "remind_at_due"}
_NULLABLE = {"escalate_after_reminders"}


@dataclass(frozen=True)
class ReminderPolicy:
    """Defaults, per-step overrides ("process_id/task_name") and who supervises which role."""

    defaults: StepPolicy = StepPolicy()
    steps: dict[str, StepPolicy] = field(default_factory=dict)
    supervisors: dict[Role, Role | None] = field(default_factory=lambda: dict(DEFAULT_SUPERVISORS))

    def for_step(self, process_id: str, task_name: str) -> StepPolicy:
        """The policy of one step of one process."""
        return self.steps.get(f"{process_id}/{task_name}", self.defaults)

    def supervisor_of(self, role: Role) -> Role | None:
        """The role an overdue step of `role` is escalated to (None: nobody)."""
        return self.supervisors.get(role)


class PolicyFileError(Exception):
    """A problem in the reminder policy file, with its line (English, for administrators)."""

    def __init__(self, filename: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.filename = filename
        self.line = line
        self.message = message
        self.element_id = None  # shown like workflow file errors on the admin pages

    def __str__(self) -> str:
        place = self.filename if self.line is None else f"{self.filename}:{self.line}"
        return f"{place}: {self.message}"


def parse_policy(text: str, filename: str) -> tuple[ReminderPolicy | None, list[PolicyFileError]]:
    """Check and read the policy text; return the policy (None if there were errors) and the errors."""
    checker = _Checker(text, filename)
    try:
        document = json.loads(text, object_pairs_hook=checker.pairs)
    except json.JSONDecodeError as error:
        return None, [PolicyFileError(filename, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})")]
    except RecursionError:
        return None, [PolicyFileError(filename, None, "nested too deeply")]
    if checker.errors:
        return None, checker.errors
    policy = checker.read(document)
    return (policy if not checker.errors else None), checker.errors


class _Checker:
    """Validates the parsed document, locating each problem in the source text."""

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        self.errors: list[PolicyFileError] = []

    def pairs(self, pairs: list) -> dict:
        """json object hook: refuse duplicate keys (the second would silently win)."""
        seen: dict = {}
        for key, value in pairs:
            if key in seen:
                line = line_of_repeat(self.text, key)
                self.errors.append(PolicyFileError(self.filename, line, f"key {key!r} appears twice in the same object"))
            seen[key] = value
        return seen

    def fail(self, path: list[str], message: str) -> None:
        """Record an error at the line where the last key of `path` appears."""
        self.errors.append(PolicyFileError(self.filename, line_of(self.text, path), message))

    def read(self, document) -> ReminderPolicy | None:
        """Turn the document into a policy, collecting every error."""
        if not isinstance(document, dict):
            self.fail([], "the file must contain one JSON object")
            return None
        self._unknown_keys(document, {"defaults", "escalate_to", "steps", "comment"}, [])
        defaults = self._step(document.get("defaults", {}), ["defaults"], StepPolicy())
        supervisors = self._supervisors(document.get("escalate_to", {}))
        steps_doc = document.get("steps", {})
        steps: dict[str, StepPolicy] = {}
        if not isinstance(steps_doc, dict):
            self.fail(["steps"], '"steps" must be an object of "process_id/task_name": {…}')
        elif len(steps_doc) > MAX_STEPS:
            self.fail(["steps"], f"at most {MAX_STEPS} steps may be listed")
        else:
            for key, value in steps_doc.items():
                if not STEP_KEY.match(key):
                    self.fail(["steps", key], f"step {key!r} must be written as process_id/task_name")
                    continue
                steps[key] = self._step(value, ["steps", key], defaults or StepPolicy())
        if defaults is None:
            return None
        return ReminderPolicy(defaults=defaults, steps=steps, supervisors=supervisors)

    def _unknown_keys(self, obj: dict, allowed: set[str], path: list[str]) -> None:
        """Flag keys the policy does not know (usually a misspelling)."""
        for key in obj:
            if key not in allowed:
                self.fail([*path, key], f"unknown key {key!r} (expected one of: {', '.join(sorted(allowed))})")

    def _step(self, obj, path: list[str], base: StepPolicy) -> StepPolicy | None:
        """One step policy: `base` with the given fields replaced."""
        if not isinstance(obj, dict):
            self.fail(path, f"{'/'.join(path)} must be an object")
            return None
        self._unknown_keys(obj, {*_INT_FIELDS, *_BOOL_FIELDS, "comment"}, path)
        values = {}
        for name, value in obj.items():
            if name in _BOOL_FIELDS:
                if not isinstance(value, bool):
                    self.fail([*path, name], f"{name} must be true or false")
                    continue
            elif name in _INT_FIELDS:
                low, high = _INT_FIELDS[name]
                if value is None and name in _NULLABLE:
                    pass
                elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                    allowed = f"a whole number from {low} to {high}" + (" or null" if name in _NULLABLE else "")
                    self.fail([*path, name], f"{name} must be {allowed}")
                    continue
            else:
                continue  # comment, or an unknown key already reported
            values[name] = value
        policy = replace(base, **values)
        if policy.escalate_after_reminders is not None and policy.repeat_every_working_days == 0:
            self.fail(path, "escalation needs overdue reminders: set repeat_every_working_days above 0 "
                            "or escalate_after_reminders to null")
        return policy

    def _supervisors(self, obj) -> dict[Role, Role | None]:
        """The escalation map, starting from the defaults."""
        supervisors = dict(DEFAULT_SUPERVISORS)
        if not isinstance(obj, dict):
            self.fail(["escalate_to"], '"escalate_to" must be an object of role: role')
            return supervisors
        names = ", ".join(role.value for role in Role)
        for key, value in obj.items():
            if key == "comment":
                continue
            try:
                role = Role(key)
            except ValueError:
                self.fail(["escalate_to", key], f"{key!r} is not a role (roles: {names})")
                continue
            if value is None:
                supervisors[role] = None
                continue
            try:
                supervisors[role] = Role(value)
            except (ValueError, TypeError):
                self.fail(["escalate_to", key], f"{value!r} is not a role (roles: {names}) or null")
        return supervisors


def line_of(text: str, path: list[str]) -> int | None:
    """The line on which the key path appears, found by walking the keys through the text."""
    position = 0
    for key in path:
        match = re.compile(re.escape(json.dumps(key)) + r"\s*:").search(text, position)
        if match is None:
            break
        position = match.start()
    return text.count("\n", 0, position) + 1 if path else 1


def line_of_repeat(text: str, key: str) -> int | None:
    """The line of the second time a key appears (where a duplicate usually is)."""
    matches = list(re.compile(re.escape(json.dumps(key)) + r"\s*:").finditer(text))
    return text.count("\n", 0, matches[1].start()) + 1 if len(matches) > 1 else None


class PolicySource:
    """A policy file as currently in force: re-read when it changes on disk.

    `parse(text, filename)` returns (policy or None, errors); `default()` is the policy without a file.
    """

    def __init__(self, path: Path, parse=None, default=ReminderPolicy) -> None:
        self.path = Path(path)
        self._parse = parse or parse_policy
        self._default = default
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._policy = default()
        self.errors: list[PolicyFileError] = []
        self.shipped_path = self.path
        # Set from outside: () -> the file of the policy administrators published, or None.
        self.published_path: Callable[[], Path | None] | None = None
        # Set from outside: organisation path -> the file of a province's, city's or county's own
        # variant in force there (None: the default applies), and whether any variant exists at all.
        self.variant_path: Callable[[str], Path | None] | None = None
        self.has_variants: Callable[[], bool] = lambda: False
        self._variants: dict[str, object] = {}

    def current(self):
        """The policy in force (the file's, if valid; otherwise the last valid one or the defaults)."""
        published = self.published_path() if self.published_path else None
        self.path = published or self.shipped_path
        try:
            status = os.stat(self.path)
            stamp = (str(self.path), status.st_mtime_ns, status.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._reload(stamp)
        return self._policy

    def for_org(self, org_path: str | None):
        """The policy in force for processes started inside the organisation with this path."""
        path = self.variant_path(org_path) if self.variant_path and org_path else None
        if path is None:
            return self.current()
        # Variant files are named by their content hash: once read, they never change.
        policy = self._variants.get(str(path))
        if policy is None:
            try:
                policy, errors = self._parse(path.read_bytes().decode("utf-8"), path.name)
            except (OSError, UnicodeDecodeError) as error:
                policy, errors = None, [PolicyFileError(path.name, None, str(error))]
            if policy is None:  # published only after the same checks; still, never fail a scan
                log.error("policy variant %s has errors; using the default: %s", path, "; ".join(map(str, errors)))
                return self.current()
            if len(self._variants) > 256:
                self._variants.clear()
            self._variants[str(path)] = policy
        return policy

    def _reload(self, stamp: tuple | None) -> None:
        """Read the file again; keep the previous policy if it has errors."""
        self._stamp = stamp
        if stamp is None:
            self._policy, self.errors = self._default(), []
            return
        name = self.path.name
        if stamp[-1] > MAX_FILE_BYTES:
            self.errors = [PolicyFileError(name, None, f"file is larger than {MAX_FILE_BYTES // 1024} KB")]
            return
        try:
            text = self.path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.errors = [PolicyFileError(name, None, f"cannot be read as UTF-8 text: {error}")]
            return
        policy, self.errors = self._parse(text, name)
        if policy is not None:
            self._policy = policy
        else:
            log.error("policy %s has errors; keeping the previous policy: %s",
                      self.path, "; ".join(map(str, self.errors)))
