"""Python functions that BPMN service tasks call by name.

A service task names an operation (``spiffworkflow:serviceTaskOperator name="..."``); the
engine looks the name up here. Each handler takes keyword arguments (the evaluated operator
parameters) and returns a JSON-serialisable value that the engine stores in the task's result
variable. Handlers live in modules named after the process they serve.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Handler:
    """A registered service-task function and what it does."""

    name: str
    func: Callable[..., Any]
    description: str


REGISTRY: dict[str, Handler] = {}


def handler(name: str, description: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func`` as the service-task operation ``name``."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY:
            raise ValueError(f"handler {name!r} registered twice")
        REGISTRY[name] = Handler(name, func, description)
        return func

    return register


def get(name: str) -> Handler:
    """Return the handler called ``name`` or raise ``KeyError``."""
    return REGISTRY[name]


from . import self_application, school_vote  # noqa: E402,F401  (register their handlers)
