"""Loads that read some object files in a forked child (config/twocores.py) equal loads in one
process: the same objects in the same order, fields, locations, problems and warnings; and a
child that fails, hangs or is killed costs only time.

The property test forks whatever the files' size (MIN_CHILD_BYTES = 0) and on any machine
(`_can_fork` forced), so the child's path is what it checks.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reuse import SETTINGS, Parsed, _big, _edit, _files, _same

from tkctl import fork
from tkctl.config import filereader, loader, twocores
from tkctl.config.cache import ConfigCache, flush_deferred
from tkctl.config.loader import check_config
from tkctl.core.plan import config_digest, desired_canonical, form_key, record_of

ONE_CORE = {"TIMEKIT_APP_TOKEN": "t", "TKCTL_NO_FORK": "1"}
TWO_CORES = {"TIMEKIT_APP_TOKEN": "t"}


class Forks:
    """Counts the loads that forked, and those done again in one process (`Reread`)."""

    def __init__(self, mp: pytest.MonkeyPatch):
        self.forks = 0
        self.loads: list[bool] = []  # per _load_objects call: whether it was given files apart
        self.read_here: list[str] = []  # files read apart by this process (not the child)
        forked, load, read_apart = twocores.forked, loader._load_objects, filereader.FileReader.read_apart
        parent = os.getpid()

        def counting_read_apart(reader, path):
            if os.getpid() == parent:
                self.read_here.append(path.name)
            return read_apart(reader, path)

        def counting_forked(work, leave=None):
            self.forks += 1
            return forked(work, leave)

        def counting_load(*args, **kw):
            self.loads.append(bool(kw.get("apart")))
            return load(*args, **kw)

        mp.setattr(twocores, "MIN_CHILD_BYTES", 0)
        mp.setattr(fork, "_can_fork", lambda: True)
        mp.setattr(twocores, "forked", counting_forked)
        mp.setattr(loader, "_load_objects", counting_load)
        mp.setattr(filereader.FileReader, "read_apart", counting_read_apart)


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Forks:
    return Forks(monkeypatch)


def _write(root: Path, files: dict[str, str]) -> None:
    root.mkdir(exist_ok=True)
    (root / "tkctl.yaml").write_text(SETTINGS)
    (root / "widget.json").write_text(json.dumps({"availability_view": "agendaWeek", "display_name": "W"}))
    for name, text in files.items():
        (root / name).write_text(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_load_on_two_cores_equals_a_load_in_one_process(data):
    """Random files (anchors, aliases, merge keys, widget files, environments, warnings), then
    random edits that break them (syntax errors, dangling references, duplicate keys)."""
    env = data.draw(st.sampled_from(["prod", "dev"]))
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        counted = Forks(mp)
        root = Path(tmp) / "cfg"
        files = _files(data)  # a.yaml and b.yaml: the child reads one of them
        for _ in range(data.draw(st.integers(0, 3))):
            name = data.draw(st.sampled_from(sorted(files)))
            files[name] = _edit(files[name], data)
        _write(root, files)
        cache = ConfigCache(Path(tmp) / "cache")
        _same(check_config(root, TWO_CORES, env, cache=cache), check_config(root, ONE_CORE, env))
        assert counted.forks == 1
        # The cache entry saved from that load serves the next load after an edit correctly.
        name = data.draw(st.sampled_from(sorted(files)))
        (root / name).write_text(_edit(files[name], data))
        _same(check_config(root, TWO_CORES, env, cache=cache), check_config(root, ONE_CORE, env))


def test_a_problem_across_files_is_located_by_reading_again_in_one_process(tmp_path, forks):
    _write(tmp_path, {  # a.yaml, the larger, is read here; b.yaml by the child
        "a.yaml": "resources:\n  ann:\n    name: Ann\n    timezone: Europe/Oslo\n" + "# padding\n" * 20,
        "b.yaml": "calendars:\n  c1:\n    resource: ann\n    name: One\n    description: D\n"
                  "  c2:\n    resource: bob\n    name: Two\n    description: D\n",
    })
    two = check_config(tmp_path, TWO_CORES, "prod")
    assert forks.loads == [True, False]  # the child's entry could not locate it: read again
    one = check_config(tmp_path, ONE_CORE, "prod")
    _same(two, one)
    assert [(Path(p.location.file).name, p.location.line, p.field) for p in two.problems] == [("b.yaml", 7, "resource")]


def test_a_valid_config_is_read_once_on_two_cores(tmp_path, forks):
    _write(tmp_path, {
        "a.yaml": "resources:\n  ann:\n    name: Ann\n    timezone: Europe/Oslo\n",
        "b.yaml": "calendars:\n  c1:\n    resource: ann\n    name: One\n    description: D\n",
        "c.yaml": "projects:\n  p1:\n    name: P\n    resources: [ann]\n    ui_file: widget.json\n",
    })
    two = check_config(tmp_path, TWO_CORES, "prod")
    assert forks.loads == [True] and forks.forks == 1
    assert forks.read_here == ["c.yaml"]  # the largest; a.yaml and b.yaml came from the child
    _same(two, check_config(tmp_path, ONE_CORE, "prod"))
    assert two.desired.objects[("project", "p1")].fields["ui"]["display_name"] == "W"


def test_a_childs_objects_come_with_their_plan_forms_only_for_a_load_the_cache_keeps(tmp_path, forks):
    _write(tmp_path, {
        "a.yaml": "resources:\n  ann:\n    name: Ann\n    timezone: Europe/Oslo\n",
        "b.yaml": "calendars:\n  c1:\n    resource: ann\n    name: One\n    description: D\n",
        "c.yaml": "projects:\n  p1:\n    name: P\n    resources: [ann]\n    ui_file: widget.json\n",
    })
    plain = check_config(tmp_path, TWO_CORES, "prod")  # as validate loads: no cache
    # Deferred: the entry (which works them out too) is not written before the check.
    cached = check_config(tmp_path, TWO_CORES, "prod", cache=ConfigCache(tmp_path / "cache", deferred=True))
    assert forks.read_here == ["c.yaml", "c.yaml"]  # a.yaml and b.yaml came from the child, twice
    child = [("resource", "ann"), ("calendar", "c1")]
    assert not any(plain.desired.objects[k].derived for k in child)
    for k in child:
        obj = cached.desired.objects[k]
        want = desired_canonical(obj)
        assert obj.derived == (form_key(want), record_of(want, obj.lifecycle))
    assert not cached.desired.objects[("project", "p1")].derived  # read here: worked out when the plan asks
    flush_deferred()


def test_a_child_that_fails_leaves_its_files_to_the_parent(tmp_path, forks, monkeypatch):
    parent = os.getpid()
    read_apart = filereader.FileReader.read_apart

    def failing_in_the_child(self, path):
        if os.getpid() != parent:
            raise MemoryError("the child ran out")
        return read_apart(self, path)

    monkeypatch.setattr(filereader.FileReader, "read_apart", failing_in_the_child)
    _write(tmp_path, {
        "a.yaml": "resources:\n  ann:\n    name: Ann\n    timezone: Europe/Oslo\n",
        "b.yaml": "calendars:\n  c1:\n    resource: ann\n    name: One\n    lifecycle: {nope: 1}\n",
    })
    two = check_config(tmp_path, TWO_CORES, "prod")
    assert forks.forks == 1 and two.problems  # b.yaml read, by the parent
    _same(two, check_config(tmp_path, ONE_CORE, "prod"))


def test_the_split_gives_the_child_the_share_without_the_largest_file(tmp_path, monkeypatch):
    monkeypatch.setattr(twocores, "MIN_CHILD_BYTES", 100)
    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    sizes = {"a.yaml": 500, "b.yaml": 300, "c.yaml": 250, "d.yaml": 10}
    for name, size in sizes.items():
        (tmp_path / name).write_text("#" * size)
    files = [tmp_path / n for n in sorted(sizes)]
    assert [p.name for p in twocores.child_files(files, {})] == ["b.yaml", "c.yaml"]  # 550 vs 510
    assert twocores.child_files(files, {"TKCTL_NO_FORK": "1"}) == []
    assert twocores.child_files(files, {"TKCTL_NO_FORK": "yes"}) == []
    assert len(twocores.child_files(files, {"TKCTL_NO_FORK": "0"})) == 2  # as TKCTL_NO_CACHE=0: not set
    assert twocores.child_files(files[:1], {}) == []  # one file: nothing to share
    monkeypatch.setattr(twocores, "MIN_CHILD_BYTES", 600)
    assert twocores.child_files(files, {}) == []  # too little for the child to pay for its start


# -- a load that reuses the cache entry, done whole in a forked child (`load_apart`) -------------


def _reuse_setup(tmp_path: Path) -> tuple[Path, Path, ConfigCache]:
    root = tmp_path / "cfg"
    path = _big(root)
    cache = ConfigCache(tmp_path / "cache")
    check_config(root, ONE_CORE, cache=cache)  # the entry an edit reuses
    path.write_text(path.read_text().replace("Person r7 ", "Person r7 (locum) "))
    return root, path, cache


def test_a_load_reusing_the_entry_is_done_in_a_second_process(tmp_path, monkeypatch):
    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    root, _, cache = _reuse_setup(tmp_path)
    parsed = Parsed(monkeypatch)
    loaded = check_config(root, TWO_CORES, cache=cache)
    assert parsed.texts == [] and parsed.reused == 0, "the edit was read in this process"
    assert loaded.desired.get("resource", "r7").fields["name"].startswith("Person r7 (locum)")
    _same(loaded, check_config(root, ONE_CORE))
    derived = [obj.derived for obj in loaded.desired]
    assert all(derived), "the child sends what plans derive from each object"
    parsed.reset()
    again = check_config(root, ONE_CORE, cache=cache)  # the child saved the new entry: a hit
    assert parsed.texts == [] and parsed.reused == 0
    _same(again, loaded)


def test_this_process_lets_the_entrys_bytes_go_once_it_has_unpickled_them(tmp_path, monkeypatch):
    """The entry's bytes (26 MB at 20,000 resources) go as soon as this process has unpickled
    its objects, not when the second process's answer is in: meanwhile the account's pages
    and the state are read. The second process has its own copy of them from the fork."""
    import sys

    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    root, _, cache = _reuse_setup(tmp_path)
    holders: list[int] = []
    real = loader.result_of

    def noting(raw: bytes):
        holders.append(sys.getrefcount(raw) - 2)  # less this frame's name and getrefcount's argument
        return real(raw)

    monkeypatch.setattr(loader, "result_of", noting)
    parsed = Parsed(monkeypatch)
    loaded = check_config(root, TWO_CORES, cache=cache)
    assert parsed.texts == [] and parsed.reused == 0, "the edit was read in this process"
    assert holders == [0], f"{holders[0] if holders else 'no'} other references to the entry's bytes"
    assert loaded.desired.get("resource", "r7").fields["name"].startswith("Person r7 (locum)")
    _same(loaded, check_config(root, ONE_CORE))


def test_the_accounts_read_starts_after_the_second_process_is_forked_and_before_the_entry_is_unpickled(
        tmp_path, monkeypatch):
    """`on_settings` (the account's read, `planner.EarlyRead`) is started once per load: after
    the reusing child is forked (no reading thread is forked with it, and its start does
    not slow the child's), and before an unchanged config's entry is unpickled (the
    unpickling is hidden by the read)."""
    from tkctl.config import cache as cache_module

    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    root, path, cache = _reuse_setup(tmp_path)
    events: list[str] = []
    real_fork, real_load = fork.os.fork, cache_module.pickle.load
    parent = os.getpid()

    def noting_fork():
        events.append("fork")
        return real_fork()

    def noting_load(f):
        if os.getpid() == parent and not isinstance(getattr(f, "raw", None), fork._Pipe):  # not a child's result
            events.append("unpickle")
        return real_load(f)

    monkeypatch.setattr(fork.os, "fork", noting_fork)
    monkeypatch.setattr(cache_module.pickle, "load", noting_load)
    start = lambda settings: events.append("start")  # noqa: E731
    edited = check_config(root, TWO_CORES, cache=cache, on_settings=start)
    assert events == ["fork", "start"], events
    events.clear()
    again = check_config(root, TWO_CORES, cache=cache, on_settings=start)  # the child saved the entry
    assert events[:2] == ["start", "unpickle"] and "fork" not in events, events
    _same(again, edited)
    events.clear()
    check_config(root, TWO_CORES, on_settings=start)  # no cache: at once
    assert events[0] == "start" and events.count("start") == 1, events
    path.write_text(path.read_text() + "  bad: [\n")
    events.clear()
    assert check_config(root, TWO_CORES, cache=cache, on_settings=start).problems
    assert events.count("start") == 1, "a load that falls back to reading every file starts it once"


def test_a_deferred_cache_has_the_second_process_save_the_entry_after_sending_the_load(tmp_path, monkeypatch):
    """The command goes on with the load as soon as it arrives; the child saves the entry
    meanwhile, and the command waits for it only when it flushes the cache (at its end)."""
    from tkctl.config import cache as cache_module

    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    root, _, cache = _reuse_setup(tmp_path)
    deferred = ConfigCache(cache.directory, deferred=True, background=True)
    loaded = check_config(root, TWO_CORES, cache=deferred)
    assert [type(p).__name__ for p in cache_module._PENDING] == ["_ChildWrite"]
    flush_deferred()
    assert cache_module._PENDING == []
    parsed = Parsed(monkeypatch)
    again = check_config(root, ONE_CORE, cache=cache)  # the child saved the new entry: a hit
    assert parsed.texts == [] and parsed.reused == 0
    _same(again, loaded)


def test_the_second_process_sends_only_the_objects_read_again_and_where_the_others_went(tmp_path, monkeypatch):
    """After a line is added inside r7's block, the child sends r7 itself, the objects above
    it by their place in the entry, and those below as moved one line down; this process
    rebuilds the load from its own copy of the entry, equal to a full read in everything,
    with each object's plan forms and the config digest."""
    from tkctl.config.reuse import StateDelta

    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    root = tmp_path / "cfg"
    path = _big(root)
    cache = ConfigCache(tmp_path / "cache")
    check_config(root, ONE_CORE, cache=cache)
    path.write_text(path.read_text().replace("  r7:\n", "  r7:\n    # a locum\n", 1))
    sent: list[StateDelta] = []
    rebuild = loader.from_delta

    def spy(previous, delta):
        sent.append(delta)
        return rebuild(previous, delta)

    monkeypatch.setattr(loader, "from_delta", spy)
    loaded = check_config(root, TWO_CORES, cache=cache)
    (delta,) = sent
    keys = [item.key if hasattr(item, "key") else item for item in delta.layout]
    assert keys[:7] == list(range(7))  # r0 to r6: the entry's own objects
    assert keys[7] == "r7"  # read again
    assert delta.layout[8:] == [(i, str(path), 1) for i in range(8, 50)]  # one line lower
    fresh = check_config(root, ONE_CORE)
    _same(loaded, fresh)
    assert loaded.desired.digest == config_digest(fresh.desired)
    for obj in loaded.desired:
        assert obj.derived.record == record_of(desired_canonical(obj)), obj.key


def test_an_object_equal_to_a_moved_one_but_not_made_from_it_is_sent_whole():
    from tkctl.config.reuse import moved_object, state_delta
    from tkctl.core.model import DesiredObject, DesiredState, FieldLocations
    from tkctl.errors import Location

    old = DesiredObject("resource", "a", {"name": "A"}, location=Location("r.yaml", 2, 3),
                        field_locations=FieldLocations({"name": Location("r.yaml", 3, 11)}))
    moved = moved_object(old, "r.yaml", 4)
    alike = DesiredObject("resource", "a", {"name": "A"}, location=moved.location,
                          field_locations=moved.field_locations)
    assert alike == moved
    for new, expected in ((old, 0), (moved, (0, "r.yaml", 4)), (alike, alike)):
        state = DesiredState()
        state.add(new)
        assert state_delta([old], state, []).layout == [expected]


def test_a_second_process_that_fails_leaves_the_load_to_this_one(tmp_path, monkeypatch):
    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    root, _, cache = _reuse_setup(tmp_path)

    def fails(*args):
        raise MemoryError("no room in the child")

    monkeypatch.setattr(loader, "_reuse_delta", fails)
    parsed = Parsed(monkeypatch)
    loaded = check_config(root, TWO_CORES, cache=cache)
    assert len(parsed.texts) == 1  # read whole here
    _same(loaded, check_config(root, ONE_CORE))


def test_a_mistake_found_by_the_second_process_is_reported_from_a_full_read(tmp_path, monkeypatch):
    monkeypatch.setattr(fork, "_can_fork", lambda: True)
    root, path, cache = _reuse_setup(tmp_path)
    path.write_text(path.read_text().replace("  r9:\n", "  r9:\n    colour: blue\n", 1))  # no such field
    loaded = check_config(root, TWO_CORES, cache=cache)
    fresh = check_config(root, ONE_CORE)
    assert loaded.problems and loaded.problems[0].location.line > 1
    _same(loaded, fresh)
