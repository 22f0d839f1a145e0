"""Python functions that BPMN service tasks call by name, one module per process.

A service task names an operation (``spiffworkflow:serviceTaskOperator name="..."``); the
engine looks the name up in its registry. Each handler takes keyword arguments (the evaluated
operator parameters) and returns a JSON-serialisable value that the engine stores in the task's
result variable. `@handler` only marks a function; the process declaration
(`webapp/processes/<process_id>/__init__.py`) lists its module's handlers with `handlers_in`,
and `create_app` registers them. Nothing here imports a process module.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from webapp.engine.registry import Handler

_MARK = "_service_handler"


def handler(name: str, description: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark ``func`` as the service-task operation ``name``."""

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        setattr(func, _MARK, Handler(name, func, description))
        return func

    return mark


def handlers_in(module: ModuleType) -> tuple[Handler, ...]:
    """Every function of `module` marked with `@handler`, in definition order."""
    found = [getattr(value, _MARK) for value in vars(module).values() if callable(value) and hasattr(value, _MARK)]
    return tuple(item for item in found if item.func.__module__ == module.__name__)
