"""The config cache (tkctl/config/cache.py) answers only for an unchanged config.

A load from the cache must equal a load from the files (objects, locations, warnings, and the
forms a plan derives from each object); each input the cache keys on, changed alone, must make
the next load read the files again; a config with problems is never saved; and an entry that
somebody else could have written is never loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from pathlib import Path
from typing import Callable

import pytest

from tkctl import fork
from tkctl.config import cache as cache_module
from tkctl.config import blocks, constraints, filereader, loader
from tkctl.config.cache import ConfigCache, cache_dir
from tkctl.config.loader import load_config_with_warnings
from tkctl.core.plan import config_digest, desired_canonical, form_key, record_of
from tkctl.errors import ConfigError

EXAMPLES = Path(__file__).parents[3] / "examples"
ENVIRON = {"TIMEKIT_APP_TOKEN": "t", "TIMEKIT_STAGING_TOKEN": "t", "TIMEKIT_PRODUCTION_TOKEN": "t"}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/clinic-environments (variables, environments, widget files)."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "cfg"
    shutil.copytree(EXAMPLES / "clinic-environments", root, ignore=shutil.ignore_patterns(".tkctl"))
    return root


@pytest.fixture
def cache(tmp_path: Path) -> ConfigCache:
    return ConfigCache(tmp_path / "cache")


class Reads:
    """Counts the object files the loader reads: 0 on a load served by the cache. A read in a
    forked child (a load reusing an entry is done in one) counts too: each read appends a
    byte to a file."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tally: Path):
        self.tally = tally
        self.count = 0
        original = filereader.FileReader.read

        def read(reader, path):
            with open(tally, "ab") as f:
                f.write(b".")
            return original(reader, path)

        monkeypatch.setattr(filereader.FileReader, "read", read)

    @property
    def count(self) -> int:
        return self.tally.stat().st_size if self.tally.exists() else 0

    @count.setter
    def count(self, value: int) -> None:
        assert value == 0
        self.tally.write_bytes(b"")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Reads:
    return Reads(monkeypatch, tmp_path_factory.mktemp("reads") / "tally")


def load(root: Path, cache: ConfigCache | None, env: str = "staging", environ: dict | None = None):
    return load_config_with_warnings(root, {**ENVIRON, **(environ or {})}, env, cache=cache)


def same(a, b) -> None:
    """Two loads are equal in everything a command can see."""
    assert a.settings == b.settings
    assert list(a.desired) == list(b.desired)  # fields, refs, location, field locations, lifecycle
    assert [o.field_locations for o in a.desired] == [o.field_locations for o in b.desired]
    assert a.desired.moves == b.desired.moves
    assert a.desired.tests == b.desired.tests
    assert a.warnings == b.warnings
    assert config_digest(a.desired) == config_digest(b.desired)


def test_an_unchanged_config_comes_from_the_cache_equal_to_a_load_from_the_files(folder, cache, reads):
    fresh = load(folder, None)
    first = load(folder, cache)
    assert reads.count > 0
    reads.count = 0
    cached = load(folder, cache)
    assert reads.count == 0, "the second load read the files: the cache was not used"
    same(cached, fresh)
    same(first, fresh)


def test_what_the_cache_keeps_a_plan_derives_equals_what_is_worked_out_afresh(folder, cache):
    load(folder, cache)
    cached = load(folder, cache)
    for obj in cached.desired:
        key, record = obj.derived
        assert key == form_key(desired_canonical(obj)) and key is not None
        assert record == record_of(desired_canonical(obj), obj.lifecycle)
    assert cached.desired.digest == config_digest(load(folder, None).desired)


def _edit_same_size(root: Path) -> None:
    """A same-length edit with the old modification time put back: only the bytes tell."""
    path = root / "resources.yaml"
    before = path.stat()
    text = path.read_text()
    assert "Dr. Anna Jones" in text
    path.write_text(text.replace("Dr. Anna Jones", "Dr. Anna Jonas", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _add_file(root: Path) -> None:
    (root / "more.yaml").write_text("resources: {}\n")


def _remove_file(root: Path) -> None:
    (root / "extra.yaml").unlink()


def _edit_widget(root: Path) -> None:
    widget = next((root / "widgets").glob("*.json"))
    data = json.loads(widget.read_text())
    data["display_name"] = "Changed"
    widget.write_text(json.dumps(data))


def _edit_variable(root: Path) -> None:
    settings = root / "tkctl.yaml"
    settings.write_text(settings.read_text().replace("brand: \"[STAGING] Northside Clinic\"",
                                                     "brand: \"[STAGING] Southside Clinic\""))


def _retarget_link(root: Path) -> None:
    link = root / "linked.yaml"
    (root / ".other.yaml").write_text((root / ".linked-target.yaml").read_text())
    link.unlink()
    link.symlink_to(root / ".other.yaml")


CHANGES = {
    "a file's bytes (same size and time)": _edit_same_size,
    "a file added": _add_file,
    "a file removed": _remove_file,
    "a widget file": _edit_widget,
    "a variable in tkctl.yaml": _edit_variable,
    "where a link points": _retarget_link,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_each_changed_input_makes_the_load_read_the_files_again(folder, cache, reads, change):
    (folder / "extra.yaml").write_text("resources: {}\n")
    (folder / ".linked-target.yaml").write_text("resources: {}\n")
    (folder / "linked.yaml").symlink_to(folder / ".linked-target.yaml")
    load(folder, cache)
    load(folder, cache)
    reads.count = 0
    CHANGES[change](folder)
    after = load(folder, cache)
    assert reads.count > 0, f"{change}: the cache answered for a changed config"
    same(after, load(folder, None))
    reads.count = 0
    same(load(folder, cache), after)  # and the new load is the one saved
    assert reads.count == 0


def test_a_changed_tkctl_never_reads_an_older_tkctls_entry(folder, cache, reads, monkeypatch):
    load(folder, cache)
    reads.count = 0
    monkeypatch.setattr(cache_module, "code_digest", lambda: "another tkctl")
    load(folder, cache)
    assert reads.count > 0


def test_environments_keep_their_own_entries(folder, cache, reads):
    staging = load(folder, cache, "staging")
    production = load(folder, cache, "production")
    assert list(staging.desired) != list(production.desired)
    reads.count = 0
    same(load(folder, cache, "staging"), staging)
    same(load(folder, cache, "production"), production)
    assert reads.count == 0


def test_another_working_directory_reads_again_and_names_files_from_there(folder, cache, reads, monkeypatch):
    here = load(folder, cache)
    assert here.desired.objects[next(iter(here.desired.objects))].location.file.startswith("cfg/")
    reads.count = 0
    monkeypatch.chdir(folder)
    there = load(folder, cache)
    assert reads.count > 0
    assert not next(iter(there.desired)).location.file.startswith("cfg/")


def test_a_time_zone_this_machine_no_longer_knows_is_checked_again(folder, cache, reads, monkeypatch):
    load(folder, cache)
    zone = next(o.fields["timezone"] for o in load(folder, None).desired if o.kind == "resource")
    reads.count = 0
    constraints.is_timezone.cache_clear()
    monkeypatch.setattr(constraints, "is_timezone", lambda name: name != zone)
    with pytest.raises(ConfigError) as err:
        load(folder, cache)
    assert reads.count > 0
    assert f'"{zone}" is not an IANA time zone' in str(err.value)


def test_a_config_with_problems_is_never_saved_and_reports_the_same(folder, cache, tmp_path):
    (folder / "broken.yaml").write_text("resources:\n  bad:\n    name: 5\n")
    with pytest.raises(ConfigError) as without:
        load(folder, None)
    with pytest.raises(ConfigError) as first:
        load(folder, cache)
    with pytest.raises(ConfigError) as second:
        load(folder, cache)
    assert str(without.value) == str(first.value) == str(second.value)
    assert "broken.yaml, line 3" in str(first.value)
    assert not list((tmp_path / "cache").rglob("*.pickle"))


def _entry(tmp_path: Path) -> Path:
    (entry,) = (tmp_path / "cache" / "config").glob("*.pickle")
    return entry


def test_an_entry_others_could_write_is_not_loaded(folder, cache, reads, tmp_path):
    load(folder, cache)
    entry = _entry(tmp_path)
    entry.chmod(0o664)
    reads.count = 0
    load(folder, cache)
    assert reads.count > 0
    assert stat.S_IMODE(_entry(tmp_path).stat().st_mode) == 0o600  # saved again, owner-only


def test_a_cache_folder_others_could_write_is_neither_read_nor_written(folder, cache, reads, tmp_path):
    load(folder, cache)
    (tmp_path / "cache" / "config").chmod(0o777)
    written = _entry(tmp_path).stat().st_mtime_ns
    (folder / "more.yaml").write_text("resources: {}\n")  # a changed config would be saved again
    for _ in range(2):  # neither load uses the entry, nor can the second use a new one
        reads.count = 0
        load(folder, cache)
        assert reads.count > 0
    assert _entry(tmp_path).stat().st_mtime_ns == written


def test_a_damaged_entry_is_ignored_and_replaced(folder, cache, reads, tmp_path):
    load(folder, cache)
    entry = _entry(tmp_path)
    entry.write_bytes(entry.read_bytes()[:-200])
    reads.count = 0
    same(load(folder, cache), load(folder, None))
    assert reads.count > 0
    reads.count = 0
    load(folder, cache)
    assert reads.count == 0


def test_variable_values_are_not_written_in_the_clear_in_the_header(folder, cache, tmp_path):
    load(folder, cache)
    header = _entry(tmp_path).read_bytes().split(b"\n", 1)[0]
    assert b"Northside" not in header and b"staging.northside" not in header
    assert json.loads(header)["format"] == cache_module.FORMAT


def test_where_the_cache_lives_and_how_to_turn_it_off(tmp_path):
    assert cache_dir({"TKCTL_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/tkctl")
    assert cache_dir({"HOME": "/home/u"}) == Path("/home/u/.cache/tkctl")
    assert cache_dir({"TKCTL_NO_CACHE": "1", "TKCTL_CACHE_DIR": str(tmp_path)}) is None
    assert cache_dir({"TKCTL_NO_CACHE": "0", "HOME": "/h"}) == Path("/h/.cache/tkctl")


def test_a_deferred_cache_writes_its_entry_only_when_flushed(folder, tmp_path, reads):
    deferred = ConfigCache(tmp_path / "cache", deferred=True)
    fresh = load(folder, deferred)
    assert not list((tmp_path / "cache").rglob("*.pickle"))  # the command is still running
    cache_module.flush_deferred()
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 1
    reads.count = 0
    same(load(folder, deferred), fresh)
    assert reads.count == 0
    cache_module.flush_deferred()  # a hit stores nothing
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 1


class Writes:
    """Counts the entries written by this process (a forked child counts in its own copy)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, in_child: Callable[[], None] | None = None):
        self.here = 0
        parent, original = os.getpid(), cache_module._write

        def write(*args):
            if os.getpid() == parent:
                self.here += 1
            elif in_child is not None:
                in_child()
            return original(*args)

        monkeypatch.setattr(cache_module, "_write", write)


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fork, "_can_fork", lambda: True)


def test_a_background_cache_leaves_its_entry_to_a_detached_process_the_next_load_waits_for(
        folder, tmp_path, reads, monkeypatch, two_cores):
    """The command does not wait for the write; the next load of the folder does (the writer
    holds the entry's lock), and is served by the entry rather than by the files."""
    release = tmp_path / "release"

    def held_back() -> None:
        """The writer writes only once the test says so: the next load must wait for it."""
        deadline = time.monotonic() + 60
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)

    writes = Writes(monkeypatch, in_child=held_back)
    background = ConfigCache(tmp_path / "cache", deferred=True, background=True)
    fresh = load(folder, background)
    left = cache_module.flush_deferred()
    assert len(left) == 1 and writes.here == 0, "the entry was written by the tkctl process, not by another"
    assert not list((tmp_path / "cache").rglob("*.pickle"))  # still being written: the call did not wait
    release.touch()
    reads.count = 0
    same(load(folder, background), fresh)
    assert reads.count == 0
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 1
    assert not list((tmp_path / "cache").rglob(".tmp-*"))


def _fails() -> None:
    raise MemoryError("the second process could not write")


def _hangs() -> None:
    time.sleep(3600)


@pytest.mark.parametrize("in_child", [_fails, _hangs])
def test_a_detached_writer_that_fails_or_hangs_leaves_no_entry_and_costs_the_next_load_only_time(
        folder, tmp_path, reads, monkeypatch, two_cores, in_child):
    writes = Writes(monkeypatch, in_child)
    monkeypatch.setattr(fork, "DETACHED_LIMIT", 1)  # a hung writer ends itself after this
    monkeypatch.setattr(cache_module, "WRITER_WAIT", 0.2)  # and a load waits for it this long
    background = ConfigCache(tmp_path / "cache", deferred=True, background=True)
    fresh = load(folder, background)
    assert len(cache_module.flush_deferred()) == 1 and writes.here == 0
    reads.count = 0
    same(load(folder, ConfigCache(tmp_path / "cache")), fresh)  # read from the files
    assert reads.count > 0 and writes.here == 1  # and saved by this (non-deferred) cache
    cache_module.wait_for_writers(tmp_path / "cache", wait=30)  # the hung writer has ended itself
    reads.count = 0
    same(load(folder, background), fresh)
    assert reads.count == 0


def test_the_cli_cache_writes_in_the_background_only_where_a_second_process_may_run(tmp_path, monkeypatch):
    from tkctl.workspace import _cache

    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    assert _cache(tmp_path, {}).background and _cache(tmp_path, {}).deferred
    assert not _cache(tmp_path, {"TKCTL_NO_FORK": "1"}).background
    monkeypatch.setattr(fork, "_can_fork", lambda: False)
    assert not _cache(tmp_path, {}).background and _cache(tmp_path, {}).deferred
    assert _cache(None, {}) is None
    assert not ConfigCache(tmp_path, background=True).background  # only a deferred cache writes later


def test_a_second_process_writing_a_first_load_finds_its_blocks_ahead_of_the_next_edit(folder, tmp_path,
                                                                                       monkeypatch, two_cores):
    """A file read whole keeps its text in the entry, to be split into blocks by the first load
    after it changes (`blocks.index_known`); a second process writing the entry splits it
    then instead, so that load has only its changed blocks to read."""
    background = ConfigCache(tmp_path / "cache", deferred=True, background=True)
    load(folder, background)
    cache_module.flush_deferred()
    (folder / "resources.yaml").write_text((folder / "resources.yaml").read_text().replace(
        "Dr. Anna Jones", "Dr. Anna Jonas", 1))
    indexed: list[str] = []
    original = blocks.index_known
    for module in (filereader, loader):  # a file read whole is indexed by the one, a cache entry by the other
        monkeypatch.setattr(module, "index_known", lambda known, *a: indexed.append(known.path) or original(known, *a))
    edited = load(folder, ConfigCache(tmp_path / "cache"), environ={"TKCTL_NO_FORK": "1"})
    assert indexed == []
    same(edited, load(folder, None))
    assert any(o.fields.get("name") == "Dr. Anna Jonas" for o in edited.desired)


def test_a_write_sweeps_the_temporary_files_of_killed_writes_but_not_of_running_ones(folder, cache, tmp_path):
    """A writer killed mid-write leaves its `.tmp-` file; the next write deletes those untouched
    for an hour, and leaves a recent one (another command may be writing it) and other files."""
    entries = tmp_path / "cache" / "config"
    entries.mkdir(parents=True, mode=0o700)
    stale, fresh, other = entries / ".tmp-killed", entries / ".tmp-writing", entries / "notes.txt"
    for path in (stale, fresh, other):
        path.write_bytes(b"partial")
    old = time.time() - cache_module.STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    load(folder, cache)
    assert not stale.exists()
    assert fresh.exists() and other.exists()
    assert len(list(entries.glob("*.pickle"))) == 1


def test_an_entry_completed_before_it_is_written_is_prepared_once(tmp_path):
    """The second process of a load after an edit completes the entry (the plan forms) before
    it sends the load, then writes it: the forms are worked out once, not again on writing."""
    calls = []
    cache = ConfigCache(tmp_path / "cache", hold=True)
    cache.store(tmp_path, cache_module.ReaderInputs(False, {}, None, ()), cache_module.Inputs([], [], []),
                {"result": 1}, prepare=lambda: calls.append("prepare"), index=[])
    entry = cache.held
    assert entry is not None
    entry.complete()
    entry.write()
    assert calls == ["prepare"]
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 1
