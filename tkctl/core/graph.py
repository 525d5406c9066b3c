"""The dependency graph of a config: which object needs which, in apply's order.

Built from the same facts apply's order comes from: the kinds in dependency order
(`model.KINDS`), each kind's write phase (`steps.WRITE_PHASE`: resources, then calendars,
then projects; deletes run in reverse) and the references the config makes (`DesiredObject.refs`:
a calendar's resource, a project's member resources). An edge A -> B reads "A needs B", so B
is created before A and deleted after it. Pure and deterministic: nodes in apply's order
(phase, then key), edges in the order the config lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tkctl.core.model import KINDS, DesiredObject, DesiredState
from tkctl.core.steps import WRITE_PHASE, address


@dataclass(frozen=True)
class Node:
    address: str
    kind: str
    key: str
    name: str | None  # the object's `name`, when it has one: what people recognise
    phase: int


@dataclass(frozen=True)
class Edge:
    source: str  # the address that needs...
    target: str  # ...this one
    label: str  # the reference that makes the edge: "resource", "member"


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def phases(self) -> list[tuple[int, str, list[Node]]]:
        """(phase, kind, its nodes) in apply's order, kinds without objects left out."""
        out = []
        for kind in sorted(KINDS, key=WRITE_PHASE.__getitem__):
            nodes = [n for n in self.nodes if n.kind == kind]
            if nodes:
                out.append((WRITE_PHASE[kind], kind, nodes))
        return out


def _references(obj: DesiredObject) -> list[tuple[str, str]]:
    if obj.kind == "calendar" and obj.refs.get("resource"):
        return [(address("resource", obj.refs["resource"]), "resource")]
    if obj.kind == "project":
        return [(address("resource", key), "member") for key in obj.refs.get("resources") or ()]
    return []


def dependency_graph(desired: DesiredState) -> Graph:
    objects = sorted(desired, key=lambda o: (WRITE_PHASE[o.kind], o.key))
    nodes = tuple(
        Node(o.address, o.kind, o.key, o.fields.get("name") if isinstance(o.fields.get("name"), str) else None,
             WRITE_PHASE[o.kind])
        for o in objects
    )
    edges: list[Edge] = []
    seen: set[tuple[str, str]] = set()
    for obj in objects:
        for target, label in _references(obj):
            if (obj.address, target) not in seen:
                seen.add((obj.address, target))
                edges.append(Edge(obj.address, target, label))
    return Graph(nodes, tuple(edges))
