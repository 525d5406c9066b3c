"""The state file: format, round trip, serial, atomic writes, thread safety, bad files."""

from __future__ import annotations

import json
import os
import stat
import threading
import uuid
from pathlib import Path

import pytest

from tkctl import __version__
from tkctl.errors import StateError
from tkctl.secrets import SECRET_FIELDS
from tkctl.state import State, StateEntry, StateStore, dump_state, load_state, new_state


def entry(key: str, kind: str = "resource", id_: str | None = None) -> StateEntry:
    return StateEntry(kind=kind, key=key, id=id_ or f"id-{key}", fingerprint=f"sha256:{key}")


def test_missing_file_is_a_fresh_state_whose_lineage_the_first_save_chooses(tmp_path: Path) -> None:
    """No lineage before the first save, so a plan saved with no state file stays valid until an
    apply creates the state; each new state then gets a lineage of its own."""
    state = load_state(tmp_path / "nowhere" / "state.json")
    assert (state.serial, state.entries, state.lineage, state.app) == (0, {}, "", None)
    first, second = StateStore(tmp_path / "a.json", new_state()), StateStore(tmp_path / "b.json", new_state())
    first.save()
    second.save()
    assert uuid.UUID(first.state.lineage).version == 4
    assert first.state.lineage != second.state.lineage
    assert load_state(tmp_path / "a.json").lineage == first.state.lineage


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.json"  # the folder is created
    store = StateStore(path, new_state())
    store.record(entry("dr-jones"))
    store.record(entry("consult", kind="project"))
    store.record(entry("dr-jones", id_="changed"))
    loaded = load_state(path)
    assert loaded == store.state
    assert loaded.get("resource", "dr-jones") == entry("dr-jones", id_="changed")
    assert loaded.get("resource", "nope") is None
    assert loaded.ids() == {("resource", "dr-jones"): "changed", ("project", "consult"): "id-consult"}


def test_file_is_indented_sorted_json(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    store = StateStore(path, State(lineage="L", serial=6))
    store.bind_app({"id": "app-1", "slug": "clinic"})
    store.record(StateEntry("resource", "dr-jones", "uuid-1", "sha256:ab", {"name": "0011", "email": "aabb"}))
    assert path.read_text(encoding="utf-8") == f"""{{
  "app": {{
    "id": "app-1",
    "slug": "clinic"
  }},
  "format_version": 2,
  "lineage": "L",
  "objects": {{
    "resource.dr-jones": {{
      "fields": {{
        "email": "aabb",
        "name": "0011"
      }},
      "fingerprint": "sha256:ab",
      "id": "uuid-1",
      "key": "dr-jones",
      "kind": "resource"
    }}
  }},
  "serial": 8,
  "tkctl_version": "{__version__}"
}}
"""


@pytest.mark.parametrize(
    "entries",
    [
        [],
        [entry("a")],
        [entry("b"), entry("a"), entry("z", kind="calendar"), entry("a", kind="project")],
        [StateEntry("resource", 'q"uote\\back\nline\u00e9\U0001f600\x00', "i", "f", {"a\n\"": "b\x00"})],
    ],
    ids=["empty", "one", "unsorted", "odd-strings"],
)
def test_text_is_what_json_dumps_writes(entries: list[StateEntry]) -> None:
    state = State(lineage="lin", serial=3, app={"id": "x\"y", "slug": ""})
    for e in entries:
        state.put(e)
    text = dump_state(state)
    doc = json.loads(text)
    assert text == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert doc["objects"] == {e.address: {"kind": e.kind, "key": e.key, "id": e.id, "fingerprint": e.fingerprint,
                                          "fields": e.fields} for e in entries}
    assert load_state_text(text) == state


def load_state_text(text: str) -> State:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.json"
        path.write_text(text, encoding="utf-8")
        return load_state(path)


def test_file_mode_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    StateStore(path, new_state()).save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_serial_grows_by_one_per_save(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    store = StateStore(path, new_state())
    serials = []
    for action in (lambda: store.record(entry("a")), lambda: store.record(entry("b")),
                   lambda: store.forget("resource", "a"), store.save):
        action()
        serials.append(json.loads(path.read_text())["serial"])
    assert serials == [1, 2, 3, 4]
    assert store.state.serial == 4


def test_forgetting_what_is_not_there_writes_nothing(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json", new_state())
    store.forget("resource", "ghost")
    assert store.state.serial == 0 and list(tmp_path.iterdir()) == []


def test_no_secret_field_is_ever_written(tmp_path: Path) -> None:
    """Even a hand-edited entry carrying secrets loses them on the next save."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps({
        "format_version": 1, "serial": 1, "lineage": "L", "tkctl_version": "0.1.0",
        "objects": {"resource.r": {"kind": "resource", "key": "r", "id": "i", "fingerprint": "f",
                                   **{name: f"secret-{name}-value" for name in SECRET_FIELDS}}},
    }))
    store = StateStore(path, load_state(path))
    store.record(entry("s"))
    text = path.read_text()

    def keys(node: object) -> set[str]:
        if isinstance(node, dict):
            return set(node).union(*(keys(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(keys(v) for v in node))
        return set()

    assert not keys(json.loads(text)) & SECRET_FIELDS
    assert "secret-" not in text


def test_failed_replace_leaves_the_old_file_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    store = StateStore(path, new_state())
    store.record(entry("a"))
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StateError) as err:
        store.record(entry("b"))
    assert str(err.value) == f"cannot write the state file {path}: No space left on device"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    # Memory still matches the disk: the entry that could not be saved is not kept.
    assert store.state.serial == 1 and list(store.state.entries) == ["resource.a"]
    monkeypatch.undo()
    store.forget("resource", "a")
    with monkeypatch.context() as m:
        m.setattr(os, "replace", crash)
        with pytest.raises(StateError):
            store.record(entry("a"))
    assert store.state.get("resource", "a") is None and store.state.serial == 2


def test_failed_forget_keeps_the_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = StateStore(tmp_path / "state.json", new_state())
    store.record(entry("a"))
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    with pytest.raises(StateError, match="Input/output error"):
        store.forget("resource", "a")
    assert store.state.get("resource", "a") == entry("a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_concurrent_records_from_20_threads(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    store = StateStore(path, new_state())
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                store.record(entry(f"t{n}-{i}"))
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    doc = json.loads(path.read_text())
    assert doc["serial"] == 200
    assert set(doc["objects"]) == {f"resource.t{n}-{i}" for n in range(20) for i in range(10)}
    assert load_state(path) == store.state
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


GOOD = {"format_version": 1, "serial": 3, "lineage": "L", "tkctl_version": "0.1.0",
        "objects": {"resource.r": {"kind": "resource", "key": "r", "id": "i", "fingerprint": "f"}}}


def _with(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def _entry_with(**changes: object) -> str:
    return _with(objects={"resource.r": {**GOOD["objects"]["resource.r"], **changes}})


NOT_STATE = "is not a valid tkctl state file: "

BAD_FILES = [
    ("", "is empty; restore it from a backup or delete it to start afresh"),
    ("  \n", "is empty; restore it from a backup or delete it to start afresh"),
    ('{"format_version": 1,', "is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 22"),
    (b"\xff\xfe{}", "is not UTF-8 text"),
    ("[]", NOT_STATE + "the top level is an array, not an object"),
    ('"x"', NOT_STATE + "the top level is a string, not an object"),
    ("null", NOT_STATE + "the top level is null, not an object"),
    (_with(format_version=None), NOT_STATE + '"format_version" must be a positive integer'),
    (_with(format_version="1"), NOT_STATE + '"format_version" must be a positive integer'),
    (_with(format_version=0), NOT_STATE + '"format_version" must be a positive integer'),
    (_with(format_version=True), NOT_STATE + '"format_version" must be a positive integer'),
    (_with(serial=-1), NOT_STATE + '"serial" must be a non-negative integer'),
    (_with(serial=1.5), NOT_STATE + '"serial" must be a non-negative integer'),
    (_with(lineage=""), NOT_STATE + '"lineage" must be a non-empty string'),
    (_with(objects=[]), NOT_STATE + '"objects" must be an object'),
    (_with(objects={"resource.r": "i"}), NOT_STATE + 'objects["resource.r"] must be an object'),
    (_entry_with(id=None), NOT_STATE + 'objects["resource.r"]."id" must be a non-empty string'),
    (_entry_with(fingerprint=7), NOT_STATE + 'objects["resource.r"]."fingerprint" must be a non-empty string'),
    (_entry_with(key="other"), NOT_STATE + 'objects["resource.r"] holds "resource.other"; the key must match its kind and key'),
    (_with(objects={"widget.r": {"kind": "widget", "key": "r", "id": "i", "fingerprint": "f"}}),
     NOT_STATE + 'objects["widget.r"]."kind" must be one of resource, calendar, project, not "widget"'),
    (_entry_with(fields=[]), NOT_STATE + 'objects["resource.r"]."fields" must be an object of strings'),
    (_entry_with(fields={"name": 1}), NOT_STATE + 'objects["resource.r"]."fields" must be an object of strings'),
    (_with(app="clinic"), NOT_STATE + '"app" must be an object with a string "id" (and "slug")'),
    (_with(app={"slug": "clinic"}), NOT_STATE + '"app" must be an object with a string "id" (and "slug")'),
    ("[" * 5000 + "]" * 5000, NOT_STATE + "it is nested too deeply to be a state file"),
    ('{"a":' * 5000 + "1" + "}" * 5000, NOT_STATE + "it is nested too deeply to be a state file"),
]


@pytest.mark.parametrize("content, problem", BAD_FILES)
def test_bad_files_are_refused_with_a_reason(tmp_path: Path, content: str | bytes, problem: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(StateError) as err:
        load_state(path)
    assert str(err.value) == f"the state file {path} {problem}"


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.mkdir()
    with pytest.raises(StateError) as err:
        load_state(path)
    assert str(err.value) == f"cannot read the state file {path}: not a regular file"


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "loop"])
def test_special_files_are_refused_at_once(tmp_path: Path, special: str) -> None:
    """A FIFO would block forever, /dev/zero never ends, a symlink loop never resolves."""
    path = tmp_path / "state.json"
    if special == "fifo":
        os.mkfifo(path)
        expected = "not a regular file"
    elif special == "loop":
        path.symlink_to(tmp_path / "other.json")
        (tmp_path / "other.json").symlink_to(path)
        expected = "Too many levels of symbolic links"
    else:
        path.symlink_to(special)
        expected = "not a regular file"
    with pytest.raises(StateError) as err:
        load_state(path)
    assert str(err.value) == f"cannot read the state file {path}: {expected}"


def test_format_1_files_are_read_and_upgraded_on_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(GOOD))
    store = StateStore(path, load_state(path))
    assert store.state.get("resource", "r") == StateEntry("resource", "r", "i", "f", {})
    store.save()
    assert json.loads(path.read_text())["format_version"] == 2


def test_newer_format_is_refused_asking_for_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(_with(format_version=3, tkctl_version="9.0.0"))
    with pytest.raises(StateError) as err:
        load_state(path)
    assert str(err.value) == (
        f"the state file {path} has format version 3 (written by tkctl 9.0.0), but this tkctl "
        f"{__version__} reads format versions up to 2; upgrade tkctl"
    )


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(GOOD))
    assert load_state(path) == State(lineage="L", serial=3, entries={"resource.r": StateEntry("resource", "r", "i", "f")})


def test_a_file_where_the_folder_should_be_is_a_state_error(tmp_path: Path) -> None:
    folder = tmp_path / "file"
    folder.write_text("")
    store = StateStore(folder / "state.json", new_state())
    with pytest.raises(StateError) as err:
        store.save()
    assert str(err.value) == f"cannot write the state file {folder / 'state.json'}: {folder} is not a folder"
    assert store.state.serial == 0


def test_leftover_temp_files_of_a_killed_save_are_removed(tmp_path: Path) -> None:
    from tkctl.state.backends.local import remove_leftover_temp_files

    path = tmp_path / "state.json"
    StateStore(path, new_state()).save()
    debris = [tmp_path / ".state.json.abc123.tmp", tmp_path / ".state.json.x.tmp"]
    for d in debris:
        d.write_text("{half")
    other = tmp_path / ".other.json.abc.tmp"
    other.write_text("not ours")
    assert sorted(remove_leftover_temp_files(path)) == sorted(debris)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.json.abc.tmp", "state.json"]
