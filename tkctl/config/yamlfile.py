"""Reading one YAML file into plain Python values while keeping where each value came from.

PyYAML's own loaders drop source positions and silently keep the last of two equal mapping
keys. So we let libyaml (via `yaml.compose` with `CSafeLoader`) build the node tree, which is
fast and carries marks, and turn nodes into values ourselves: that is where duplicate keys are
caught. Positions are not copied into a parallel map (a few MB of widget JSON would make
that the slowest part of loading); `YamlFile.location` walks the node tree on demand, which
only happens for the few paths that an error or an object's field list needs.

An alias (`*hours`) gives the value its anchor built, as PyYAML's own constructor does: the
objects that share a constraint list hold one list, not a copy each (see `_shared_size`).
And every string value is interned: a config repeats a few time zones, calendar names, tags
and colours thousands of times, and keeps one string of each instead of one per use (so do
the config cache's entries, pickled with it). With the shared lists, that took a
20,000-resource plan's peak from 536-540 MB to 459-466 MB.

Scalars follow YAML 1.1 as PyYAML does, with two exceptions that keep values "as written":
timestamps stay strings (`2024-05-01` is a date string for the API, not a `datetime.date`),
and sexagesimal numbers stay strings (`9:30` means half past nine, not the integer 570).

A config may come from a stranger's pull request, so reading is bounded: files are read
through `safefile` (regular files, size cap), values nest at most `MAX_DEPTH` levels, aliases
may not blow the document up (a "billion laughs" file expands a few lines into billions of
values), and numbers JSON cannot carry (`.nan`, `.inf`, integers of thousands of digits) are
reported where they stand instead of failing somewhere downstream.
"""

from __future__ import annotations

import math
import os
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from sys import intern
from typing import Any, Iterator, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tkctl.config.fieldpath import FieldPath
from tkctl.config.safefile import MAX_YAML_FILE_BYTES, FileRefused, read_text
from tkctl.errors import Location

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NUMBERS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Where the parts of a text made of parts of a file come from: (first line in the text, its
# line in the file), 0-based, in order. Empty: the text is the whole file.
LineMap = tuple[tuple[int, int], ...]
_IMPLICIT = {first: tuple(resolvers) for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()}


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """libyaml's safe loader, with PyYAML's tag resolution (`BaseResolver.resolve`) written
    out for what the safe loader has: implicit resolvers keyed by first character, no
    wildcard resolvers and no path resolvers (checked below; otherwise PyYAML's own runs).
    libyaml calls it for every value, which made it a tenth of the load time of a large
    config; tests/unit/config/test_config_yamlfile_speed.py holds it to PyYAML's answers."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


if _BaseLoader.yaml_path_resolvers or None in _BaseLoader.yaml_implicit_resolvers:  # pragma: no cover
    _Loader = _BaseLoader  # noqa: F811 - PyYAML changed: use its resolution as it is

_constructor = yaml.constructor.SafeConstructor()

# How deep values may nest. Real configs stay under 10 levels (a widget's localization is 5
# below the file's root); the checks after reading recurse, so this keeps them far from
# Python's recursion limit.
MAX_DEPTH = 50
# Aliases may add this many values to a file, or ALIAS_FACTOR times as many as it holds itself
# if that is more. A real config shares a constraint list or a widget block among thousands of
# objects (5,000 resources with one shared 6-rule list add ~150,000 values); a "billion laughs"
# file of a few lines adds billions, and is stopped at the first million.
ALIAS_ALLOWANCE = 1_000_000
ALIAS_FACTOR = 10


def _number(build):
    def construct(node: ScalarNode) -> Any:
        if ":" in node.value:  # YAML 1.1 base-60 ("9:30"); YAML 1.2 and users read it as text
            return node.value
        return build(node)

    return construct


def _int(node: ScalarNode) -> Any:
    text = node.value
    if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1):
        return int(text)  # what construct_yaml_int does with plain decimal digits, quicker
    return _constructor.construct_yaml_int(node)


_SCALARS = {
    "tag:yaml.org,2002:int": _number(_int),
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
    node: Node | None = None  # the node the issue is about (for a duplicate key: its mapping)
    key: str | None = None  # the duplicate key, below `node`

    def path(self, doc: YamlFile) -> FieldPath:
        """Where the issue is, from the file's root; () when it is about no particular value."""
        if self.node is None:
            return ()
        base = doc.path_of(self.node)
        return (*base, self.key) if self.key is not None else base


class YamlFile:
    """One parsed file: its values (`data`), its node tree, and issues found while reading."""

    def __init__(self, path: Path, display: str, text: str, root: Node | None, *, build: bool = True,
                 lines: LineMap = ()):
        """`build=False` keeps only the node tree, to locate paths in a file read otherwise.
        `lines`: `text` is made of parts of the file (objects' blocks, `config/chunks.py`),
        and positions are given in the file's lines (see `LineMap`)."""
        self.path = path
        self.display = display
        self.text = text
        self.lines = lines
        self._root = root
        self._released = False
        self._objects: dict[tuple[str, str], tuple[Node, Any]] | None = None  # see location_in
        self.issues: list[YamlIssue] = []
        self._lines: list[str] | None = None
        # Alias accounting, in values (items of lists and mappings). A collection node met a
        # second time is an alias being expanded again: what is built inside such a repeat
        # counts as `_added`, the rest as `_written`. Counted while building, per collection:
        # a separate pass over the node tree cost a fifth of the load time of a large config.
        self._written = 0
        self._added = 0
        self._repeating = 0
        self._seen: dict[int, Any] = {}  # id of each collection built so far -> the value built
        self._open: set[int] = set()  # ids of the collections being built: an alias cycle repeats one
        self._sizes: dict[int, tuple[int, int]] = {}  # see `_expansion`
        self.data: Any = self._build(root, 0) if root is not None and build else None

    @property
    def aliased(self) -> int:
        """How many values aliases added to the file (counted against ALIAS_ALLOWANCE)."""
        return self._added

    @property
    def root(self) -> Node | None:
        """The node tree; composed again from the text if `release` dropped it."""
        if self._released:
            self._root = _compose(self.text, self.lines)
            self._released = False
        return self._root

    def release(self) -> None:
        """Drop the node tree once the file is read: it is ten times the size of the text, and
        only a problem found later (a dangling reference, a duplicate slug) needs positions
        again, which `root` then recomposes (the same text gives the same tree)."""
        self._root = None
        self._released = True
        self._seen = {}
        self._sizes = {}
        self._objects = None

    def location_in(self, section: str, key: str, path: FieldPath) -> Location:
        """`location((section, key, *path))`, without scanning the section for `key` each time."""
        if self._released or self._objects is None:
            self._objects = {}
            root = self.root
            for name, section_node in self._first_keys(root).items():
                for key_name, pair in self._first_keys(section_node[0]).items():
                    self._objects[(name, key_name)] = pair
        found = self._objects.get((section, key))
        if found is None:
            return self.location((section, key, *path))
        return self.location(path, *found)

    @staticmethod
    def _first_keys(node: Node | None) -> dict[str, tuple[Node, Any]]:
        """key -> (value node, key's mark) of a mapping, first occurrence (as node_at finds it)."""
        out: dict[str, tuple[Node, Any]] = {}
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value not in out:
                    out[key_node.value] = (value_node, key_node.start_mark)
        return out

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
        if self.lines:
            number = _text_line(number - 1, self.lines) + 1
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

    def _build(self, node: Node, depth: int) -> Any:
        if isinstance(node, ScalarNode):
            if node.tag == _STR:
                return intern(node.value)
            construct = _SCALARS.get(node.tag)
            if construct is None:
                self.issues.append(YamlIssue(f"unsupported YAML tag {node.tag}", node.start_mark))
                return None
            return self._number(node, construct) if node.tag in _NUMBERS else construct(node)
        if not isinstance(node, (SequenceNode, MappingNode)):
            self.issues.append(YamlIssue("unsupported YAML node", node.start_mark))
            return None
        if depth >= MAX_DEPTH:
            raise _Refused(node, f"values are nested more than {MAX_DEPTH} levels deep; tkctl refuses deeper nesting")
        key = id(node)
        if key in self._open:
            raise _Refused(node, "invalid YAML: an alias refers to a value that contains it, so the value never ends")
        repeat = key in self._seen
        if repeat and (added := self._shared_size(node, depth)) is not None:
            self._added += added
            return self._seen[key]
        if repeat or self._repeating:
            self._added += len(node.value)
            if self._added > max(ALIAS_ALLOWANCE, ALIAS_FACTOR * self._written):
                raise _Refused(
                    node,
                    "YAML aliases (*name) expand this file to far more values than it holds; refusing to "
                    "expand it further (an alias bomb?). Repeat fewer nested aliases",
                )
        else:
            self._written += len(node.value)
        if repeat:
            self._repeating += 1
        else:
            self._seen[key] = None
        self._open.add(key)
        try:
            if isinstance(node, SequenceNode):
                # A plain string (most values) is taken as it is (interned), without a call of _build.
                value: Any = [intern(item.value) if item.tag == _STR and item.__class__ is ScalarNode
                              else self._build(item, depth + 1) for item in node.value]
            else:
                value = self._build_mapping(node, depth)
            if not repeat:
                self._seen[key] = value
            return value
        finally:
            self._open.discard(key)
            if repeat:
                self._repeating -= 1

    def _shared_size(self, node: Node, depth: int) -> int | None:
        """For an alias of `node` met again at `depth`: the values its expansion adds, when it
        may take the value built the first time instead of a copy built again (None: build
        it again). It may whenever building the copy would report nothing.

        A config that shares a constraint list among 20,000 resources (PyYAML's dumper writes
        it once and aliases it) held 20 MB of copies, and building them made that file's read
        0.17 s longer. Building again is what finds a problem: in a file with an issue so far
        (the value may repeat it), for an alias that nests values past MAX_DEPTH or expands
        the file past its allowance; so then it is built again, and each problem is reported
        where and as it always was. Values are never changed in place after loading (what a
        plan alters it copies, as `core/ignore.py` does), so objects may share them, as they
        share a variable's value (`config/variables.py`)."""
        if self.issues:
            return None
        added, levels = self._expansion(node)
        if depth + levels >= MAX_DEPTH or self._added + added > max(ALIAS_ALLOWANCE, ALIAS_FACTOR * self._written):
            return None
        return added

    def _expansion(self, node: Node) -> tuple[int, int]:
        """(values, levels) that building collection `node` again adds to `_added` and nests
        below its own level, walked as `_build` walks it (merge sources at the mapping's own
        level; a merge source that is no mapping is skipped, as `_build_mapping` skips it),
        once per node."""
        key = id(node)
        known = self._sizes.get(key)
        if known is not None:
            return known
        added, levels = len(node.value), 0
        if isinstance(node, SequenceNode):
            children, sources = node.value, []
        else:
            children, sources = [], []
            for key_node, value_node in node.value:
                if key_node.tag != _MERGE:
                    children.append(value_node)
                else:
                    sources.extend(source for source in (value_node.value if isinstance(value_node, SequenceNode)
                                                         else [value_node]) if isinstance(source, MappingNode))
        for child in children:
            if isinstance(child, (SequenceNode, MappingNode)):
                more, deeper = self._expansion(child)
                added, levels = added + more, max(levels, deeper + 1)
        for source in sources:
            more, deeper = self._expansion(source)
            added, levels = added + more, max(levels, deeper)
        self._sizes[key] = added, levels
        return added, levels

    def _number(self, node: ScalarNode, construct: Any) -> Any:
        try:
            value = construct(node)
        except ValueError:  # an integer of more digits than Python converts (4,300)
            self.issues.append(YamlIssue(f"a number of {len(node.value):,} digits is far too large for Timekit", node.start_mark, node))
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.issues.append(
                YamlIssue(f"{node.value} is not a finite number; JSON and Timekit take only finite numbers", node.start_mark, node)
            )
        return value

    def _build_mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                self.issues.append(YamlIssue("a mapping key must be a plain value, not a list or mapping", key_node.start_mark))
                continue
            key = intern(key_node.value)  # one string per key name, however many objects use it
            if key in out:
                first = _first_key_mark(node, key)
                self.issues.append(
                    YamlIssue(
                        f'duplicate key "{key}"; first defined at line {first.line + 1}, column {first.column + 1}',
                        key_node.start_mark,
                        node=node,
                        key=key,
                    )
                )
                continue
            # A plain string (most values) is taken as it is (interned), without a call of _build.
            out[key] = (intern(value_node.value) if value_node.tag == _STR and value_node.__class__ is ScalarNode
                        else self._build(value_node, depth + 1))
        for merge in merges:  # `<<: *defaults` (or a list of them): explicit keys win
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode):
                    self.issues.append(YamlIssue("a merge key (<<) needs a mapping or a list of mappings", source.start_mark))
                    continue
                for key, value in self._build(source, depth).items():
                    out.setdefault(key, value)
        return out


def _first_key_mark(node: MappingNode, key: str) -> Any:
    """Where `key` is first written in a mapping (the one `_build_mapping` kept)."""
    return next(k.start_mark for k, _ in node.value if k.tag != _MERGE and isinstance(k, ScalarNode) and k.value == key)


class _Refused(Exception):
    """Reading stopped at `node`: the file is too big once expanded, or nests too deep."""

    def __init__(self, node: Node, message: str):
        super().__init__(message)
        self.node = node
        self.message = message


class YamlSyntaxError(Exception):
    """The file cannot be used at all; carries the Location and message to report, and the
    path of the value where reading stopped, when there is one."""

    def __init__(self, location: Location, message: str, path: FieldPath = ()):
        super().__init__(message)
        self.location = location
        self.message = message
        self.path = path


def read_yaml(path: Path, display: str | None = None, *, inside: Path | None = None, allow_outside: bool = False) -> YamlFile:
    """Parse `path`; raise YamlSyntaxError for a file that cannot be read or is not one YAML document.

    `inside` / `allow_outside`: see `safefile.read_text`.
    """
    display = display or display_path(path)
    return parse_yaml(path, display, read_yaml_text(path, display, inside=inside, allow_outside=allow_outside))


def read_yaml_text(path: Path, display: str, *, inside: Path | None = None, allow_outside: bool = False) -> str:
    """The text of a YAML file (`safefile.read_text`); YamlSyntaxError when it cannot be read."""
    try:
        return read_text(path, limit=MAX_YAML_FILE_BYTES, inside=inside, allow_outside=allow_outside)
    except FileRefused as exc:
        raise YamlSyntaxError(Location(display), f"cannot be read: {exc.reason}") from None


def parse_yaml(path: Path, display: str, text: str, *, lines: LineMap = ()) -> YamlFile:
    """Parse the text of `path` (or of parts of it, placed by `lines`); raise YamlSyntaxError
    for text that is not one YAML document."""
    try:
        root = _compose(text, lines)
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
        return YamlFile(path, display, text, root, lines=lines)
    except _Refused as exc:
        where = YamlFile(path, display, text, root, build=False, lines=lines).path_of(exc.node)
        raise YamlSyntaxError(location_of_mark(display, exc.node.start_mark), exc.message, where) from None


class _Mark(NamedTuple):
    """A position moved to the file's lines (libyaml's own marks are read-only)."""

    line: int
    column: int


def _file_line(line: int, lines: LineMap) -> int:
    """The file's line (0-based) of `line` of a text made of parts of the file."""
    first, placed = lines[bisect_right(lines, (line, math.inf)) - 1]
    return placed + line - first


def _text_line(line: int, lines: LineMap) -> int:
    """The text's line (0-based) of the file's `line`, when a part of the text holds it."""
    for first, placed in reversed(lines):
        if placed <= line:
            return first + line - placed
    return -1


def parse_events(text: str) -> Iterator[Any]:
    """libyaml's parse events of `text` (anchors and their marks: `config/blocks.py`)."""
    return yaml.parse(text, Loader=_Loader)


def _compose(text: str, lines: LineMap = ()) -> Node | None:
    """libyaml's node tree of `text`, positions placed in the file's lines by `lines`."""
    root = yaml.compose(text, Loader=_Loader)
    if lines and root is not None:
        stack, seen = [root], set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            start, end = node.start_mark, node.end_mark
            node.start_mark = _Mark(_file_line(start.line, lines), start.column)
            node.end_mark = _Mark(_file_line(end.line, lines), end.column)
            if isinstance(node, MappingNode):
                stack.extend(n for pair in node.value for n in pair)
            elif isinstance(node, SequenceNode):
                stack.extend(node.value)
    return root
