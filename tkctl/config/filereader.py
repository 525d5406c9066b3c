"""Reading one object file: its objects, each checked on its own, and the file's problems and warnings.

`config/loader.py` reads a config folder file by file with a `FileReader` and then checks
what looks across files (unique keys, references); the reader owns everything that one file
decides alone: parsing (or taking an unchanged file or block from the config cache's entry,
`config/reuse.py`), the schema, each object's own checks (time zones, constraints, widget
config, a `ui_file`), the environment an object belongs to, and what the cache keeps of the
file. A forked child reads some files with a twin of the reader (`config/twocores.py`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from sys import intern
from typing import Any, Mapping

from yaml.nodes import Node

from tkctl.config.availability import availability_issues
from tkctl.config.blocks import index_blocks, index_known, read_blocks, read_grouped
from tkctl.config.cache import ReaderInputs, file_record
from tkctl.config.chunks import split_objects
from tkctl.config.constraints import constraint_issues, constraint_warnings, timezone_issues
from tkctl.config.expectations import read_tests
from tkctl.config.fieldpath import FieldPath, describe, format_path
from tkctl.config.references import Entry
from tkctl.config.reuse import FileIndex, ObjectRead, Previous, Reread, reused
from tkctl.config.schema import SchemaIssue, check_schema, describe_value, did_you_mean, load_schema
from tkctl.config.twocores import FileRead
from tkctl.config.uifile import UiFileCache, content_issues, read_ui_file
from tkctl.config.variables import may_reference, substitute, uses_variables
from tkctl.config.widget import customer_field_warnings, widget_issues
from tkctl.config.yamlfile import YamlFile, YamlSyntaxError, display_path, location_of_mark, parse_yaml, read_yaml_text
from tkctl.core.expect import AvailabilityTest
from tkctl.core.model import KIND_OF_SECTION, DesiredObject, FieldLocations
from tkctl.core.normalize import MANAGED_FIELDS
from tkctl.errors import Location, Problem

# Keys of an object that are tkctl's own, never sent to Timekit.
TKCTL_ONLY = ("lifecycle", "environments")
RESERVED_META_KEY = "tkctl_key"
_NO_WARNINGS: list[Problem] = []  # shared by the objects that have none: never added to
# Fields that name other objects by key: kept in DesiredObject.refs, not in fields.
_REF_FIELDS = {"resource": (), "calendar": ("resource",), "project": ("resources",)}


@lru_cache(maxsize=1)
def _key_pattern() -> re.Pattern[str]:
    return re.compile(load_schema("config")["$defs"]["key"]["pattern"])


def _valid_key(key: str) -> bool:
    return _key_pattern().match(key) is not None


# A file first read is parsed a group of blocks at a time from this size (`blocks.read_grouped`):
# a whole 5 MB file's node tree took over 100 MB.
GROUPED_CHARS = 2 << 20
# What FileReader.read adds to, besides the widget files it reads (`ui_cache`).
_GATHERED = ("files", "problems", "warnings", "moves", "tests", "file_reads")


class FileReader:
    """Reads object files one by one, collecting their problems and warnings."""

    def __init__(self, root: Path, inputs: ReaderInputs, *, index: bool = False, previous: Previous | None = None):
        """`index`: keep what each file gave, for the config cache; `previous`: a cache entry
        to take unchanged files and blocks from."""
        self.root = root
        self.allow_outside = inputs.allow_outside
        self.variables = inputs.variables
        self.environment = inputs.environment
        self.environments = inputs.environments
        self.ui_cache: UiFileCache = {}
        self.files: list[tuple[str, str, str]] = []  # each file read: config/cache.py `file_record`
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.moves: list[tuple[str, str, Location]] = []  # (old address, new address, where)
        self.tests: list[AvailabilityTest] = []
        self.index = index
        self.previous = previous
        self.inputs = inputs
        self.file_reads: list[FileIndex] = []  # what each file gave, `objects` as ObjectReads

    def twin(self) -> FileReader:
        """A reader with the same inputs that has read nothing yet."""
        return FileReader(self.root, self.inputs, index=self.index, previous=self.previous)

    def read_apart(self, path: Path) -> FileRead:
        """`read(path)`, with everything it added to this reader, for another reader to `take`."""
        marks = [len(getattr(self, name)) for name in _GATHERED]
        known = len(self.ui_cache)  # a dict: what this read added comes last
        reads = self.read(path)
        gathered = [getattr(self, name)[mark:] for name, mark in zip(_GATHERED, marks, strict=True)]
        return FileRead(reads, gathered, list(self.ui_cache.items())[known:])

    def take(self, file_read: FileRead) -> list[ObjectRead]:
        """What `read_apart` gave, as if this reader had read the file itself."""
        for name, items in zip(_GATHERED, file_read.gathered, strict=True):
            getattr(self, name).extend(items)
        for path, ui in file_read.ui_files:
            if self.ui_cache.setdefault(path, ui).text != ui.text:
                raise Reread()  # the widget file changed between two reads of it
        return file_read.reads

    def read(self, path: Path) -> list[ObjectRead]:
        """Each well-formed object of the file (from the previous entry where it can)."""
        display = display_path(path)
        try:
            text = read_yaml_text(path, display, inside=self.root, allow_outside=self.allow_outside)
        except YamlSyntaxError as exc:
            self._unreadable(exc)
            return []
        self.files.append(file_record(path, text))
        digest = self.files[-1][2]
        known = self.previous.files.get(str(path)) if self.previous is not None else None
        if known is not None and known.digest == digest and known.reusable:
            reads = [reused(o, self.previous.objects, display, o.line) for o in known.objects]  # type: ignore[union-attr]
            self.moves.extend(known.moves)
            self.tests.extend(known.tests)
            return self.took(str(path), digest, known.split, reads, known.warnings, known.moves, known.tests,
                             known.added, known.text)
        chunks = None
        if known is None and len(text) >= GROUPED_CHARS:  # a large file first read: a group of blocks at a time
            grouped = self._read_grouped(path, display, text)
            if grouped is not None:
                reads, added = grouped
                return self.took(str(path), digest, False, reads, [], [], [], added, text)
        if known is not None:  # changed since the entry: read only its changed blocks, if it splits
            chunks = split_objects(text)
            if chunks is not None and not known.split and known.text is not None:
                known = index_known(known, self.previous, display) or known  # type: ignore[arg-type]
            if chunks is not None and known.split:
                blocks = read_blocks(self, path, display, chunks, known)
                if blocks is not None:
                    reads, added = blocks
                    return self.took(str(path), digest, True, reads, [], [], [], added)
        try:
            doc = parse_yaml(path, display, text)
        except YamlSyntaxError as exc:
            self._unreadable(exc)
            return []
        moves, tests = len(self.moves), len(self.tests)
        reads, others = self.read_doc(doc)
        split = (chunks is not None and not others
                 and [(c.section, c.key, c.line) for c in chunks] == [(r.section, r.key, r.line) for r in reads]
                 and index_blocks(display, chunks, reads))
        # Not split yet (a first load, or a new file): keep the text, to split once it changes.
        unsplit = text if known is None else None
        return self.took(str(path), digest, split, reads, others, self.moves[moves:], self.tests[tests:],
                         doc.aliased, unsplit)

    def _read_grouped(self, path: Path, display: str, text: str) -> tuple[list[ObjectRead], int] | None:
        """`blocks.read_grouped` of a file that splits into blocks; None (with nothing noted
        here) if it does not split, or a group reported a problem or was not as a whole read
        has it: the whole read then reports every problem once, as it always has."""
        chunks = split_objects(text, digests=False)
        if chunks is None:
            return None
        marks = [len(getattr(self, name)) for name in _GATHERED]
        found = read_grouped(self, path, display, chunks)
        if found is None:
            for name, mark in zip(_GATHERED, marks, strict=True):
                del getattr(self, name)[mark:]
            return None
        return found

    def took(self, path: str, digest: str, split: bool, reads: list[ObjectRead], others: list[Problem],
             moves: list[Any], tests: list[Any], added: int, text: str | None = None) -> list[ObjectRead]:
        """Note a file's warnings (and, for the cache, what it gave)."""
        self.warnings.extend(others)
        for read in reads:
            if read.warnings:
                self.warnings.extend(read.warnings)
        if self.index:
            self.file_reads.append(FileIndex(path, digest, split, reads, others, moves, tests, added, text))
        return reads

    def _unreadable(self, exc: YamlSyntaxError) -> None:
        obj, field_ = describe(exc.path) if exc.path else (None, None)
        self.problems.append(Problem(exc.message, exc.location, obj=obj, field=field_))

    def read_doc(self, doc: YamlFile) -> tuple[list[ObjectRead], list[Problem]]:
        """The objects of a parsed file (or block), and its warnings about no one object."""
        # Paths already reported by a sharper check than the schema: the schema's own
        # (vaguer) error there is dropped, one problem per mistake.
        refined: set[FieldPath] = set()
        for issue in doc.issues:
            where = issue.path(doc)
            refined.add(where)
            obj, field_ = describe(where) if where else (None, None)
            self.problems.append(Problem(issue.message, location_of_mark(doc.display, issue.mark), obj=obj, field=field_))
        data = doc.data
        if data is None:
            return [], []  # an empty file (or only comments) is fine
        if not isinstance(data, dict):
            self.problems.append(
                Problem(f"must be a mapping of sections (resources, calendars, projects), not {describe_value(data)}", doc.location(()))
            )
            return [], []
        if may_reference(doc.text):
            data, unknown = substitute(data, self.variables)  # the schema checks the values as substituted
            self.problems.extend(_problem(doc, path, message) for path, message in unknown)
            refined.update(path for path, _ in unknown)
        schema_errors, schema_warnings = check_schema("config", data)
        for index, item in enumerate(data.get("moved") if isinstance(data.get("moved"), list) else ()):
            if isinstance(item, dict) and isinstance(item.get("from"), str) and isinstance(item.get("to"), str):
                self.moves.append((item["from"], item["to"], doc.location(("moved", index))))
        out: list[ObjectRead] = []
        for key_node, section_node in doc.mapping_items(doc.root):
            kind = KIND_OF_SECTION.get(key_node.value)
            section = data.get(key_node.value)
            if kind is None or not isinstance(section, dict):
                continue
            for object_key_node, object_node in doc.mapping_items(section_node):
                key = object_key_node.value
                value = section.get(key)
                if not isinstance(value, dict) or not _valid_key(key):
                    continue  # the schema check already reported it
                checked = ObjectChecks(doc, kind, key_node.value, key, value, object_key_node, object_node)
                read = ObjectRead(key_node.value, key, object_key_node.start_mark.line, checked.entry, None,
                                  _NO_WARNINGS, "ui_file" not in value)
                out.append(read)
                if not self._in_environment(checked):
                    continue
                self._check_object(checked)
                refined.update((key_node.value, key, *path) for path, _ in checked.errors)
                self.problems.extend(checked.entry.problem(path, message) for path, message in checked.errors)
                self.problems.extend(checked.file_problems)
                if checked.warnings or checked.file_warnings:
                    read.warnings = [*(checked.entry.problem(path, message) for path, message in checked.warnings),
                                     *checked.file_warnings]
                read.obj = checked.desired()
        tests, test_issues = read_tests(doc, data, _valid_key)
        self.tests.extend(tests)
        refined.update(path for path, _ in test_issues)
        self.problems.extend(_problem(doc, path, message) for path, message in test_issues)
        self.problems.extend(_problem(doc, path, message) for path, message in schema_errors if path not in refined)
        others: list[Problem] = []
        by_object = {(r.section, r.key): r for r in out} if schema_warnings else {}
        for path, message in schema_warnings:  # an unknown field: the warning of its object
            owner = by_object.get(tuple(path[:2])) if len(path) >= 2 else None
            if owner is None:
                others.append(_problem(doc, path, message))
            else:
                owner.warnings = [*owner.warnings, _problem(doc, path, message)]
        doc.release()
        return out, others

    def _in_environment(self, o: ObjectChecks) -> bool:
        """Whether the object exists in the chosen environment (`environments:` on the object)."""
        names = o.data.get("environments")
        if not isinstance(names, list):
            return True
        for index, name in enumerate(names):
            if isinstance(name, str) and name not in self.environments:
                declared = ", ".join(self.environments) or "none (tkctl.yaml declares no environments)"
                guess = did_you_mean(name, list(self.environments))
                hint = f'; did you mean "{guess}"?' if guess else ""
                self.problems.append(o.entry.problem(("environments", index),
                                                     f'no environment "{name}" in tkctl.yaml (environments: {declared}){hint}'))
        return self.environment is None or self.environment in names

    def _check_object(self, o: ObjectChecks) -> None:
        data = o.data
        if o.kind == "resource":
            o.errors += timezone_issues(data.get("timezone"), ("timezone",))
        o.errors += constraint_issues(data.get("availability_constraints"), ("availability_constraints",))
        o.warnings += constraint_warnings(data.get("availability_constraints"), ("availability_constraints",))
        meta = data.get("meta")
        if isinstance(meta, dict) and RESERVED_META_KEY in meta:
            o.errors.append((("meta", RESERVED_META_KEY), "is reserved: tkctl writes it to recognise the objects it manages; remove it"))
        if o.kind == "calendar":
            o.errors += _colour_comment_issues(o.doc, data, o.field_locations)
        o.errors += _ignore_field_issues(o.kind, data.get("lifecycle"))
        if o.kind != "project":
            return
        o.add(availability_issues(data.get("availability"), ("availability",)))
        o.warnings += customer_field_warnings(data.get("customer_fields"), ("customer_fields",))
        o.add(widget_issues(data.get("ui"), ("ui",)))
        if "ui_file" in data:
            self._read_ui_file(o)

    def _read_ui_file(self, o: ObjectChecks) -> None:
        del o.fields["ui_file"]
        name = o.data["ui_file"]
        if "ui" in o.data:
            o.errors.append((("ui_file",), 'cannot be used together with "ui": keep the widget config inline (ui) or in a file (ui_file)'))
            return
        if not isinstance(name, str) or not name or "\0" in name:
            return  # the schema check reports it
        read, ui = read_ui_file(o.doc.path, name, self.ui_cache, inside=self.root, allow_outside=self.allow_outside)
        if ui is None:
            o.errors.append((("ui_file",), read.message or "cannot be read"))
            return
        errors, warnings = read.errors, read.warnings
        if uses_variables(ui):  # check what the variables make of the file, not the file as written
            ui, unknown = substitute(ui, self.variables)
            errors, warnings = content_issues(ui)
            errors = [*unknown, *errors]
        o.fields["ui"] = ui
        # where ui_file is written (absent if merged in with <<)
        o.field_locations = o.field_locations.with_location("ui", o.field_locations.get("ui_file", o.entry.location))
        # Findings inside the JSON file point into it, and name the field as `ui...`.
        for target, issues in ((o.file_problems, errors), (o.file_warnings, warnings)):
            target.extend(Problem(m, read.locate(p), obj=o.entry.name, field=format_path(("ui", *p))) for p, m in issues)


class ObjectChecks:
    """One object while it is checked: its Entry and DesiredObject, and what was found."""

    def __init__(self, doc: YamlFile, kind: str, section: str, key: str, data: dict[str, Any], key_node: Node,
                 node: Node):
        self.doc, self.kind, self.data = doc, kind, data
        location = location_of_mark(doc.display, key_node.start_mark)

        def locate(path: FieldPath) -> Location:
            # Through the file, not from `node`: the Entry outlives the node tree (YamlFile.release).
            return doc.location_in(section, key, path)

        self.entry = Entry(kind, key, data, location, locate)
        self.field_locations = FieldLocations.from_marks(
            doc.display, [(intern(k.value), k.start_mark) for k, _ in doc.mapping_items(node)])
        fields = {k: v for k, v in data.items() if k not in _REF_FIELDS[kind] and k not in TKCTL_ONLY}
        refs: dict[str, Any] = {}
        if kind == "calendar":
            refs["resource"] = data.get("resource")
        elif kind == "project" and "resources" in data:
            refs["resources"] = data["resources"]
        lifecycle = data.get("lifecycle") if isinstance(data.get("lifecycle"), dict) else {}
        self.fields, self.refs, self.lifecycle = fields, refs, dict(lifecycle)
        self.errors: list[SchemaIssue] = []  # paths relative to the object
        self.warnings: list[SchemaIssue] = []
        self.file_problems: list[Problem] = []  # found in another file (a ui_file)
        self.file_warnings: list[Problem] = []

    def desired(self) -> DesiredObject:
        """The object, once every check is done (reading a ui_file adds its `ui`)."""
        return DesiredObject(self.kind, self.entry.key, self.fields, self.refs, self.entry.location,
                             self.field_locations, self.lifecycle)

    def add(self, found: tuple[list[SchemaIssue], list[SchemaIssue]]) -> None:
        self.errors += found[0]
        self.warnings += found[1]


def _problem(doc: YamlFile, path: FieldPath, message: str) -> Problem:
    obj, field_ = describe(path)
    return Problem(message, doc.location(path), obj=obj, field=field_)


def _ignore_field_issues(kind: str, lifecycle: Any) -> list[SchemaIssue]:
    """Each ignored path must start at a field tkctl manages for this kind."""
    paths = lifecycle.get("ignore_fields") if isinstance(lifecycle, dict) else None
    if not isinstance(paths, list):
        return []
    fields = [f for f in MANAGED_FIELDS[kind] if f not in _REF_FIELDS[kind]]
    out: list[SchemaIssue] = []
    for index, path in enumerate(paths):
        if isinstance(path, str) and path.split(".", 1)[0] not in fields:
            guess = did_you_mean(path.split(".", 1)[0], fields)
            hint = f'; did you mean "{guess}"?' if guess else f"; a {kind}'s fields are {', '.join(fields)}"
            out.append((("lifecycle", "ignore_fields", index), f'"{path}" does not start with a field of a {kind}{hint}'))
    return out


def _colour_comment_issues(doc: YamlFile, data: dict[str, Any], field_locations: Mapping[str, Location]) -> list[SchemaIssue]:
    """`foregroundcolor: #ff8800` is a YAML comment, so the value silently becomes null."""
    out: list[SchemaIssue] = []
    for name in ("foregroundcolor", "backgroundcolor"):
        if name in data and data[name] is None:
            line = doc.line(field_locations[name].line)
            after = line.split(":", 1)[1].strip() if ":" in line else ""
            if after.startswith("#"):
                colour = after.split()[0]
                out.append(((name,), f'{colour} is read as a YAML comment, so the value is empty; quote it: {name}: "{colour}"'))
    return out

