"""Reading one YAML file into plain Python values while keeping where each value came from.

PyYAML's own loaders drop source positions and silently keep the last of two equal mapping
keys. So we let libyaml (via `yaml.compose` with `CSafeLoader`) build the node tree, which is
fast and carries marks, and turn nodes into values ourselves: that is where duplicate keys are
caught. Positions are not copied into a parallel map (a few MB of widget JSON would make
that the slowest part of loading); `YamlFile.location` walks the node tree on demand, which
only happens for the few paths that an error or an object's field list needs.

Scalars follow YAML 1.1 as PyYAML does, with two exceptions that keep values "as written":
timestamps stay strings (`2024-05-01` is a date string for the API, not a `datetime.date`),
and sexagesimal numbers stay strings (`9:30` means half past nine, not the integer 570).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tkctl.config.fieldpath import FieldPath
from tkctl.errors import Location

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_constructor = yaml.constructor.SafeConstructor()


def _number(build):
    def construct(node: ScalarNode) -> Any:
        if ":" in node.value:  # YAML 1.1 base-60 ("9:30"); YAML 1.2 and users read it as text
            return node.value
        return build(node)

    return construct


_SCALARS = {
    "tag:yaml.org,2002:int": _number(_constructor.construct_yaml_int),
    "tag:yaml.org,2002:float": _number(_constructor.construct_yaml_float),
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": lambda node: None,
    _TIMESTAMP: lambda node: node.value,
}

def display_path(path: Path | str) -> str:
    """The path as users should read it: relative to the working directory when under it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def location_of_mark(file: str, mark: Any) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


@dataclass
class YamlIssue:
    """Something wrong found while reading: a message at a node (or mark) of the file."""

    message: str
    mark: Any
    node: Node | None = None  # the mapping holding a duplicate key, to name its path later
    key: str | None = None


class YamlFile:
    """One parsed file: its values (`data`), its node tree, and issues found while reading."""

    def __init__(self, path: Path, display: str, text: str, root: Node | None):
        self.path = path
        self.display = display
        self.text = text
        self.root = root
        self.issues: list[YamlIssue] = []
        self._lines: list[str] | None = None
        self.data: Any = None if root is None else self._build(root)

    # -- positions ---------------------------------------------------------------------

    def node_at(self, path: FieldPath, start: Node | None = None, start_mark: Any = None) -> tuple[Node | None, Any]:
        """The node at `path` (None if absent) and the mark best describing it.

        For a mapping entry the mark is its key's (that is where users look for a field);
        for a list item, the item's. A path that leaves the tree (e.g. a key merged in with
        `<<`) stops at the deepest node found. `start` walks from a node other than the root,
        whose own position is `start_mark` (e.g. an object's key rather than its first field).
        """
        node = self.root if start is None else start
        mark = start_mark if start_mark is not None else (node.start_mark if node is not None else None)
        for part in path:
            if isinstance(node, MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, ScalarNode) and key_node.value == part:
                        node, mark = value_node, key_node.start_mark
                        break
                else:
                    return None, mark
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                return None, mark
        return node, mark

    def location(self, path: FieldPath, start: Node | None = None, start_mark: Any = None) -> Location:
        """Location of `path`; from `start` (whose own position is `start_mark`) if given."""
        _, mark = self.node_at(path, start, start_mark)
        if mark is None:
            return Location(self.display)
        return location_of_mark(self.display, mark)

    def path_of(self, target: Node) -> FieldPath:
        """Where a node sits, by search; only used to name the place of a rare issue."""
        stack: list[tuple[Node, FieldPath]] = [(self.root, ())] if self.root is not None else []
        seen: set[int] = set()
        while stack:
            node, path = stack.pop()
            if node is target:
                return path
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, MappingNode):
                stack.extend((v, (*path, k.value)) for k, v in node.value if isinstance(k, ScalarNode))
            elif isinstance(node, SequenceNode):
                stack.extend((v, (*path, i)) for i, v in enumerate(node.value))
        return ()

    def line(self, number: int) -> str:
        """Source line `number` (1-based), for hints about what YAML did with the raw text."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    def mapping_items(self, node: Node | None) -> Iterator[tuple[ScalarNode, Node]]:
        """The (key node, value node) pairs of a mapping node, first occurrence of each key."""
        if not isinstance(node, MappingNode):
            return
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE and key_node.value not in seen:
                seen.add(key_node.value)
                yield key_node, value_node

    # -- values ------------------------------------------------------------------------

    def _build(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            if node.tag == _STR:
                return node.value
            construct = _SCALARS.get(node.tag)
            if construct is None:
                self.issues.append(YamlIssue(f"unsupported YAML tag {node.tag}", node.start_mark))
                return None
            return construct(node)
        if isinstance(node, SequenceNode):
            return [self._build(item) for item in node.value]
        if isinstance(node, MappingNode):
            return self._build_mapping(node)
        self.issues.append(YamlIssue("unsupported YAML node", node.start_mark))
        return None

    def _build_mapping(self, node: MappingNode) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_marks: dict[str, Any] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                self.issues.append(YamlIssue("a mapping key must be a plain value, not a list or mapping", key_node.start_mark))
                continue
            key = key_node.value
            if key in out:
                first = first_marks[key]
                self.issues.append(
                    YamlIssue(
                        f'duplicate key "{key}"; first defined at line {first.line + 1}, column {first.column + 1}',
                        key_node.start_mark,
                        node=node,
                        key=key,
                    )
                )
                continue
            first_marks[key] = key_node.start_mark
            out[key] = self._build(value_node)
        for merge in merges:  # `<<: *defaults` (or a list of them): explicit keys win
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode):
                    self.issues.append(YamlIssue("a merge key (<<) needs a mapping or a list of mappings", source.start_mark))
                    continue
                for key, value in self._build_mapping(source).items():
                    out.setdefault(key, value)
        return out


class YamlSyntaxError(Exception):
    """The file is not YAML at all; carries the Location and message to report."""

    def __init__(self, location: Location, message: str):
        super().__init__(message)
        self.location = location
        self.message = message


def read_yaml(path: Path, display: str | None = None) -> YamlFile:
    """Parse `path`; raise YamlSyntaxError for text that is not one YAML document."""
    display = display or display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(Location(display), f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise YamlSyntaxError(Location(display), f"cannot be read: {exc.strerror or exc}") from None
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = location_of_mark(display, mark) if mark is not None else Location(display)
        detail = exc.problem or "syntax error"
        if exc.context and detail.startswith("but "):  # "expected a single document ..., but found another"
            detail = f"{exc.context}, {detail}"
        elif exc.context:
            detail += f" ({exc.context}"
            if exc.context_mark is not None and (exc.context_mark.line, exc.context_mark.column) != (mark.line, mark.column):
                detail += f" at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
            detail += ")"
        raise YamlSyntaxError(location, f"invalid YAML: {detail}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Location(display), f"invalid YAML: {exc}") from None
    try:
        return YamlFile(path, display, text, root)
    except RecursionError:
        raise YamlSyntaxError(Location(display), "invalid YAML: an alias refers to itself (or nesting is too deep)") from None
