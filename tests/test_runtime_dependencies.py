"""Everything the product imports is something a user's install has: each third-party module
imported anywhere in the runtime packages (lazily or not) belongs to a distribution pinned in
``requirements.lock`` or one of the extras' locks — not only in the test tools' lock, which
``./run`` never installs (a task name check once imported a test-only package and crashed the
first chat message of a fresh install)."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PACKAGES = ["scheduler", "agent", "connectors", "cronpilot", "tools", "prompts"]
RUNTIME_LOCKS = ["requirements.lock", "requirements-ai.lock", "requirements-slack.lock",
                 "requirements-telegram.lock", "requirements-supabase.lock"]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pinned(lock: Path) -> set[str]:
    return {_normal(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock.read_text(), re.M)}


def _imported_modules() -> dict[str, set[str]]:
    """Top-level module name → the files importing it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_module_the_product_imports_is_in_a_runtime_lock() -> None:
    runtime = set().union(*(_pinned(ROOT / lock) for lock in RUNTIME_LOCKS))
    owners = packages_distributions()
    ours = set(RUNTIME_PACKAGES)
    missing = {}
    for module, files in _imported_modules().items():
        if module in sys.stdlib_module_names or module in ours or module == "__future__":
            continue
        dists = {_normal(d) for d in owners.get(module, [])}
        assert dists, f"{module} (imported by {sorted(files)}) is not installed in the test venv"
        if not dists & runtime:
            missing[module] = sorted(files)
    assert not missing, f"imported by the product but only in the test tools' lock: {missing}"


def test_the_check_knows_a_test_only_package_when_it_sees_one() -> None:
    # The guard itself: pytest is pinned for the tests only, so it must not count as runtime.
    runtime = set().union(*(_pinned(ROOT / lock) for lock in RUNTIME_LOCKS))
    assert "pytest" not in runtime and "pytest" in _pinned(ROOT / "requirements-dev.lock")
    assert "sqlalchemy" in runtime
