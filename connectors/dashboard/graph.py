"""A workflow's steps laid out for drawing: layers top to bottom (a step sits below everything it
waits for), steps in a layer side by side, ordered to keep arrows short. Drawn as inline SVG by
the template: no script, no layout library, and it scales down to a phone's width."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.dag import Graph

NODE_W = 150
NODE_H = 46
GAP_X = 30
GAP_Y = 56
MARGIN = 12


@dataclass(frozen=True)
class Node:
    name: str
    x: int
    y: int
    status: str
    note: str
    href: str | None


@dataclass(frozen=True)
class Arrow:
    path: str  # an SVG path from the bottom of one step to the top of the next


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    nodes: list[Node]
    arrows: list[Arrow]


def layout(graph: Graph, *, status: dict[str, str], notes: dict[str, str], links: dict[str, str]) -> Layout:
    layers = graph.layers()
    # Order each layer by the mean position of its predecessors (one downward sweep of the
    # barycentre heuristic): enough to uncross the small graphs workflows are.
    position: dict[str, float] = {}
    for layer in layers:
        def weight(step: str) -> float:
            before = [position[p] for p in graph.predecessors(step) if p in position]
            return sum(before) / len(before) if before else float(graph.steps.index(step))
        layer.sort(key=weight)
        for i, step in enumerate(layer):
            position[step] = i
    widest = max((len(layer) for layer in layers), default=1)
    width = 2 * MARGIN + widest * NODE_W + (widest - 1) * GAP_X
    height = 2 * MARGIN + len(layers) * NODE_H + max(0, len(layers) - 1) * GAP_Y
    nodes: dict[str, Node] = {}
    for depth, layer in enumerate(layers):
        row = len(layer) * NODE_W + (len(layer) - 1) * GAP_X
        left = (width - row) // 2  # each layer centred: independent branches side by side
        for i, step in enumerate(layer):
            nodes[step] = Node(name=step, x=left + i * (NODE_W + GAP_X), y=MARGIN + depth * (NODE_H + GAP_Y),
                               status=status.get(step, "none"), note=notes.get(step, ""),
                               href=links.get(step))
    arrows = []
    for a, b in graph.edges:
        if a not in nodes or b not in nodes:
            continue
        start, end = nodes[a], nodes[b]
        x1, y1 = start.x + NODE_W // 2, start.y + NODE_H
        x2, y2 = end.x + NODE_W // 2, end.y - 4
        mid = (y1 + y2) // 2
        arrows.append(Arrow(path=f"M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}"))
    return Layout(width=width, height=height, nodes=[nodes[s] for s in graph.steps if s in nodes], arrows=arrows)
