"""Prompt texts live in ``prompts/*.md`` (product text, reviewed like code); this loads them by
name and fills ``$placeholders``.

Names are plain words, never paths, so a template name coming from a task (or a model) can't
read other files. Values are substituted once with ``string.Template.safe_substitute``: a
``$word`` inside a value stays literal text and unknown placeholders are left as they are.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from string import Template

from scheduler.errors import InvalidRequest

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}$")


def prompts_dir() -> Path:
    # The repository layout first (checkouts and editable installs); the ``prompts`` package
    # when installed as one.
    here = Path(__file__).resolve().parent.parent / "prompts"
    if here.is_dir():
        return here
    import importlib.resources

    return Path(str(importlib.resources.files("prompts")))


_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)


@cache
def _read(relative: str) -> str:
    # <!-- comments --> are notes for people editing the prompt; the model never sees them.
    return _COMMENT.sub("", (prompts_dir() / relative).read_text(encoding="utf-8"))


def load(name: str, **values: str) -> str:
    """The prompt ``prompts/<name>.md`` with ``values`` filled in."""
    return Template(_read(f"{name}.md")).safe_substitute(values).strip()


# What a template says when a task leaves an input out (an AI task's inputs override these).
TEMPLATE_DEFAULTS = {
    "focus": "",
    "categories": "billing, bug, feature request, account, other",
    "event": "a new ticket",
    "conversation": "this conversation",
    "messages": "(no messages were given to this task)",
    "content": "(nothing was fetched: give the task a 'url' input)",
    "url": "the source",
    "ticket": "(the ticket text was not given: use an input like {{ event.data }})",
}


def template_names() -> list[str]:
    return sorted(p.stem for p in (prompts_dir() / "templates").glob("*.md"))


def load_template(name: str, **values: str) -> str:
    """An AI-task template by name (``prompts/templates/<name>.md``), filled with the task's inputs."""
    key = name.strip().lower().replace(" ", "_")
    if not _NAME.match(key) or key not in template_names():
        known = ", ".join(template_names())
        raise InvalidRequest(f"unknown prompt template {name!r}; known: {known}")
    # Inputs are data inside <<< >>> fences: they must not be able to close one.
    safe = {k: v.replace(">>>", "> > >") for k, v in values.items()}
    return Template(_read(f"templates/{key}.md")).safe_substitute({**TEMPLATE_DEFAULTS, **safe}).strip()
