"""`tkctl graph`: the config's dependency graph as DOT (parsed by pydot's DOT grammar) and as
Mermaid (checked line by line against the flowchart syntax it uses); offline, deterministic,
with hostile names escaped."""

from __future__ import annotations

import re
import shutil
import warnings

import pydot
import pytest

from tests.e2e.conftest import ROOT, write_config
from tkctl.render.values import safe

CLINIC_EDGES = {
    ("calendar.dr-jones-admin", "resource.dr-jones"), ("calendar.dr-jones-clinic", "resource.dr-jones"),
    ("calendar.dr-patel-video", "resource.dr-patel"), ("calendar.dr-smith-clinic", "resource.dr-smith"),
    ("calendar.nurse-berg-phone", "resource.nurse-berg"),
    ("calendar.physio-hansen-home-visits", "resource.physio-hansen"),
    ("calendar.physio-hansen-sessions", "resource.physio-hansen"),
    ("calendar.room-1-maintenance", "resource.room-1"),
    ("project.consultation", "resource.dr-jones"), ("project.consultation", "resource.dr-smith"),
    ("project.consultation", "resource.dr-patel"), ("project.minor-procedure", "resource.dr-jones"),
    ("project.minor-procedure", "resource.room-1"), ("project.physio", "resource.physio-hansen"),
}
HOSTILE = ['Quote " and back\\slash \\N', "<script>alert(1)</script> & #35; %% end",
           "bidi \u202egnp.exe\u202c and tab\there", "line\nbreak", 'mermaid"] --> x["', "caf\u00e9 \U0001f469\u200d\u2695"]


def unquote(dot_id: str) -> str:
    assert dot_id.startswith('"') and dot_id.endswith('"'), dot_id
    return re.sub(r'\\(["\\])', r"\1", dot_id[1:-1])


def parse_dot(text: str) -> pydot.Dot:
    with warnings.catch_warnings():  # pydot's grammar uses pyparsing names pyparsing now deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        graphs = pydot.graph_from_dot_data(text)
    assert graphs and len(graphs) == 1, f"not one DOT graph:\n{text}"
    return graphs[0]


def dot_graph(text: str) -> tuple[list[tuple[str, list[str]]], set[tuple[str, str]], dict[str, str]]:
    """(cluster label, its nodes) in order; edges; node -> label, from the parsed DOT."""
    graph = parse_dot(text)
    assert graph.get_type() == "digraph"
    clusters = [(unquote(s.get_label()), [unquote(n.get_name()) for n in s.get_nodes()]) for s in graph.get_subgraphs()]
    labels = {unquote(n.get_name()): n.get_label() for s in graph.get_subgraphs() for n in s.get_nodes()}
    edges = {(unquote(e.get_source()), unquote(e.get_destination())) for e in graph.get_edges()}
    return clusters, edges, labels


MERMAID_LINE = [
    ("comment", re.compile(r"%% [^\n{][^\n]*")),
    ("header", re.compile(r"flowchart RL")),
    ("subgraph", re.compile(r'  subgraph phase(\d)\["(\d)\. (resources|calendars|projects)"\]')),
    ("node", re.compile(r'    (n\d+)\["((?:[A-Za-z0-9 .,_:/()+-]|#\d+;|<br/>)*)"\]')),
    ("end", re.compile(r"  end")),
    ("edge", re.compile(r"  (n\d+) (-->|-\.->) (n\d+)")),
]


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]], list[str]]:
    """Check every line against the syntax the renderer may use; (id -> label text, edges, sections)."""
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    sections: list[str] = []
    depth = 0
    kinds = []
    for line in text.rstrip("\n").split("\n"):
        found = next(((kind, m) for kind, pattern in MERMAID_LINE if (m := pattern.fullmatch(line))), None)
        assert found, f"not a line of a Mermaid flowchart: {line!r}"
        kind, m = found
        kinds.append(kind)
        if kind == "subgraph":
            assert depth == 0 and m[1] == m[2]
            depth += 1
            sections.append(m[3])
        elif kind == "end":
            assert depth == 1
            depth -= 1
        elif kind == "node":
            assert depth == 1 and m[1] not in nodes
            nodes[m[1]] = re.sub(r"#(\d+);", lambda e: chr(int(e[1])), m[2].replace("<br/>", "\n"))
        elif kind == "edge":
            assert depth == 0 and m[1] in nodes and m[3] in nodes, line
            edges.append((nodes[m[1]].split("\n")[0], m[2], nodes[m[3]].split("\n")[0]))
    assert depth == 0 and kinds[:2] == ["comment", "header"]
    return nodes, edges, sections


@pytest.fixture
def offline(monkeypatch):
    """No token, no API URL: a command that tried to reach an account would fail."""
    monkeypatch.delenv("TIMEKIT_APP_TOKEN", raising=False)
    monkeypatch.delenv("TIMEKIT_API_URL", raising=False)


def test_dot_of_the_clinic(tk, offline):
    r = tk("graph", ROOT / "examples" / "clinic")
    assert r.code == 0, r.err
    clusters, edges, labels = dot_graph(r.out)
    assert [c[0] for c in clusters] == ["1. resources", "2. calendars", "3. projects"]
    assert clusters[0][1] == ["resource.dr-jones", "resource.dr-patel", "resource.dr-smith", "resource.gym",
                              "resource.nurse-berg", "resource.physio-hansen", "resource.room-1"]
    assert clusters[2][1] == ["project.consultation", "project.minor-procedure", "project.physio"]
    assert edges == CLINIC_EDGES
    assert labels["resource.dr-jones"] == '"resource.dr-jones\\nDr. Anna Jones"'
    assert r.out == tk("graph", ROOT / "examples" / "clinic", "--format", "dot").out  # deterministic, dot default


def test_mermaid_of_the_clinic(tk, offline):
    r = tk("graph", ROOT / "examples" / "clinic", "--format", "mermaid")
    assert r.code == 0, r.err
    nodes, edges, sections = parse_mermaid(r.out)
    assert sections == ["resources", "calendars", "projects"]
    assert len(nodes) == 18
    assert {(a, b) for a, _, b in edges} == CLINIC_EDGES
    assert {arrow for a, arrow, _ in edges if a.startswith("project.")} == {"-.->"}  # members dashed
    assert {arrow for a, arrow, _ in edges if a.startswith("calendar.")} == {"-->"}
    assert nodes["n1"] == "resource.dr-jones\nDr. Anna Jones"


def test_an_environment_graphs_its_own_objects(tk, offline, tmp_path):
    shutil.copytree(ROOT / "examples" / "clinic-environments", tmp_path / "cfg", ignore=shutil.ignore_patterns(".tkctl"))
    staging = tk("graph", tmp_path / "cfg", "--env", "staging")
    production = tk("graph", tmp_path / "cfg", "--env", "production")
    assert staging.code == production.code == 0, staging.err + production.err
    assert "(environment staging)" in staging.out.splitlines()[0]
    nodes = {env: {n for _, names in dot_graph(r.out)[0] for n in names} for env, r in
             (("staging", staging), ("production", production))}
    assert nodes["staging"] != nodes["production"]  # some objects exist in one environment only
    missing = tk("graph", tmp_path / "cfg")
    assert missing.code == 1 and "--env" in missing.err


def test_hostile_names_are_escaped_in_both_formats(tk, offline, tmp_path):
    resources = {f"r{i}": {"name": name, "timezone": "UTC"} for i, name in enumerate(HOSTILE)}
    projects = {"p": {"name": HOSTILE[0], "resources": list(resources)}}
    cfg = write_config(tmp_path / 'odd "dir"', resources, projects=projects)
    dot = tk("graph", cfg)
    assert dot.code == 0, dot.err
    clusters, edges, labels = dot_graph(dot.out)
    assert len(edges) == len(HOSTILE)
    for i, name in enumerate(HOSTILE):
        shown = unquote(labels[f"resource.r{i}"])
        # The separator is Graphviz's own `\n`; the name's `\` and `"` came back from their escapes.
        assert shown == f"resource.r{i}\\n{safe(name)}", shown
    assert "\u202e" not in dot.out and "\t" not in dot.out
    mermaid = tk("graph", cfg, "--format", "mermaid")
    nodes, edges, _ = parse_mermaid(mermaid.out)
    for i, name in enumerate(HOSTILE):
        assert nodes[f"n{i + 1}"] == f"resource.r{i}\n{safe(name)}"
    assert len(edges) == len(HOSTILE)


def test_a_bad_config_is_reported_not_graphed(tk, offline, tmp_path):
    cfg = write_config(tmp_path / "cfg", {"r": {"name": "R", "timezone": "UTC"}},
                       projects={"p": {"name": "P", "resources": ["nobody"]}})
    r = tk("graph", cfg)
    assert r.code == 1 and r.out == ""
    assert 'refers to resource "nobody"' in r.err or "nobody" in r.err
