"""The dependency graph (`core/graph.py`) as Graphviz DOT or a Mermaid flowchart.

Both draw one box per object, grouped by apply's phases (1. resources, 2. calendars,
3. projects), and an arrow A -> B for "A needs B": a calendar points at its resource, a
project at each member resource (dashed). The output is deterministic, so it can be committed
and diffed.

Names are the user's free text, so they are escaped for each language: control characters
and bidi overrides first become visible `\\uXXXX` escapes (`values.safe`), then
- DOT: every id and label is a double-quoted string with `\\` and `"` escaped (a backslash
  would otherwise start one of Graphviz's label escapes such as `\\N`);
- Mermaid: ids are generated (`n1`, `n2`, ...) and labels are quoted, with every character
  outside a small plain set written as Mermaid's entity code `#NNN;`.
"""

from __future__ import annotations

import re
from typing import TextIO

from tkctl.core.graph import Graph, Node
from tkctl.render.values import safe

GRAPH_FORMATS = ("dot", "mermaid")
SECTION = {"resource": "resources", "calendar": "calendars", "project": "projects"}
LEGEND = "An arrow A -> B means A needs B: apply creates B first and deletes it last."


def _dot_string(text: str) -> str:
    return '"' + safe(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_label(node: Node) -> str:
    # Joined after escaping, so the line break is Graphviz's `\n`, not a character of the name.
    lines = [node.address] + ([node.name] if node.name else [])
    return '"' + "\\n".join(_dot_string(line)[1:-1] for line in lines) + '"'


def render_dot(graph: Graph, out: TextIO, *, title: str) -> None:
    lines = [
        f"// tkctl graph of {safe(title)}. {LEGEND}",
        "digraph tkctl {",
        "  rankdir=RL;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
    ]
    for phase, kind, nodes in graph.phases():
        lines += [f"  subgraph cluster_{phase} {{", f"    label={_dot_string(f'{phase}. {SECTION[kind]}')};"]
        lines += [f"    {_dot_string(n.address)} [label={_dot_label(n)}];" for n in nodes]
        lines.append("  }")
    for edge in graph.edges:
        style = " [style=dashed]" if edge.label == "member" else ""
        lines.append(f"  {_dot_string(edge.source)} -> {_dot_string(edge.target)}{style};")
    lines.append("}")
    out.write("\n".join(lines) + "\n")


_MERMAID_PLAIN = re.compile(r"[A-Za-z0-9 .,_:/()+-]")


def _mermaid_text(text: str) -> str:
    return "".join(c if _MERMAID_PLAIN.fullmatch(c) else f"#{ord(c)};" for c in safe(text))


def render_mermaid(graph: Graph, out: TextIO, *, title: str) -> None:
    ids = {node.address: f"n{i}" for i, node in enumerate(graph.nodes, start=1)}
    lines = [f"%% tkctl graph of {safe(title)}. {LEGEND}", "flowchart RL"]
    for phase, kind, nodes in graph.phases():
        lines.append(f'  subgraph phase{phase}["{phase}. {SECTION[kind]}"]')
        for n in nodes:
            label = "<br/>".join(_mermaid_text(line) for line in [n.address] + ([n.name] if n.name else []))
            lines.append(f'    {ids[n.address]}["{label}"]')
        lines.append("  end")
    for edge in graph.edges:
        arrow = "-.->" if edge.label == "member" else "-->"
        lines.append(f"  {ids[edge.source]} {arrow} {ids[edge.target]}")
    out.write("\n".join(lines) + "\n")


def render_graph(fmt: str, graph: Graph, out: TextIO, *, title: str) -> None:
    if fmt == "dot":
        render_dot(graph, out, title=title)
    elif fmt == "mermaid":
        render_mermaid(graph, out, title=title)
    else:
        raise ValueError(f"unknown graph format {fmt!r}")
