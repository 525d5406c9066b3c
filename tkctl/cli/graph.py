"""`tkctl graph [DIR]`: the config's dependency graph, as Graphviz DOT or Mermaid. Offline."""

from __future__ import annotations

import sys

import click

from tkctl.cli import options
from tkctl.core.graph import dependency_graph
from tkctl.render.graph import GRAPH_FORMATS, render_graph
from tkctl.workspace import open_workspace


@click.command(name="graph")
@options.config_dir
@options.env
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default="dot", show_default=True,
              help="dot for Graphviz (`| dot -Tsvg > graph.svg`), mermaid for Markdown that GitHub draws.")
def command(config_dir: str, env: str | None, fmt: str) -> int:
    """Print the dependency graph of CONFIG_DIR (default: .): resources, calendars and projects,
    an arrow from each object to what it needs, grouped in the order apply writes them.

    Reads only the files: no token, no network, no state."""
    workspace = open_workspace(config_dir, env=env, warn=options.warn)
    title = workspace.display_dir + (f" (environment {workspace.environment})" if workspace.environment else "")
    render_graph(fmt, dependency_graph(workspace.desired), sys.stdout, title=title)
    return 0
