"""Task instructions are Jinja templates over task data, rendered in a sandbox to plain text."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

_ENV = ImmutableSandboxedEnvironment(autoescape=False)
_MAX_LENGTH = 20_000


def render_instructions(template: str | None, data: dict) -> str | None:
    """Render `template` with the task's data; the result is shown as escaped text, never HTML."""
    if not template:
        return None
    try:
        text = _compiled(template).render(**{k: v for k, v in data.items() if not k.startswith("_")})
    except TemplateError as error:
        return f"{template}\n[{error.__class__.__name__}: {error}]"
    return text.strip()[:_MAX_LENGTH]


@lru_cache(maxsize=512)
def _compiled(template: str) -> Template:
    """Compile each distinct template once (compiling cost ~2 ms, far more than rendering)."""
    return _ENV.from_string(template)
