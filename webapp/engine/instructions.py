"""Task instructions are Jinja templates over task data, rendered in a sandbox to plain text.

Jinja's sandbox bounds `range()` but not nested loops, so rendering runs under the script
watchdog's CPU and memory limits too.
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .limits import EngineLimits
from .watchdog import ScriptLimitExceeded, call_limited

_ENV = ImmutableSandboxedEnvironment(autoescape=False)
_MAX_LENGTH = 20_000


def render_instructions(template: str | None, data: dict, limits: EngineLimits | None = None) -> str | None:
    """Render `template` with the task's data; the result is shown as escaped text, never HTML."""
    if not template:
        return None
    limits = limits or EngineLimits()
    values = {k: v for k, v in data.items() if not k.startswith("_")}
    try:
        text = call_limited(limits.script_cpu_seconds, limits.script_memory_mb, _render, template, values)
    except (TemplateError, ScriptLimitExceeded) as error:
        return f"{template}\n[{error.__class__.__name__}: {error}]"
    return text.strip()[:_MAX_LENGTH]


def _render(template: str, values: dict) -> str:
    """Render a compiled template."""
    return _compiled(template).render(**values)


@lru_cache(maxsize=512)
def _compiled(template: str) -> Template:
    """Compile each distinct template once (compiling cost ~2 ms, far more than rendering)."""
    return _ENV.from_string(template)
