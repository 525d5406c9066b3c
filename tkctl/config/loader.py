"""Turning a config directory into Settings and a DesiredState, or into a list of every problem.

The steps are independent on purpose: each file is read and schema-checked on its own (a
`FileReader`, `config/filereader.py`; some files in a second process, `config/twocores.py`),
then objects from all files are pooled for the checks that look across objects (unique keys,
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
import logging
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple

import yaml

from tkctl.config.cache import ConfigCache, Inputs, ReaderInputs, file_record, result_of
from tkctl.config.blocks import index_known
from tkctl.config.constraints import ZONES_SEEN
from tkctl.config.expectations import check_tests
from tkctl.config.filereader import FileReader
from tkctl.config.references import Entry, reference_problems, uniqueness_problems
from tkctl.config.reuse import Previous, Reread, from_delta, object_index, state_delta
from tkctl.config.settings import SETTINGS_FILE, Settings, read_settings
from tkctl.config.twocores import child_files, load_apart, read_files
from tkctl.config.yamlfile import display_path
from tkctl.core.model import DesiredObject, DesiredState
from tkctl.core.plan import config_digest, desired_record
from tkctl.errors import ConfigError, Location, Problem
from tkctl.fork import Then, fork_allowed
from tkctl.gcpause import collector_paused
from tkctl.log import took

log = logging.getLogger("tkctl.config")

YAML_SUFFIXES = (".yaml", ".yml")


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
    started = time.perf_counter()
    with collector_paused():  # hundreds of thousands of YAML nodes and values: tkctl/gcpause.py
        report = _check(config_dir, os.environ if environ is None else environ, env, cache, on_settings)
    report.problems = _sorted(report.problems)
    report.warnings = _sorted(report.warnings)
    log.info("config: %d objects read and checked in %s", len(report.desired or ()), took(started))
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
            held = [raw]
            del raw  # `_reuse_apart` lets the bytes go as soon as this process has unpickled them
            got = _reuse_apart(root, inputs, files, cache, held, start)
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
                 held: list[bytes], start: Callable[[], None]) -> tuple[DesiredState, list[Problem]] | None:
    """The load reusing the entry whose bytes `held` holds, alone (`_reuse_load`), done by a
    second process while this one reads the account; None if the child failed or met anything
    a full read must report. `start` (the account's read) is called once the child is forked:
    the child starts a tenth of a second sooner than after the read's start, whose imports and
    threads hold this process's interpreter meanwhile, and no thread but this one is forked.

    The child sends only what this process cannot take from the entry itself (`StateDelta`:
    the objects read again, and where the others are), and this process unpickles the entry's
    state meanwhile: at 20,000 resources, pickling the whole load and unpickling it here
    took 1.2 s on the way. Once it has, it empties `held`: the child has its own copy, and the
    bytes (26 MB at 20,000 resources) would otherwise be kept while the account's pages and
    the state are read. The child then saves the new entry while this process plans."""
    def meanwhile() -> Any:
        start()
        return result_of(held.pop())

    got = load_apart(lambda: _reuse_delta(root, inputs, files, cache.directory, held[0]), files, meanwhile,
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
    reader = FileReader(root, inputs, index=cache is not None, previous=previous)
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
    # Each of these maps (and the state's) is a dict and a key per object: 5.5 MB at 20,000
    # resources. The state takes `objects` itself, and `first_seen` goes before the checks
    # that look across objects, not with the function, where a first plan's memory peaked.
    del first_seen
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
    state = DesiredState(objects, moves=[(old, new) for old, new, _ in reader.moves], tests=tests)  # as `add` each
    if cache is not None:
        _store(cache, root, inputs, reader, state, warnings)
    return state


def reader_inputs(settings: Settings) -> ReaderInputs:
    """What reading object files takes from the settings: all of it, and nothing else (the
    config cache keys on exactly this)."""
    return ReaderInputs(settings.allow_files_outside_config, settings.variables, settings.environment,
                        settings.environments)


def _store(cache: ConfigCache, root: Path, inputs: ReaderInputs, reader: FileReader, state: DesiredState,
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
