"""Turning a config directory into Settings and a DesiredState, or into a list of every problem.

The steps are independent on purpose: each file is read and schema-checked on its own, then
objects from all files are pooled for the checks that look across objects (unique keys,
references, unique slugs and e-mails). Nothing stops at the first problem, because fixing a
config one error per run is the slowest way to fix it.

Besides problems (errors: the config is refused) the checks find warnings: things Timekit
or its booking widget accept but ignore or read differently than the config suggests. They
never stop a plan; `tkctl validate` shows them, and fails on them with `--strict`.

    check_config(dir, environ) -> ConfigReport              never raises ConfigError
    load_config_with_warnings(dir, environ) -> LoadedConfig  (settings, desired, warnings)
    load_config(dir, environ) -> (Settings, DesiredState)    both raise ConfigError
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
from sys import intern
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple

import yaml
from yaml.nodes import Node

from tkctl.config.availability import availability_issues
from tkctl.config.cache import ConfigCache, Inputs, ReaderInputs, file_record, result_of
from tkctl.config.blocks import index_blocks, index_known, read_blocks
from tkctl.config.chunks import split_objects
from tkctl.config.constraints import ZONES_SEEN, constraint_issues, constraint_warnings, timezone_issues
from tkctl.config.expectations import check_tests, read_tests
from tkctl.config.fieldpath import FieldPath, describe, format_path
from tkctl.config.references import Entry, reference_problems, uniqueness_problems
from tkctl.config.reuse import FileIndex, ObjectRead, Previous, Reread, from_delta, object_index, reused, state_delta
from tkctl.config.schema import SchemaIssue, check_schema, describe_value, did_you_mean, load_schema
from tkctl.config.settings import SETTINGS_FILE, Settings, read_settings
from tkctl.config.twocores import FileRead, child_files, load_apart, read_files
from tkctl.config.uifile import UiFileCache, content_issues, read_ui_file
from tkctl.config.variables import may_reference, substitute, uses_variables
from tkctl.config.widget import customer_field_warnings, widget_issues
from tkctl.config.yamlfile import (YamlFile, YamlSyntaxError, display_path, location_of_mark, parse_yaml,
                                   read_yaml_text)
from tkctl.core.expect import AvailabilityTest
from tkctl.core.model import KIND_OF_SECTION, DesiredObject, DesiredState, FieldLocations
from tkctl.core.normalize import MANAGED_FIELDS
from tkctl.core.plan import config_digest, desired_record
from tkctl.errors import ConfigError, Location, Problem
from tkctl.fork import Then, fork_allowed
from tkctl.gcpause import collector_paused

YAML_SUFFIXES = (".yaml", ".yml")
# Keys of an object that are tkctl's own, never sent to Timekit.
TKCTL_ONLY = ("lifecycle", "environments")
RESERVED_META_KEY = "tkctl_key"
_NO_WARNINGS: list[Problem] = []  # shared by the objects that have none: never added to
# Fields that name other objects by key: kept in DesiredObject.refs, not in fields.
_REF_FIELDS = {"resource": (), "calendar": ("resource",), "project": ("resources",)}


@dataclass
class ConfigReport:
    """Everything the checks found in a config directory.

    `desired` is None when there are problems; `settings` is None only when the directory
    itself is unusable (missing, not a directory).
    """

    config_dir: Path
    settings: Settings | None = None
    desired: DesiredState | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


OnSettings = Callable[[Settings], None]


class LoadedConfig(NamedTuple):
    settings: Settings
    desired: DesiredState
    warnings: list[Problem]


def check_config(config_dir: str | Path, environ: Mapping[str, str] | None = None, env: str | None = None,
                 *, cache: ConfigCache | None = None, on_settings: OnSettings | None = None) -> ConfigReport:
    """Read and check everything; problems and warnings sorted by file and line.

    `env` selects an environment of tkctl.yaml (else TKCTL_ENV in `environ`). `on_settings`
    is called with the settings, when they have no problem, before the object files are read
    (`planner.EarlyRead` starts reading the account then): with a config cache, once its entry
    has been looked at and any second process forked (`_check`). It must not raise."""
    with collector_paused():  # hundreds of thousands of YAML nodes and values: tkctl/gcpause.py
        report = _check(config_dir, os.environ if environ is None else environ, env, cache, on_settings)
    report.problems = _sorted(report.problems)
    report.warnings = _sorted(report.warnings)
    return report


def load_config_with_warnings(config_dir: str | Path, environ: Mapping[str, str] | None = None,
                              env: str | None = None, *, cache: ConfigCache | None = None,
                              on_settings: OnSettings | None = None) -> LoadedConfig:
    """Settings, desired state and warnings; raises ConfigError listing EVERY problem.

    With `cache`, an unchanged config is taken from it (`config/cache.py` says when that is)."""
    report = check_config(config_dir, environ, env, cache=cache, on_settings=on_settings)
    if report.problems or report.settings is None or report.desired is None:
        raise ConfigError(report.problems)
    return LoadedConfig(report.settings, report.desired, report.warnings)


def load_config(config_dir: str | Path, environ: Mapping[str, str] | None = None,
                env: str | None = None) -> tuple[Settings, DesiredState]:
    """Reads and checks everything; raises ConfigError listing EVERY problem (sorted by file, line).

    Warnings are dropped here; use load_config_with_warnings or check_config to see them.
    """
    settings, desired, _ = load_config_with_warnings(config_dir, environ, env)
    return settings, desired


def _check(config_dir: str | Path, environ: Mapping[str, str], env: str | None,
           cache: ConfigCache | None = None, on_settings: OnSettings | None = None) -> ConfigReport:
    root = Path(os.path.abspath(config_dir))
    report = ConfigReport(root)
    shown = display_path(root)
    if not root.exists():
        report.problems.append(Problem("config directory does not exist", Location(shown)))
        return report
    if not root.is_dir():
        report.problems.append(Problem("is not a directory; give the config directory", Location(shown)))
        return report

    settings, problems = read_settings(root, environ, env)
    report.settings = settings
    report.problems = problems
    start = _Once(None if problems else on_settings, settings)
    if cache is None or problems:
        start()  # nothing to fork first: as early as can be
    files = object_files(root)
    if not files:
        problems.append(
            Problem(
                "no object files: add a .yaml file with resources, calendars or projects "
                f"(every *.yaml / *.yml below the directory except {SETTINGS_FILE})",
                Location(shown),
            )
        )
        return report

    inputs = reader_inputs(settings)
    if cache is not None and not problems:
        # `start` comes after what must come first: the entry's header read (an unchanged
        # config's entry is unpickled while the account is read), and the fork below.
        hit = cache.lookup(root, inputs, files, then=start)
        if hit is not None:
            report.desired, report.warnings = hit
            return report
        raw = cache.previous_raw(root, inputs) if fork_allowed(environ) else None
        if raw is not None:
            # An entry of an earlier version: reused on the second core while this process
            # reads the account; None if the child met anything a full read must report.
            got = _reuse_apart(root, inputs, files, cache, raw, start)
            del raw
            if got is not None:
                report.desired, report.warnings = got
                return report
        else:
            start()
            try:
                reused = _reuse_load(root, inputs, files, cache, report.warnings)
            except Reread:
                report.warnings = []
            else:
                if reused is not None:
                    report.desired = reused[0]
                    return report
    start()
    apart = child_files(files, environ)
    if apart:
        found = len(problems)
        try:
            report.desired = _load_objects(root, inputs, files, problems, report.warnings, cache, apart=apart)
            return report
        except Reread:  # a problem to locate in a file the child read: read them all here
            del problems[found:]
            report.warnings = []
    report.desired = _load_objects(root, inputs, files, problems, report.warnings, cache)
    return report


class _Once:
    """`on_settings(settings)` called the first time this is: the loader calls it where each
    way of loading should start the account's read, and again before any full load."""

    def __init__(self, on_settings: OnSettings | None, settings: Settings):
        self._call, self._settings = on_settings, settings

    def __call__(self) -> None:
        call, self._call = self._call, None
        if call is not None:
            call(self._settings)


def _reuse_load(root: Path, inputs: ReaderInputs, files: list[Path], cache: ConfigCache,
                warnings: list[Problem] | None = None, raw: bytes | None = None
                ) -> tuple[DesiredState, list[Problem], Previous] | None:
    """The load of `files` taking what did not change from the folder's cache entry (`raw`,
    if read already), and saving the new entry: with its warnings and the entry it reused;
    None without an entry. Any problem raises Reread: only a full read reports problems."""
    found = cache.previous(root, inputs, raw)
    if found is None:
        return None
    warnings = [] if warnings is None else warnings
    previous = Previous(*found)
    state = _load_objects(root, inputs, files, [], warnings, cache, previous)
    assert state is not None  # with an entry to reuse, a problem raises Reread
    return state, warnings, previous


def _reuse_apart(root: Path, inputs: ReaderInputs, files: list[Path], cache: ConfigCache,
                 raw: bytes, start: Callable[[], None]) -> tuple[DesiredState, list[Problem]] | None:
    """The load reusing the entry `raw` (`_reuse_load`), done by a second process while this
    one reads the account; None if the child failed or met anything a full read must report.
    `start` (the account's read) is called once the child is forked: the child starts a
    tenth of a second sooner than after the read's start, whose imports and threads hold
    this process's interpreter meanwhile, and no thread but this one is forked.

    The child sends only what this process cannot take from the entry itself (`StateDelta`:
    the objects read again, and where the others are), and this process unpickles the entry's
    state meanwhile: at 20,000 resources, pickling the whole load and unpickling it here
    took 1.2 s on the way. The child then saves the new entry while this process plans."""
    def meanwhile() -> Any:
        start()
        return result_of(raw)

    got = load_apart(lambda: _reuse_delta(root, inputs, files, cache.directory, raw), files, meanwhile,
                     leave=cache.writer_left)
    if got is None or got[1] is None:
        return None
    delta, (previous, _) = got
    return from_delta(previous, pickle.loads(delta))


def _reuse_delta(root: Path, inputs: ReaderInputs, files: list[Path], directory: Path,
                 raw: bytes) -> Then[bytes] | None:
    """In the second process: `_reuse_load` of the entry `raw`, sent as a pickled StateDelta
    with what plans derive from each object worked out, then saved as the new entry."""
    cache = ConfigCache(directory, hold=True)
    loaded = _reuse_load(root, inputs, files, cache, raw=raw)
    entry = cache.held
    if loaded is None or entry is None:
        return None
    state, warnings, previous = loaded
    entry.complete()
    delta = pickle.dumps(state_delta(previous.objects, state, warnings), protocol=pickle.HIGHEST_PROTOCOL)
    return Then(delta, entry.write)


def _load_objects(root: Path, inputs: ReaderInputs, files: list[Path], problems: list[Problem],
                  warnings: list[Problem], cache: ConfigCache | None,
                  previous: Previous | None = None, apart: list[Path] | None = None) -> DesiredState | None:
    """The objects of `files`, or None with `problems` filled in. With `previous`, unchanged
    files and blocks are taken from it (`config/reuse.py`), and anything a full read could
    find otherwise (any problem at all) raises Reread. `apart`: files a forked child reads
    (`config/twocores.py`); a problem to be located in one of them raises Reread."""
    entries: list[Entry] = []
    objects: dict[tuple[str, str], DesiredObject] = {}
    first_seen: dict[tuple[str, str], Entry] = {}
    reader = _FileReader(root, inputs, index=cache is not None, previous=previous)
    for reads in read_files(reader, files, apart or []):
        for read in reads:
            entry, obj = read.entry, read.obj
            if obj is None:
                continue  # left out in this environment
            other = first_seen.setdefault((entry.kind, entry.key), entry)
            if other is not entry:
                problems.append(
                    Problem(f"also defined at {other.location}; keys must be unique per kind", entry.location, obj=entry.name)
                )
                continue
            read.position = len(objects)
            entries.append(entry)
            objects[(obj.kind, obj.key)] = obj
    problems.extend(reader.problems)
    warnings.extend(reader.warnings)
    problems.extend(reference_problems(entries))
    problems.extend(uniqueness_problems(entries))
    problems.extend(_move_problems(reader.moves, objects))
    tests, test_problems = check_tests(reader.tests, objects)
    problems.extend(test_problems)
    if problems:
        if previous is not None:
            raise Reread()
        return None
    state = DesiredState(moves=[(old, new) for old, new, _ in reader.moves], tests=tests)
    for obj in objects.values():
        state.add(obj)
    if cache is not None:
        _store(cache, root, inputs, reader, state, warnings)
    return state


def reader_inputs(settings: Settings) -> ReaderInputs:
    """What reading object files takes from the settings: all of it, and nothing else (the
    config cache keys on exactly this)."""
    return ReaderInputs(settings.allow_files_outside_config, settings.variables, settings.environment,
                        settings.environments)


def _store(cache: ConfigCache, root: Path, inputs: ReaderInputs, reader: _FileReader, state: DesiredState,
           warnings: list[Problem]) -> None:
    """Save a load with no problems, with what every plan derives from it worked out (by the
    plan itself, when the cache saves once the command is done; by the second process that
    writes the entry, for itself, when one does: `config/cache.py`)."""

    def derive() -> None:
        for obj in state:
            desired_record(obj)
        config_digest(state)

    def index_whole_files() -> None:
        """Find the blocks of the files read whole now, as the first load after an edit of
        them would (`blocks.index_known`): the same index, worked out ahead of that load."""
        previous = Previous((state, warnings), index, [])
        for number, known in enumerate(index):
            if known.text is not None and not known.split:
                index[number] = index_known(known, previous, display_path(Path(known.path))) or known

    ui_files = [file_record(ui.path, ui.text) for ui in reader.ui_cache.values()]
    zones = set(ZONES_SEEN) | set(reader.previous.zones if reader.previous else ())  # those of reused objects too
    index = [dataclasses.replace(f, objects=[object_index(r) for r in f.objects]) for f in reader.file_reads]
    cache.store(root, inputs, Inputs(reader.files, ui_files, sorted(zones)), (state, warnings), derive, index,
                index_whole_files)


def _move_problems(moves: list[tuple[str, str, Location]], objects: Mapping[tuple[str, str], DesiredObject]) -> list[Problem]:
    """A rename names an old key that is gone from the config and a new one that is in it."""
    out = []
    seen: dict[str, Location] = {}
    for old, new, where in moves:
        if old.split(".", 1)[0] != new.split(".", 1)[0]:
            out.append(Problem(f"moved: {old} -> {new}: a key can only be renamed within its kind", where))
            continue
        if tuple(new.split(".", 1)) not in objects:
            out.append(Problem(f"moved: {old} -> {new}: {new} is not defined; define it (the object's block under "
                               "its new key)", where))
        if tuple(old.split(".", 1)) in objects:
            out.append(Problem(f"moved: {old} -> {new}: {old} is still defined; remove its block (it is now {new})",
                               where))
        if old in seen:
            out.append(Problem(f"moved: {old} is renamed twice (also at {seen[old]})", where))
        seen.setdefault(old, where)
    return out


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


CONFIG_SECTIONS = frozenset({"resources", "calendars", "projects", "tests", "moved"})


def config_folder_of(path: Path) -> Path | None:
    """The config folder a file belongs to, or None when it is not tkctl config (pre-commit
    passes every changed file of a repository; a CI workflow is not tkctl's to check).

    tkctl.yaml belongs to its folder; an object file or widget JSON to the nearest folder above
    it holding tkctl.yaml (unless it sits below a hidden folder there, as the loader skips
    those); a YAML file of only tkctl's sections with no tkctl.yaml above is its own folder's."""
    path = Path(os.path.abspath(path))
    if path.name == SETTINGS_FILE:
        return path.parent
    folder = next((p for p in path.parents if (p / SETTINGS_FILE).is_file()), None)
    if folder is not None:
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        return None if hidden else folder
    if not path.name.endswith(YAML_SUFFIXES):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            head = f.read(MAX_SNIFF_BYTES)
        data = yaml.safe_load(head)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return path.parent  # let the checks report what is wrong with it
    return path.parent if isinstance(data, dict) and data and set(data) <= CONFIG_SECTIONS else None


MAX_SNIFF_BYTES = 16 * 1024 * 1024


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(
        unique,
        key=lambda p: (p.location is not None, *((p.location.file, p.location.line, p.location.column) if p.location else ()), str(p)),
    )


@lru_cache(maxsize=1)
def _key_pattern() -> re.Pattern[str]:
    return re.compile(load_schema("config")["$defs"]["key"]["pattern"])


def _valid_key(key: str) -> bool:
    return _key_pattern().match(key) is not None


# What _FileReader.read adds to, besides the widget files it reads (`ui_cache`).
_GATHERED = ("files", "problems", "warnings", "moves", "tests", "file_reads")


class _FileReader:
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

    def twin(self) -> _FileReader:
        """A reader with the same inputs that has read nothing yet."""
        return _FileReader(self.root, self.inputs, index=self.index, previous=self.previous)

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
                checked = _ObjectChecks(doc, kind, key_node.value, key, value, object_key_node, object_node)
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

    def _in_environment(self, o: _ObjectChecks) -> bool:
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

    def _check_object(self, o: _ObjectChecks) -> None:
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

    def _read_ui_file(self, o: _ObjectChecks) -> None:
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


class _ObjectChecks:
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

