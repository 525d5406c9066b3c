"""core/graph.py: nodes in apply's order, one edge per reference, deterministic."""

from __future__ import annotations

from tkctl.core.graph import Edge, dependency_graph
from tkctl.core.model import DesiredObject, DesiredState


def state(*objects: DesiredObject) -> DesiredState:
    desired = DesiredState()
    for obj in objects:
        desired.add(obj)
    return desired


def obj(kind: str, key: str, name: str | None = None, **refs) -> DesiredObject:
    return DesiredObject(kind, key, {"name": name} if name is not None else {}, refs)


def test_nodes_follow_the_write_phases_then_keys():
    graph = dependency_graph(state(
        obj("project", "a", "P"), obj("calendar", "c", "C", resource="z"), obj("resource", "z", "Z"),
        obj("resource", "b"),
    ))
    assert [(n.address, n.phase, n.name) for n in graph.nodes] == [
        ("resource.b", 1, None), ("resource.z", 1, "Z"), ("calendar.c", 2, "C"), ("project.a", 3, "P")]
    assert [(phase, kind, [n.key for n in nodes]) for phase, kind, nodes in graph.phases()] == [
        (1, "resource", ["b", "z"]), (2, "calendar", ["c"]), (3, "project", ["a"])]


def test_edges_point_at_what_an_object_needs_once_each():
    graph = dependency_graph(state(
        obj("resource", "r1"), obj("resource", "r2"),
        obj("calendar", "c", resource="r2"),
        obj("project", "p", resources=["r2", "r1", "r2"]),
        obj("project", "lonely"),
    ))
    assert graph.edges == (
        Edge("calendar.c", "resource.r2", "resource"),
        Edge("project.p", "resource.r2", "member"), Edge("project.p", "resource.r1", "member"),
    )


def test_an_empty_config_is_an_empty_graph():
    graph = dependency_graph(DesiredState())
    assert graph.nodes == () and graph.edges == () and graph.phases() == []


def test_a_name_that_is_not_text_is_left_out():
    (node,) = dependency_graph(state(DesiredObject("resource", "r", {"name": 42}))).nodes
    assert node.name is None
