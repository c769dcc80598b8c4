"""Sandboxed templates in a step's configuration: ``{{ steps.gather.output }}``,
``{{ event.data.path }}``. Values from earlier steps and events are data: they are inserted
once and never rendered again, so output that contains ``{{ … }}`` stays text."""

from __future__ import annotations

import operator
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .actionspec import Action

MAX_RENDERED = 1024 * 1024
MAX_REPEAT = 100_000


class TemplateFailed(Exception):
    """A template that can't be rendered; the message is for the owner."""


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        # 'a' * 10**9 or 9 ** 9 ** 9 would stall the engine: bound what a template may build.
        if operator_name == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and len(seq) * count > MAX_REPEAT:
                    raise TemplateFailed("a template tried to build a value too large")
            return operator.mul(left, right)
        if isinstance(right, int) and abs(right) > 100:
            raise TemplateFailed("a template tried to compute a power too large")
        return operator.pow(left, right)


_ENV = _Environment(undefined=StrictUndefined, autoescape=False)


def render_text(text: str, context: dict[str, Any]) -> str:
    if "{{" not in text and "{%" not in text:
        return text
    try:
        rendered = _ENV.from_string(text).render(**context)
    except TemplateFailed:
        raise
    except TemplateError as exc:
        raise TemplateFailed(f"template error in {text[:60]!r}: {exc}") from None
    except (OverflowError, MemoryError, RecursionError) as exc:
        raise TemplateFailed(f"template error in {text[:60]!r}: {type(exc).__name__}") from None
    if len(rendered) > MAX_RENDERED:
        raise TemplateFailed("a rendered template is larger than 1 MiB")
    return rendered


def render_action(action: Action, context: dict[str, Any]) -> Action:
    """The action with every string in its configuration rendered against ``context``."""
    data = action.model_dump()
    rendered = _render_value(data, context)
    return type(action).model_validate(rendered)


def _render_value(value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return render_text(value, context)
    if isinstance(value, list):
        return [_render_value(v, context) for v in value]
    if isinstance(value, dict):
        return {k: _render_value(v, context) for k, v in value.items()}
    return value
