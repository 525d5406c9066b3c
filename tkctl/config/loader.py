"""Turning a config directory into Settings and a DesiredState, or into a list of every problem.

The steps are independent on purpose: each file is read and schema-checked on its own, then
objects from all files are pooled for the checks that look across objects (unique keys,
references, unique slugs and e-mails). Nothing stops at the first problem, because fixing a
config one error per run is the slowest way to fix it.
"""

from __future__ import annotations

import gc
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from yaml.nodes import Node

from tkctl.config.constraints import constraint_issues, timezone_issues
from tkctl.config.fieldpath import FieldPath, describe
from tkctl.config.references import Entry, reference_problems, uniqueness_problems
from tkctl.config.schema import SchemaIssue, describe_value, load_schema, schema_issues
from tkctl.config.settings import SETTINGS_FILE, Settings, read_settings
from tkctl.config.uifile import UiFileCache, read_ui_file
from tkctl.config.yamlfile import YamlFile, YamlSyntaxError, display_path, location_of_mark, read_yaml
from tkctl.core.model import KIND_OF_SECTION, DesiredObject, DesiredState
from tkctl.errors import ConfigError, Location, Problem

YAML_SUFFIXES = (".yaml", ".yml")
RESERVED_META_KEY = "tkctl_key"
# Fields that name other objects by key: kept in DesiredObject.refs, not in fields.
_REF_FIELDS = {"resource": (), "calendar": ("resource",), "project": ("resources",)}


def load_config(config_dir: str | Path, environ: Mapping[str, str] | None = None) -> tuple[Settings, DesiredState]:
    """Reads and checks everything; raises ConfigError listing EVERY problem (sorted by file, line)."""
    # Loading allocates hundreds of thousands of small acyclic objects (YAML nodes, values);
    # the cyclic garbage collector rescanning them made up two thirds of the load time of a
    # large config. Nothing here creates cycles worth collecting before we are done.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(config_dir, environ)
    finally:
        if gc_was_enabled:
            gc.enable()


def _load(config_dir: str | Path, environ: Mapping[str, str] | None) -> tuple[Settings, DesiredState]:
    environ = os.environ if environ is None else environ
    root = Path(os.path.abspath(config_dir))
    shown = display_path(root)
    if not root.exists():
        raise ConfigError([Problem("config directory does not exist", Location(shown))])
    if not root.is_dir():
        raise ConfigError([Problem("is not a directory; give the config directory", Location(shown))])

    settings, problems = read_settings(root, environ)
    files = object_files(root)
    if not files:
        problems.append(
            Problem(
                "no object files: add a .yaml file with resources, calendars or projects "
                f"(every *.yaml / *.yml below the directory except {SETTINGS_FILE})",
                Location(shown),
            )
        )
        raise ConfigError(_sorted(problems))

    entries: list[Entry] = []
    objects: dict[tuple[str, str], DesiredObject] = {}
    first_seen: dict[tuple[str, str], Entry] = {}
    ui_cache: UiFileCache = {}
    for path in files:
        for entry, obj, entry_problems in _read_object_file(path, ui_cache, problems):
            problems.extend(entry_problems)
            other = first_seen.setdefault((entry.kind, entry.key), entry)
            if other is not entry:
                problems.append(
                    Problem(f"also defined at {other.location}; keys must be unique per kind", entry.location, obj=entry.name)
                )
                continue
            entries.append(entry)
            if obj is not None:
                objects[(obj.kind, obj.key)] = obj
    problems.extend(reference_problems(entries))
    problems.extend(uniqueness_problems(entries))
    if problems:
        raise ConfigError(_sorted(problems))
    state = DesiredState()
    for obj in objects.values():
        state.add(obj)
    return settings, state


def object_files(root: Path) -> list[Path]:
    """Every *.yaml / *.yml below `root`, sorted, without hidden entries and tkctl.yaml."""
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith(".") or not name.endswith(YAML_SUFFIXES):
                continue
            if name == SETTINGS_FILE and Path(folder) == root:
                continue
            found.append(Path(folder) / name)
    return sorted(found)


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(
        unique,
        key=lambda p: (p.location is not None, *((p.location.file, p.location.line, p.location.column) if p.location else ()), str(p)),
    )


def _read_object_file(path: Path, ui_cache: UiFileCache, problems: list[Problem]):
    """Yield (Entry, DesiredObject | None, problems of that object) for each object of a file.

    File-level problems (syntax, unknown sections, duplicate keys) go straight to `problems`.
    """
    try:
        doc = read_yaml(path)
    except YamlSyntaxError as exc:
        problems.append(Problem(exc.message, exc.location))
        return
    for issue in doc.issues:
        where: FieldPath = (*doc.path_of(issue.node), issue.key) if issue.node is not None else ()
        obj, field = describe(where) if where else (None, None)
        problems.append(Problem(issue.message, location_of_mark(doc.display, issue.mark), obj=obj, field=field))
    data = doc.data
    if data is None:
        return  # an empty file (or only comments) is fine
    if not isinstance(data, dict):
        problems.append(
            Problem(f"must be a mapping of sections (resources, calendars, projects), not {describe_value(data)}", doc.location(()))
        )
        return
    problems.extend(_problem(doc, path_, message) for path_, message in schema_issues("config", data))

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
            yield _entry(doc, kind, key, value, object_key_node, object_node, ui_cache)


@lru_cache(maxsize=1)
def _key_pattern() -> re.Pattern[str]:
    return re.compile(load_schema("config")["$defs"]["key"]["pattern"])


def _valid_key(key: str) -> bool:
    return _key_pattern().match(key) is not None


def _problem(doc: YamlFile, path: FieldPath, message: str) -> Problem:
    obj, field = describe(path)
    return Problem(message, doc.location(path), obj=obj, field=field)


def _entry(doc: YamlFile, kind: str, key: str, data: dict[str, Any], key_node: Node, node: Node, ui_cache: UiFileCache):
    location = location_of_mark(doc.display, key_node.start_mark)

    def locate(path: FieldPath) -> Location:
        return doc.location(path, node, key_node.start_mark)

    entry = Entry(kind, key, data, location, locate)
    field_locations = {k.value: location_of_mark(doc.display, k.start_mark) for k, _ in doc.mapping_items(node)}
    issues: list[SchemaIssue] = []
    if kind == "resource":
        issues += timezone_issues(data.get("timezone"), ("timezone",))
    availability = data.get("availability")
    if isinstance(availability, dict):
        issues += timezone_issues(availability.get("output_timezone"), ("availability", "output_timezone"))
    issues += constraint_issues(data.get("availability_constraints"), ("availability_constraints",))
    meta = data.get("meta")
    if isinstance(meta, dict) and RESERVED_META_KEY in meta:
        issues.append(
            (("meta", RESERVED_META_KEY), "is reserved: tkctl writes it to recognise the objects it manages; remove it")
        )
    if kind == "calendar":
        issues += _colour_comment_issues(doc, data, field_locations)

    fields = {k: v for k, v in data.items() if k not in _REF_FIELDS[kind]}
    refs: dict[str, Any] = {}
    if kind == "calendar":
        refs["resource"] = data.get("resource")
    elif kind == "project":
        if "resources" in data:
            refs["resources"] = data["resources"]
        if "ui_file" in data:
            del fields["ui_file"]
            if "ui" in data:
                issues.append((("ui_file",), 'cannot be used together with "ui": keep the widget config inline (ui) or in a file (ui_file)'))
            elif isinstance(data["ui_file"], str) and data["ui_file"]:
                ui, message = read_ui_file(doc.path, data["ui_file"], ui_cache)
                if message:
                    issues.append((("ui_file",), message))
                else:
                    fields["ui"] = ui
                    field_locations["ui"] = field_locations["ui_file"]
    problems = [entry.problem(path, message) for path, message in issues]
    obj = DesiredObject(kind, key, fields, refs, location, field_locations)
    return entry, obj, problems


def _colour_comment_issues(doc: YamlFile, data: dict[str, Any], field_locations: dict[str, Location]) -> list[SchemaIssue]:
    """`foregroundcolor: #ff8800` is a YAML comment, so the value silently becomes null."""
    out: list[SchemaIssue] = []
    for field in ("foregroundcolor", "backgroundcolor"):
        if field in data and data[field] is None:
            line = doc.line(field_locations[field].line)
            after = line.split(":", 1)[1].strip() if ":" in line else ""
            if after.startswith("#"):
                colour = after.split()[0]
                out.append(((field,), f'{colour} is read as a YAML comment, so the value is empty; quote it: {field}: "{colour}"'))
    return out

