"""A module imported on first use of one of its names, for the heavy libraries only some
installs need (psycopg on a SQLite install, the holiday tables): a restart after kill -9 must
end the dead engine's runs within seconds, and imports were most of ``serve``'s start-up.

    if TYPE_CHECKING:
        import psycopg
    else:
        psycopg = lazy_module("psycopg")

The real import happens under the import lock at the first attribute read, so it is safe from
any thread; nothing is put in ``sys.modules`` ahead of it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{'' if self._module is None else ' (loaded)'}>"


def lazy_module(name: str) -> Any:
    """``name``, imported when one of its attributes is first read."""
    return _LazyModule(name)
