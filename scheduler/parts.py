"""Composing an object from parts: a method of a part, reached from the whole.

``Store`` (its table parts) and ``Service`` (its flows) are each one surface for their callers
but are built from parts that don't know each other; ``via`` exposes a part's method under the
whole with that method's own signature, so callers and type checkers see one object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")


class via(Generic[P, R]):
    """``add_task = via("tasks", TaskRows.add_task)``: ``whole.add_task`` is
    ``whole.tasks.add_task``, looked up on each access (so a replaced part is followed)."""

    def __init__(self, part: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self.part = part
        self.name = method.__name__
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, whole: None, owner: type) -> via[P, R]: ...

    @overload
    def __get__(self, whole: object, owner: type | None = None) -> Callable[P, R]: ...

    def __get__(self, whole: object, owner: type | None = None) -> via[P, R] | Callable[P, R]:
        if whole is None:
            return self
        method: Callable[P, R] = getattr(getattr(whole, self.part), self.name)
        return method
