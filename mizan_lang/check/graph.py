"""Cycle finding for the small reference graphs the checker builds."""

from __future__ import annotations

from collections.abc import Hashable


def strongly_connected(graph: dict[Hashable, list[Hashable]]) -> dict[Hashable, int]:
    """Map each node to the id of its strongly connected component (Tarjan).

    Iterative, so a long chain of references cannot exhaust the stack.
    """
    index: dict[Hashable, int] = {}
    low: dict[Hashable, int] = {}
    component: dict[Hashable, int] = {}
    stack: list[Hashable] = []
    on_stack: set[Hashable] = set()
    counter = 0
    for root in sorted(graph, key=repr):
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
    return component


def in_cycle(graph: dict[Hashable, list[Hashable]], source: Hashable, target: Hashable,
             component: dict[Hashable, int]) -> bool:
    """Is the edge source -> target part of a cycle?"""
    return source == target or (
        source in component and component.get(source) == component.get(target)
    )


def path_between(graph: dict[Hashable, list[Hashable]], start: Hashable,
                 goal: Hashable) -> list[Hashable]:
    """A shortest path start -> ... -> goal (breadth first, children in order)."""
    previous: dict[Hashable, Hashable | None] = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            break
        for child in graph.get(node, ()):
            if child not in previous:
                previous[child] = node
                queue.append(child)
    if goal not in previous:
        return []
    path = [goal]
    while previous[path[-1]] is not None:
        path.append(previous[path[-1]])
    return path[::-1]
