"""Dependencies point one way: connectors → agent → tools → scheduler; only cronpilot/ (the
composition root) knows everything. This walks every import and fails on a wrong-way arrow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["scheduler", "tools", "agent", "connectors", "cronpilot"]
FORBIDDEN = {
    "scheduler": {"tools", "agent", "connectors", "cronpilot", "langchain", "langchain_core",
                  "langchain_openai", "langgraph", "openai", "slack_bolt", "slack_sdk", "telegram",
                  "fastapi", "supabase"},
    "tools": {"agent", "connectors", "cronpilot"},
    "agent": {"connectors", "cronpilot"},
    "connectors": {"cronpilot"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", list(FORBIDDEN))
def test_imports_point_one_way(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, name in _imports(path)
        if name in FORBIDDEN[package]
    ]
    assert wrong == []


def test_the_walk_sees_every_package() -> None:
    for package in LAYERS:
        assert list((ROOT / package).rglob("*.py")), package
