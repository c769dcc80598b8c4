"""The house's import rules, at module level, over every import in the code: at the top of a
module or inside a function (a lazy import still ties two modules together). Only imports under
``if TYPE_CHECKING:`` are left out: they never run.

- Layers point one way: connectors → agent → tools → scheduler; only cronpilot/ (the
  composition root) knows everything.
- Nothing outside scheduler/ reaches the store (``scheduler.store``): connectors, the agent and
  the tools go through the service. The composition root (``cronpilot.wiring``, and
  ``cronpilot.doctor``, which opens the database without migrating it to diagnose it), the
  benchmarks and the tests may.
- Connectors, the agent and the tools never run an action (``scheduler.actions``) themselves.
- The scheduler never imports an LLM or chat-platform library; the tools no LLM library.
- No import cycle among the project's modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scheduler", "tools", "agent", "connectors", "cronpilot", "prompts", "bench")
LAYERS = ("scheduler", "tools", "agent", "connectors", "cronpilot")  # each may import those before it
LLM = {"langchain", "langchain_core", "langchain_openai", "langgraph", "openai"}
PLATFORMS = {"slack_bolt", "slack_sdk", "telegram", "fastapi", "supabase"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # a project module, or the top-level name of a library
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_files() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


MODULES = _project_files()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except what sits under ``if TYPE_CHECKING:`` (its ``else`` still runs)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _target(name: str) -> str:
    """The project module ``name`` means (its nearest existing module), or the library's name."""
    parts = name.split(".")
    if parts[0] not in PACKAGES:
        return parts[0]
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts)


def imports_of(module: str) -> list[Import]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, _target(alias.name), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                # ``from pkg import sub`` imports the module pkg.sub when there is one.
                whole = f"{base}.{alias.name}" if base else alias.name
                target = whole if whole in MODULES else _target(base)
                found.append(Import(module, target, node.lineno))
    return [i for i in found if i.target and i.target != module]


GRAPH: dict[str, list[Import]] = {m: imports_of(m) for m in MODULES}


def _package(module: str) -> str:
    return module.split(".")[0]


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _violations(sources: tuple[str, ...], forbidden: set[str], *, allowed: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        f"{MODULES[i.source].relative_to(ROOT)}:{i.line} imports {i.target}"
        for module, found in GRAPH.items()
        if _package(module) in sources and not any(_within(module, a) for a in allowed)
        for i in found
        if any(_within(i.target, f) for f in forbidden)
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_layers_point_one_way(layer: str) -> None:
    above = set(LAYERS[LAYERS.index(layer) + 1:])
    assert _violations((layer,), above) == []


def test_nothing_outside_the_scheduler_reaches_the_store() -> None:
    outside = tuple(p for p in PACKAGES if p not in ("scheduler", "bench"))
    assert _violations(outside, {"scheduler.store"}, allowed=("cronpilot.wiring", "cronpilot.doctor")) == []


def test_connectors_agent_and_tools_run_no_action_themselves() -> None:
    assert _violations(("connectors", "agent", "tools"), {"scheduler.actions"}) == []


def test_the_scheduler_imports_no_llm_or_chat_platform_and_the_tools_no_llm() -> None:
    assert _violations(("scheduler",), LLM | PLATFORMS) == []
    assert _violations(("tools",), LLM) == []


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, next_edge = work.pop()
            if next_edge == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for position in range(next_edge, len(edges[node])):
                child = edges[node][position]
                if child not in index:
                    work += [(node, position + 1), (child, 0)]
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def test_no_import_cycle_among_the_projects_modules() -> None:
    edges = {m: sorted({i.target for i in found if i.target in MODULES}) for m, found in GRAPH.items()}
    assert _cycles(edges) == []


def test_the_cycle_search_finds_a_cycle() -> None:
    edges = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": [], "e": ["d"]}
    assert _cycles(edges) == [["a", "b", "c"]]


def test_the_rules_see_every_package_and_lazy_imports() -> None:
    for package in PACKAGES:
        assert any(_package(m) == package for m in MODULES), package
    # A lazy import inside a function counts: the composition root builds connectors lazily.
    assert any(i.target.startswith("connectors") for i in GRAPH["cronpilot.wiring"])
    # A relative import resolves to the module it names.
    assert any(i.target == "scheduler.store.run_rows" for i in GRAPH["scheduler.store.run_store"])
