"""Exceptions raised while loading workflow files and checking their scripts."""
from __future__ import annotations


class WorkflowFileError(Exception):
    """A problem in a BPMN/DMN file, located by file, line and element id (English, for admins)."""

    def __init__(self, filename: str, line: int | None, element_id: str | None, message: str):
        super().__init__(message)
        self.filename = filename
        self.line = line
        self.element_id = element_id
        self.message = message

    def __str__(self) -> str:
        place = self.filename if self.line is None else f"{self.filename}:{self.line}"
        if self.element_id:
            place += f" [{self.element_id}]"
        return f"{place}: {self.message}"

    def __repr__(self) -> str:
        return f"WorkflowFileError({str(self)!r})"


class ScriptSafetyError(ValueError):
    """Script or expression text that the sandbox refuses to run."""

    def __init__(self, message: str, lineno: int | None = None):
        # args[0] must stay a plain string: SpiffWorkflow builds messages with err.args[0].
        super().__init__(message, lineno)
        self.message = message
        self.lineno = lineno

    def __str__(self) -> str:
        return self.message if self.lineno is None else f"line {self.lineno}: {self.message}"


class WorkflowConfigurationError(Exception):
    """A diagram that parsed but cannot run as configured (e.g. a lane that names no role)."""
