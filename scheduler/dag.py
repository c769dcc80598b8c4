"""Workflow graphs: their shape, a run's overall status, drawings for chat (text) and the web
(Mermaid), and the cycle search every graph edit is checked with. Names are data: the Mermaid
drawing quotes and strips them so a task name can't inject directives (``click``, links)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .models import RunStatus


@dataclass
class Graph:
    """Steps (short names, in creation order) and arrows between them."""

    steps: list[str]
    edges: list[tuple[str, str]] = field(default_factory=list)

    def predecessors(self, step: str) -> list[str]:
        return [a for a, b in self.edges if b == step]

    def successors(self, step: str) -> list[str]:
        return [b for a, b in self.edges if a == step]

    def roots(self) -> list[str]:
        targets = {b for _, b in self.edges}
        return [s for s in self.steps if s not in targets]

    def layers(self) -> list[list[str]]:
        """Steps grouped by longest distance from a root (Kahn's order, iterative)."""
        depth = {s: 0 for s in self.steps}
        indegree = {s: len(self.predecessors(s)) for s in self.steps}
        ready = [s for s in self.steps if indegree[s] == 0]
        while ready:
            step = ready.pop(0)
            for nxt in self.successors(step):
                depth[nxt] = max(depth[nxt], depth[step] + 1)
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    ready.append(nxt)
        layers: list[list[str]] = []
        for step in self.steps:
            while len(layers) <= depth[step]:
                layers.append([])
            layers[depth[step]].append(step)
        return layers


def workflow_status(statuses: Sequence[RunStatus]) -> str:
    """completed (every step completed), failed (none did), partial (some did); running while any
    step is pending or running."""
    if any(s in (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.RETRYING) for s in statuses):
        return "running"
    done = [s == RunStatus.COMPLETED for s in statuses]
    if done and all(done):
        return "completed"
    return "partial" if any(done) else "failed"


_MARK = {"completed": "✓", "failed": "✗", "skipped": "–", "running": "…", "pending": "…",
         "retrying": "↻", "cancelled": "⊘"}


def render_text(graph: Graph, status: Mapping[str, str] | None = None) -> str:
    """Arrows in layers, readable in a monospace block:

        gather ✓
          → summarize ✓
            → email ✗
    """
    status = status or {}
    lines = []
    for depth, layer in enumerate(graph.layers()):
        for step in layer:
            after = graph.predecessors(step)
            mark = f" {_MARK.get(status.get(step, ''), '')} {status[step]}" if step in status else ""
            arrow = "→ " if depth else ""
            waits = f"   (after {', '.join(after)})" if len(after) > 1 else ""
            lines.append(f"{'  ' * depth}{arrow}{step}{mark}{waits}")
    return "\n".join(lines)


def _mermaid_label(text: str) -> str:
    return re.sub(r'["`<>{}\[\]|;\n\r]', " ", text).strip() or "step"


def render_mermaid(graph: Graph, status: Mapping[str, str] | None = None) -> str:
    status = status or {}
    ids = {step: f"s{i}" for i, step in enumerate(graph.steps)}
    lines = ["flowchart TD"]
    for step in graph.steps:
        suffix = f" ({status[step]})" if step in status else ""
        lines.append(f'    {ids[step]}["{_mermaid_label(step + suffix)}"]')
    for a, b in graph.edges:
        lines.append(f"    {ids[a]} --> {ids[b]}")
    return "\n".join(lines)


def find_cycle(edges: Iterable[tuple[int, int]], start: int) -> list[int] | None:
    """A path start → … → start in the directed graph, or None. Iterative: graphs may be deep."""
    graph: dict[int, list[int]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    parent: dict[int, int] = {}
    stack = [start]
    seen = {start}
    while stack:
        node = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt not in seen:
                seen.add(nxt)
                parent[nxt] = node
                stack.append(nxt)
    return None
