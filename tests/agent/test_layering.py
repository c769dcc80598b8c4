"""Arrows point one way: connectors → agent → tools → scheduler. The agent and the tools never
import the composition root or the connectors; the tools never import the agent; the scheduler
never imports an LLM library or the layers above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "tools": {"agent", "connectors", "cronpilot", "langchain", "langchain_core", "langgraph", "openai"},
    "agent": {"connectors", "cronpilot"},
    "scheduler": {"agent", "tools", "connectors", "cronpilot", "langchain", "langchain_core", "langgraph"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in wrong.items() if v} == {}
