"""Loads that reuse the config cache's entry for unchanged files and blocks (config/reuse.py)
equal loads from the files, after any edit; and they do reuse.

The property test builds configs from blocks chosen to be awkward for splitting a file by its
text (anchors and aliases between objects, a whole object that is an alias, merge keys, `|+`
scalars with trailing blank lines, multi-line flow and quoted values, text that looks like an
anchor, objects limited to an environment, widget files, warnings inside aliased values), then
edits the files at random (values, lines added and removed, anchors changed, objects removed
or added, mistakes) and compares each load through the cache with a load from the files.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tkctl.config import blocks, filereader
from tkctl.config.cache import ConfigCache
from tkctl.config.loader import check_config

# Reuse done in this process, where the tests count what it parses (else a forked child does it).
NO_FORK = {"TKCTL_NO_FORK": "1"}

SETTINGS = "state: state.json\nenvironments:\n  prod: {}\n  dev: {}\n"

RESOURCES = [
    "  {k}:\n    name: Person {k}\n    timezone: Europe/Oslo\n",
    "  {k}:\n    name: Person {k}\n    timezone: Europe/London\n    availability_constraints: &hours\n"
    "    - block_weekends: {{}}\n    - allow_hours: {{start: 9, end: 17}}\n",
    "  {k}:\n    name: \"Person {k} &fake *hours\"\n    timezone: Europe/Oslo\n    availability_constraints: *hours\n",
    "  {k}:\n    # a comment inside\n    name: |+\n      Person {k}\n\n    timezone: Europe/Oslo\n\n",
    "  {k}: &whole\n    name: Whole {k}\n    timezone: Europe/Paris\n",
    "  {k}: *whole\n",
    "  {k}:\n    <<: *whole\n    name: Merged {k}\n",
    "  {k}:\n    name: Prod only {k}\n    timezone: Europe/Oslo\n    environments: [prod]\n",
    "  {k}:\n    name: Flow {k}\n    timezone: Europe/Oslo\n    tags: [a,\n      b]\n",
    "  {k}:\n    name: \"Line one\n      {k}: two\"\n    timezone: Europe/Oslo\n",
    "  {k}:\n    name: \"Looks like\n  {k}x: a key\"\n    timezone: Europe/Oslo\n",
    "  {k}:\n    name: Person {k}\n    timezone: Europe/Oslo\n    availability_constraints:\n"
    "    - allow_weekdays: {{}}\n    - allow_hours: {{start: 9, end: 17}}\n",
]
WARNS = RESOURCES[-1]  # warns: allow_weekdays and allow_hours add up
CALENDARS = [
    "  {k}:\n    resource: {r}\n    name: Calendar {k}\n    description: One line\n",
    "  {k}:\n    resource: {r}\n    name: Calendar {k}\n    description: |\n      Two\n      lines\n",
]
PROJECTS = [
    "  {k}:\n    name: Project {k}\n    resources: [{r}]\n    ui:\n      availability_view: timeGridWeek\n",
    "  {k}:\n    name: Project {k}\n    ui: &ui\n      availability_view: timeGridWeek\n      display_name: Shared\n",
    "  {k}:\n    name: Project {k}\n    ui: *ui\n",
    "  {k}:\n    name: Project {k}\n    ui_file: widget.json\n",
]
SAFE_EDITS = [("name: ", "name: Edited "), ("Europe/Oslo", "Europe/Rome"), ("      Person", "      Someone"),
              # inside anchored values (&hours, &ui, &whole): every block using them changes
              ("end: 17", "end: 18"), ("end: 17", "end: 18"), ("display_name: Shared", "display_name: Other"),
              ("timezone: Europe/Paris", "timezone: Europe/Madrid")]


# Templates that use an anchor, and the template that defines it (earlier in the same file;
# libyaml refuses an anchor defined twice, so a defining template is used once per file).
NEEDS = {("resources", 2): 1, ("resources", 5): 4, ("resources", 6): 4, ("projects", 2): 1}
DEFINES = {("resources", 1), ("resources", 4), ("projects", 1)}
ENVIRONMENT_ONLY = 7  # the resource template limited to one environment: never referred to


def _files(data: st.DataObject) -> dict[str, str]:
    """Two object files of random blocks (keys unique across them, references to resources
    that exist, anchors defined before they are used)."""
    sections = {}
    number = 0
    for name in ("a.yaml", "b.yaml"):
        sections[name] = {}
        for section, templates, count in (("resources", RESOURCES, 10), ("calendars", CALENDARS, 3),
                                          ("projects", PROJECTS, 8)):
            # Mostly the plain templates: a file with an awkward block is read whole, and the
            # point is to exercise the reuse of the others.
            plain = st.sampled_from(range(4) if section == "resources" else range(len(templates)))
            chosen = data.draw(st.lists(st.one_of(plain, plain, plain, st.sampled_from(range(len(templates)))),
                                        min_size=1, max_size=count))
            picked: list[int] = [0] if section == "resources" else []  # one that others may refer to
            for index in chosen:
                needed = NEEDS.get((section, index))
                if needed is not None and needed not in picked:
                    picked.append(needed)
                picked.append(0 if (section, index) in DEFINES and index in picked else index)
            blocks = []
            for index in picked:
                number += 1
                blocks.append((templates[index], f"{section[0]}{number}", index))
            sections[name][section] = blocks
    resources = [key for blocks in sections.values() for _, key, index in blocks["resources"]
                 if index != ENVIRONMENT_ONLY]
    out = {}
    for name, parts in sections.items():
        text = ["# the team's objects\n"]
        for section, blocks in parts.items():
            text.append(f"{section}:\n")
            text.extend(template.format(k=key, r=data.draw(st.sampled_from(resources)))
                        for template, key, _ in blocks)
        out[name] = "".join(text)
    return out


def _edit(text: str, data: st.DataObject) -> str:
    """One random edit: a value, a line added or removed, or a line broken."""
    lines = text.split("\n")
    kind = data.draw(st.sampled_from(["safe", "safe", "safe", "comment", "comment", "blank", "delete", "append",
                                      "duplicate"]))
    if kind == "safe":
        old, new = data.draw(st.sampled_from(SAFE_EDITS))
        places = [i for i, line in enumerate(lines) if old in line]
        if places:
            i = data.draw(st.sampled_from(places))
            lines[i] = lines[i].replace(old, new, 1)
        return "\n".join(lines)
    i = data.draw(st.integers(0, len(lines) - 1))
    if kind == "comment":
        lines.insert(i, " " * data.draw(st.sampled_from([0, 2, 4])) + "# added")
    elif kind == "blank":
        lines.insert(i, "")
    elif kind == "delete":
        del lines[i]
    elif kind == "append":
        lines[i] += data.draw(st.sampled_from([" x", ": y", " &a", " *hours", "\"", " #c"]))
    else:
        lines.insert(i, lines[i])
    return "\n".join(lines)


def _same(cached, fresh) -> None:
    assert cached.problems == fresh.problems
    assert cached.warnings == fresh.warnings
    if fresh.desired is None:
        assert cached.desired is None
        return
    a, b = cached.desired, fresh.desired
    assert list(a.objects) == list(b.objects)  # the same objects, added in the same order
    for ident, obj in b.objects.items():
        other = a.objects[ident]
        assert other == obj, ident  # fields, refs, location, lifecycle
        assert dict(other.field_locations) == dict(obj.field_locations), ident
    assert a.moves == b.moves and a.tests == b.tests


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_loads_through_the_cache_equal_loads_from_the_files_after_any_edit(data):
    env = data.draw(st.sampled_from(["prod", "dev"]))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg"
        root.mkdir()
        (root / "tkctl.yaml").write_text(SETTINGS)
        (root / "widget.json").write_text(json.dumps({"availability_view": "agendaWeek", "display_name": "W"}))
        files = _files(data)
        for name, text in files.items():
            (root / name).write_text(text)
        cache = ConfigCache(Path(tmp) / "cache")
        # Reused in a forked child (as on any two-core machine), or here.
        environ = {"TIMEKIT_APP_TOKEN": "t", **(NO_FORK if data.draw(st.booleans()) else {})}
        _same(check_config(root, environ, env, cache=cache), check_config(root, environ, env))
        for _ in range(data.draw(st.integers(1, 4))):
            name = data.draw(st.sampled_from(sorted(files)))
            files[name] = _edit(files[name], data)
            (root / name).write_text(files[name])
            if data.draw(st.booleans()):
                widget = {"availability_view": data.draw(st.sampled_from(["agendaWeek", "timeGridWeek"]))}
                (root / "widget.json").write_text(json.dumps(widget))
            _same(check_config(root, environ, env, cache=cache), check_config(root, environ, env))


# -- explicit cases: reuse happens, and what it must not reuse ------------------------------------


class Parsed:
    """Counts the YAML texts the loader parses, and the objects it takes from the cache."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.texts: list[str] = []
        self.reused = 0
        parse, reused = filereader.parse_yaml, filereader.reused

        def counting_parse(path, display, text, **kw):
            self.texts.append(text)
            return parse(path, display, text, **kw)

        def counting_reused(*args, **kw):
            self.reused += 1
            return reused(*args, **kw)

        for module in (filereader, blocks):  # whole files are read by the one, blocks by the other
            monkeypatch.setattr(module, "parse_yaml", counting_parse)
            monkeypatch.setattr(module, "reused", counting_reused)

    def reset(self) -> None:
        self.texts, self.reused = [], 0


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Parsed:
    return Parsed(monkeypatch)


def _big(root: Path, count: int = 50) -> Path:
    """A file of `count` resources, the first defining an anchor the others use."""
    root.mkdir()
    (root / "tkctl.yaml").write_text("state: state.json\n")
    blocks = [RESOURCES[1].format(k="r0")]
    blocks += [RESOURCES[2].format(k=f"r{i}") for i in range(1, count)]
    (root / "resources.yaml").write_text("resources:\n" + "".join(blocks))
    return root / "resources.yaml"


def _load_both(root: Path, cache: ConfigCache):
    cached = check_config(root, NO_FORK, cache=cache)
    _same(cached, check_config(root, {}))
    return cached


def test_an_edit_to_one_object_parses_only_its_block(tmp_path, parsed):
    path = _big(tmp_path / "cfg")
    cache = ConfigCache(tmp_path / "cache")
    _load_both(tmp_path / "cfg", cache)
    path.write_text(path.read_text().replace("Person r7 ", "Person r7 (locum) "))
    parsed.reset()
    loaded = check_config(tmp_path / "cfg", NO_FORK, cache=cache)
    assert parsed.reused == 49
    assert len(parsed.texts) == 1 and "Person r7 (locum)" in parsed.texts[0]
    assert "&hours" in parsed.texts[0]  # with the block whose anchor it uses
    assert loaded.desired.get("resource", "r7").fields["name"] == "Person r7 (locum) &fake *hours"
    _same(loaded, check_config(tmp_path / "cfg", {}))


def test_lines_added_above_move_the_reused_objects_and_their_warnings(tmp_path, parsed):
    root = tmp_path / "cfg"
    path = _big(root)
    extra = WARNS.format(k="rw")
    path.write_text(path.read_text() + extra)
    cache = ConfigCache(tmp_path / "cache")
    before = _load_both(root, cache)
    path.write_text(path.read_text().replace("resources:\n", "resources:\n  # three\n  # new\n  # lines\n", 1))
    parsed.reset()
    after = check_config(root, NO_FORK, cache=cache)
    assert parsed.reused == 51 and parsed.texts == []  # every block unchanged, three lines lower
    _same(after, check_config(root, {}))
    assert after.warnings and [w.location.line for w in after.warnings] == [w.location.line + 3 for w in before.warnings]
    assert after.desired.get("resource", "rw").location.line == before.desired.get("resource", "rw").location.line + 3


def test_editing_the_anchor_defining_object_elsewhere_keeps_its_users(tmp_path, parsed):
    root = tmp_path / "cfg"
    path = _big(root)
    cache = ConfigCache(tmp_path / "cache")
    _load_both(root, cache)
    path.write_text(path.read_text().replace("Person r0", "Person r0 (new)"))
    parsed.reset()
    loaded = check_config(root, NO_FORK, cache=cache)
    assert parsed.reused == 49 and len(parsed.texts) == 1
    _same(loaded, check_config(root, {}))


def test_editing_the_anchored_value_reads_its_users_again(tmp_path, parsed):
    root = tmp_path / "cfg"
    path = _big(root, count=10)
    cache = ConfigCache(tmp_path / "cache")
    _load_both(root, cache)
    path.write_text(path.read_text().replace("end: 17", "end: 18"))
    parsed.reset()
    loaded = _load_both(root, cache)
    assert parsed.reused == 0
    assert all(o.fields["availability_constraints"][1]["allow_hours"]["end"] == 18 for o in loaded.desired)


def test_an_object_whose_warning_is_in_another_block_is_read_again_when_lines_move(tmp_path, parsed):
    root = tmp_path / "cfg"
    _big(root, count=5)
    projects = root / "projects.yaml"
    plain = "".join(PROJECTS[0].format(k=f"p{i}", r="r1") for i in range(4, 14))
    projects.write_text("projects:\n" + PROJECTS[1].format(k="p1") + PROJECTS[2].format(k="p2")
                        + PROJECTS[2].format(k="p3") + plain)
    cache = ConfigCache(tmp_path / "cache")
    before = _load_both(root, cache)
    # p3's warning is where p1 writes the shared ui: a line added to p2's block moves p3, not it
    projects.write_text(projects.read_text().replace("  p3:", "  # new\n  p3:"))
    parsed.reset()
    after = check_config(root, NO_FORK, cache=cache)
    assert parsed.reused == 16  # the resources, p1, p4 to p13; p2 (changed) and p3 (not all its own) read again
    def where(loaded, name):
        return [w.location for w in loaded.warnings if w.obj == f'project "{name}"']

    assert where(after, "p3") == where(before, "p3")
    assert [w.line for w in where(after, "p4")] == [w.line + 1 for w in where(before, "p4")]
    _same(after, check_config(root, {}))


def test_a_widget_file_is_read_again_though_its_yaml_is_unchanged(tmp_path):
    root = tmp_path / "cfg"
    _big(root, count=10)
    (root / "projects.yaml").write_text(PROJECTS[3].format(k="p1").join(["projects:\n", ""]))
    (root / "widget.json").write_text(json.dumps({"display_name": "Old"}))
    cache = ConfigCache(tmp_path / "cache")
    _load_both(root, cache)
    (root / "widget.json").write_text(json.dumps({"display_name": "New"}))
    (root / "resources.yaml").write_text((root / "resources.yaml").read_text().replace("Person r3 ", "Person r3 x "))
    loaded = _load_both(root, cache)
    assert loaded.desired.get("project", "p1").fields["ui"] == {"display_name": "New"}


def test_a_mistake_after_an_edit_is_reported_as_a_load_from_the_files_reports_it(tmp_path):
    root = tmp_path / "cfg"
    path = _big(root)
    cache = ConfigCache(tmp_path / "cache")
    _load_both(root, cache)
    path.write_text(path.read_text().replace("timezone: Europe/Oslo", "timezone: Mars/Olympus", 1))
    loaded = _load_both(root, cache)
    assert [p.field for p in loaded.problems] == ["timezone"]
    assert loaded.problems[0].location.line == 10


# -- a large file's first read, a group of blocks at a time (blocks.read_grouped) ----------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_first_load_read_a_group_of_blocks_at_a_time_equals_one_read_whole(data):
    """The same awkward blocks (anchors used across groups, merge keys, `|+` scalars, text
    that looks like a key or an anchor, warnings, environments), with random edits that may
    break a file: the objects, positions, warnings and problems of a whole read."""
    env = data.draw(st.sampled_from(["prod", "dev"]))
    size = data.draw(st.sampled_from([1, 60, 150, 400]))  # characters a group: one block to several
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as m:
        root = Path(tmp) / "cfg"
        root.mkdir()
        (root / "tkctl.yaml").write_text(SETTINGS)
        (root / "widget.json").write_text(json.dumps({"availability_view": "agendaWeek", "display_name": "W"}))
        files = _files(data)
        for _ in range(data.draw(st.integers(0, 2))):
            name = data.draw(st.sampled_from(sorted(files)))
            files[name] = _edit(files[name], data)
        for name, text in files.items():
            (root / name).write_text(text)
        environ = {"TIMEKIT_APP_TOKEN": "t", **NO_FORK}
        m.setattr(filereader, "GROUPED_CHARS", float("inf"))
        whole = check_config(root, environ, env)
        m.setattr(filereader, "GROUPED_CHARS", 0)
        m.setattr(blocks, "GROUP_CHARS", size)
        _same(check_config(root, environ, env), whole)


def test_a_large_file_is_parsed_a_group_at_a_time_each_with_the_anchors_it_uses(tmp_path, parsed, monkeypatch):
    monkeypatch.setattr(filereader, "GROUPED_CHARS", 0)
    monkeypatch.setattr(blocks, "GROUP_CHARS", 10 * len(RESOURCES[2].format(k="r10")))
    root = tmp_path / "cfg"
    _big(root)  # r0 defines &hours, r1-r49 use it
    loaded = check_config(root, NO_FORK)
    assert len(parsed.texts) >= 4, "groups of about ten blocks, and no whole read"
    own: list[list[str]] = []
    for number, text in enumerate(parsed.texts):
        keys = [line.strip(" :") for line in text.splitlines() if line.startswith("  r")]
        if number:  # r0 comes along for its anchor, at its own lines
            assert keys[0] == "r0" and text.startswith("resources:\n  r0:\n")
            keys = keys[1:]
        own.append(keys)
        chars = sum(len(RESOURCES[1 if k == "r0" else 2].format(k=k)) for k in keys)
        assert chars >= blocks.GROUP_CHARS or number == len(parsed.texts) - 1
        assert text.count("\n") < 5 * (int(keys[-1][1:]) + 2), "a group's text: its blocks at their own lines"
    assert [k for keys in own for k in keys] == [f"r{i}" for i in range(50)]
    monkeypatch.setattr(filereader, "GROUPED_CHARS", float("inf"))
    _same(loaded, check_config(root, NO_FORK))
    assert sorted(o.key for o in loaded.desired) == sorted(f"r{i}" for i in range(50))  # r0 once


def test_a_mistake_in_any_group_is_reported_once_by_a_whole_read(tmp_path, parsed, monkeypatch):
    monkeypatch.setattr(filereader, "GROUPED_CHARS", 0)
    monkeypatch.setattr(blocks, "GROUP_CHARS", 10 * len(RESOURCES[2].format(k="r10")))
    root = tmp_path / "cfg"
    path = _big(root)
    text = path.read_text().replace(RESOURCES[2].format(k="r3"), WARNS.format(k="r3"))  # a warning in the first group
    at = text.index("  r23:\n")
    path.write_text(text[:at] + text[at:].replace("timezone: Europe/Oslo", "timezone: Mars/Olympus", 1))
    loaded = check_config(root, NO_FORK)
    assert len(parsed.texts) == 3 + 1, "the third group reported the time zone; then the file was read whole"
    assert "  r23:" in parsed.texts[2] and "Mars/Olympus" in parsed.texts[-1]
    assert [(p.obj, p.field) for p in loaded.problems] == [('resource "r23"', "timezone")]
    assert [p.obj for p in loaded.warnings] == ['resource "r3"']
    monkeypatch.setattr(filereader, "GROUPED_CHARS", float("inf"))
    _same(loaded, check_config(root, NO_FORK))
