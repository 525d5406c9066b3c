"""The state's content and its one text form, the same on every backend.

Format (docs/state-format.md): JSON, indent 2, sorted keys, so it diffs well in git:
    {"format_version": 2, "serial": 7, "lineage": "<uuid4>", "tkctl_version": "0.1.0",
     "app": {"id": "<timekit app id>", "slug": "clinic"},
     "objects": {"resource.dr-jones": {"kind": "resource", "key": "dr-jones",
                                       "id": "<timekit id>", "fingerprint": "sha256:...",
                                       "fields": {"name": "1f0c...", ...}}}}

`serial` grows by one on every save and `lineage` never changes after the first apply, so two
copies of a state can be told apart; `app` binds the state to the Timekit app it describes,
so pointing the same config at another account is refused instead of planning to recreate
everything. `fields` holds a short digest per field of what was applied, which lets a plan
tell a change in the YAML from a change made in the account.

Only the fields of StateEntry are ever written, so no token or `api_token` can reach the text
whatever the caller holds. Format 1 (before `app` and `fields`) is read and upgraded on the
next save. Where the text is kept (a file, an S3 object) is a backend's business.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from sys import intern
from typing import Any

from tkctl import __version__
from tkctl.errors import StateError

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
ENTRY_FIELDS = ("kind", "key", "id", "fingerprint")
KINDS = ("resource", "calendar", "project")
# A state is a few hundred bytes per object; anything near this is not a state.
MAX_STATE_BYTES = 512 * 1024 * 1024


@dataclass(slots=True)
class StateEntry:
    kind: str
    key: str
    id: str
    fingerprint: str
    fields: dict[str, str] = field(default_factory=dict)  # field name -> short digest
    lifecycle: dict[str, Any] = field(default_factory=dict)  # {"protect": true, "on_remove": "forget"}

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"


@dataclass
class State:
    lineage: str
    serial: int = 0
    entries: dict[str, StateEntry] = field(default_factory=dict)  # keyed "kind.key"
    app: dict[str, str] | None = None  # {"id", "slug"} of the Timekit app, once known

    def get(self, kind: str, key: str) -> StateEntry | None:
        return self.entries.get(f"{kind}.{key}")

    def put(self, entry: StateEntry) -> None:
        self.entries[entry.address] = entry

    def remove(self, kind: str, key: str) -> None:
        self.entries.pop(f"{kind}.{key}", None)

    def ids(self) -> dict[tuple[str, str], str]:
        return {(e.kind, e.key): e.id for e in self.entries.values()}


def new_state() -> State:
    """The state before the first save: no lineage yet (the first save chooses it), so a plan
    made with no state stays valid until some apply creates one."""
    return State(lineage="")


# ---------------------------------------------------------------- reading


def parse_state(raw: bytes, name: str) -> State:
    """The state in `raw`, the bytes kept at `name` (a path or `s3://bucket/key`, for messages)."""
    return parse_state_text(state_text(raw, name), name)


def state_text(raw: bytes, name: str) -> str:
    """The text of the state file `raw`; a StateError if it is blank or not UTF-8. A caller
    that drops `raw` before `parse_state_text` frees its bytes (25 MB at 20,000 resources)
    before the text is decoded, not after."""
    if not raw or raw.isspace():  # not `raw.strip()`: a copy of the file, which glibc then kept
        raise StateError(f"the state file {name} is empty; restore it from a backup or delete it to start afresh")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StateError(f"the state file {name} is not UTF-8 text") from None


def parse_state_text(text: str, name: str) -> State:
    """The state in `text` (`state_text` of the file at `name`)."""
    try:
        return _parse(name, _decoded(name, text, _written_entry))
    except StateError:
        # Anything amiss (a damaged entry, an entry's shape anywhere else, nesting near the
        # limit): read again without the hook, so that the message is exactly the one the
        # decoded text itself gives.
        return _parse(name, _decoded(name, text))


# How `dump_state` lays out the entries: where they start, where one ends and the next
# begins, and where they end.
_OBJECTS_OPEN = '\n  "objects": {\n'
_BETWEEN = "\n    },\n"
_ENTRY_END = _BETWEEN.index("}") + 1  # where, in `_BETWEEN`, the entry before it ends
_OBJECTS_CLOSE = "\n  },\n"
_CUT_NAME = "\x00tkctl: the entries"  # a member that stands for the entries while the rest is decoded
_CUT = json.dumps(_CUT_NAME) + ": 0"
_HEAD_CHARS = 64 * 1024  # the text before the entries, as tkctl writes it, is far shorter


def parse_state_chunks(chunks: Iterable[bytes], name: str) -> State | None:
    """The state in the file whose bytes are `chunks`, decoded a chunk at a time; None when
    the file is not laid out as `dump_state` writes it, or anything in it is wrong: read it
    whole then (`parse_state`), for the state or the message.

    Read whole, the file's text is held while its entries are made: 25 MB at 20,000
    resources, beside the entries' 40. Here the entries are cut out of the text a chunk at a
    time, where one entry ends and the next begins as tkctl writes them, and each run of
    entries is decoded as the members of an object: JSON objects nest, so a run decodes alone
    only if it is whole members of the entries' object (a cut at any other depth leaves a
    bracket open, and the run is refused). The rest of the file, with one member standing for
    the entries, is decoded last, and must hold that member as its "objects" and nowhere else.
    The document is then checked as a whole-read one is: the same state, or None. (The one
    object the decoder's hook would have seen whole here and not in a run, the entries' own,
    it turns into an entry only if its members are an entry's names, which are no entry's
    address: the check refuses it either way.)"""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    head: str | None = None
    rest = ""
    objects: dict[str, Any] = {}
    try:
        for chunk in chunks:
            rest += decoder.decode(chunk)
            if head is None:
                at = rest.find(_OBJECTS_OPEN)
                if at < 0:
                    if len(rest) > _HEAD_CHARS:
                        return None
                    continue
                head, rest = rest[:at + len(_OBJECTS_OPEN)], rest[at + len(_OBJECTS_OPEN):]
            cut = rest.rfind(_BETWEEN)
            if cut >= 0:
                if not _take_members(objects, rest[:cut + _ENTRY_END]):
                    return None
                rest = rest[cut + len(_BETWEEN):]
        rest += decoder.decode(b"", final=True)
        close = rest.rfind(_OBJECTS_CLOSE)
        if head is None or close < 0 or not _take_members(objects, rest[:close]):
            return None
        holding: list[dict] = []  # the objects that hold the member standing for the entries

        def hook(obj: dict[str, Any]) -> Any:
            if _CUT_NAME in obj:
                holding.append(obj)
            return _written_entry(obj)

        doc = json.loads(head + _CUT + rest[close:], object_hook=hook)
        if not (type(doc) is dict and len(holding) == 1 and doc.get("objects") is holding[0]
                and holding[0] == {_CUT_NAME: 0}) or _CUT_NAME in objects:
            return None
        doc["objects"] = objects
        return _parse(name, doc)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, StateError):
        return None


def _take_members(objects: dict[str, Any], text: str) -> bool:
    """Add the members of the object `{text}` to `objects`, as one object's members are taken
    (a name met again keeps its place and takes the later value); False if `text` is not
    whole members of an object."""
    part = json.loads("{" + text + "}", object_hook=_written_entry)
    if type(part) is not dict:
        return False
    objects.update(part)
    return True


def _decoded(name: str, text: str, object_hook: Callable[[dict], Any] | None = None) -> Any:
    """The JSON in `text`. It lives only while it is decoded: held until the entries are
    made, its 25 MB (at 20,000 resources) stayed in the process after it was freed."""
    try:
        return json.loads(text, object_hook=object_hook)
    except json.JSONDecodeError as exc:
        raise StateError(
            f"the state file {name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise _shape_error(name, "it is nested too deeply to be a state file") from None


# An entry's names in the order `dump_state` writes them.
_WRITTEN = ("fields", "fingerprint", "id", "key", "kind")


def _written_entry(obj: dict[str, Any]) -> Any:
    """The JSON object `obj`, just decoded: a StateEntry if it is an entry as tkctl writes it
    (its names in that order, strings where strings belong, no lifecycle); else `obj` itself.

    Made as each entry is decoded, each entry's dicts are dropped at once and their memory
    taken by the next. Decoded whole first, a 20,000-resource state (25 MB of text) took the
    process from 39 MB to 148 MB, for 40 MB of entries, which lay spread among the freed
    dicts' blocks; now to 86 MB. `_parse` takes such an entry only where
    an entry belongs and its address is its kind and key; anywhere else, or if anything in
    the file is wrong, the file is read again without this hook (`parse_state`)."""
    if len(obj) == 5 and tuple(obj) == _WRITTEN:
        digests, fingerprint, id_, key, kind = obj.values()
        entry = _plain_entry(kind, key, id_, fingerprint, digests)
        if entry is not None:
            return entry
    return obj


def _shape_error(name: str, what: str) -> StateError:
    return StateError(f"the state file {name} is not a valid tkctl state file: {what}")


def _parse(name: str, doc: Any) -> State:
    if not isinstance(doc, dict):
        raise _shape_error(name, f"the top level is {_json_type(doc)}, not an object")
    version = doc.get("format_version")
    if not _is_int(version) or version < 1:
        raise _shape_error(name, '"format_version" must be a positive integer')
    if version > FORMAT_VERSION or version not in READABLE_VERSIONS:
        written_by = doc.get("tkctl_version")
        by = f" (written by tkctl {written_by})" if isinstance(written_by, str) else ""
        raise StateError(
            f"the state file {name} has format version {version}{by}, but this tkctl "
            f"{__version__} reads format versions up to {FORMAT_VERSION}; upgrade tkctl"
        )
    serial, lineage, objects = doc.get("serial"), doc.get("lineage"), doc.get("objects")
    if not _is_int(serial) or serial < 0:
        raise _shape_error(name, '"serial" must be a non-negative integer')
    if not isinstance(lineage, str) or not lineage:
        raise _shape_error(name, '"lineage" must be a non-empty string')
    if not isinstance(objects, dict):
        raise _shape_error(name, '"objects" must be an object')
    app = doc.get("app")
    if app is not None and not (isinstance(app, dict) and isinstance(app.get("id"), str) and app["id"]
                                and all(isinstance(v, str) for v in app.values())):
        raise _shape_error(name, '"app" must be an object with a string "id" (and "slug")')
    state = State(lineage=lineage, serial=serial, app=dict(app) if app else None)
    entries = state.entries
    for address, raw in objects.items():
        if type(raw) is StateEntry:  # made as it was decoded (`_written_entry`)
            if address != raw.kind + "." + raw.key:
                raise _shape_error(name, "an entry's address is not its kind and key")  # read again, for the message
            entries[address] = raw
        else:
            entries[address] = _parse_entry(name, address, raw)  # its address, checked: `put`'s key
    return state


# Each kind's name, as one string object.
_KIND_NAMES = {kind: kind for kind in KINDS}


def _parse_entry(name: str, address: str, raw: Any) -> StateEntry:
    """The entry `raw` (decoded JSON) at `address`, or a StateError saying what is wrong.

    Run for each of a state's entries (52,000 at 20,000 resources). An entry as tkctl writes
    it (strings where strings belong, no lifecycle, its address its kind and key) passes one
    test of each field, in half to three quarters of the time of the checks that name what is
    wrong; anything else takes those checks, which give the same entry or the message."""
    if type(raw) is dict and "lifecycle" not in raw:
        get = raw.get
        entry = _plain_entry(get("kind"), get("key"), get("id"), get("fingerprint"), get("fields", _NONE))
        if entry is not None and address == entry.kind + "." + entry.key:
            return entry
    return _checked_entry(name, address, raw)


_NONE: Any = object()  # no `fields` in the entry: not the quick path's
# The lifecycle of every entry read with none: one empty dict, not 52,000 (3 MB at 20,000
# resources). Nothing changes an entry's lifecycle in place: a new one is a new entry.
_NO_LIFECYCLE: dict[str, Any] = {}


def _plain_entry(kind: Any, key: Any, id_: Any, fingerprint: Any, digests: Any) -> StateEntry | None:
    """The entry of these decoded values if each is as tkctl writes it (a kind, non-empty
    strings, an object of string digests), with one test each; else None, for the checks
    that name what is wrong. Its address is the caller's to check."""
    try:  # TypeError: a kind that cannot be a dict key, a digest that is not a string
        kind = _KIND_NAMES.get(kind)
        if (kind and type(key) is type(id_) is type(fingerprint) is str and key and id_ and fingerprint
                and type(digests) is dict):
            # The keys of a decoded JSON object are strings; intern takes nothing but one.
            return StateEntry(kind, key, id_, fingerprint, fields={n: intern(d) for n, d in digests.items()},
                              lifecycle=_NO_LIFECYCLE)
    except TypeError:
        pass
    return None


def _checked_entry(name: str, address: str, raw: Any) -> StateEntry:
    # The messages are built only when a check fails.
    if not isinstance(raw, dict):
        raise _shape_error(name, f"{_where(address)} must be an object")
    kind, key, id_, fingerprint = values = [raw.get(field_name) for field_name in ENTRY_FIELDS]
    for field_name, value in zip(ENTRY_FIELDS, values, strict=True):
        if not isinstance(value, str) or not value:
            raise _shape_error(name, f'{_where(address)}."{field_name}" must be a non-empty string')
    if kind not in KINDS:
        raise _shape_error(name, f'{_where(address)}."kind" must be one of {", ".join(KINDS)}, not {json.dumps(kind)}')
    digests = raw.get("fields", {})
    if not isinstance(digests, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in digests.items()):
        raise _shape_error(name, f'{_where(address)}."fields" must be an object of strings')
    lifecycle = raw.get("lifecycle", {})
    if not isinstance(lifecycle, dict) or (lifecycle and (
            set(lifecycle) - {"protect", "on_remove"} or lifecycle.get("protect", True) is not True
            or lifecycle.get("on_remove", "forget") != "forget")):
        raise _shape_error(name, f'{_where(address)}."lifecycle" may hold only "protect": true and "on_remove": "forget"')
    if address != f"{kind}.{key}":
        raise _shape_error(name, f'{_where(address)} holds "{kind}.{key}"; the key must match its kind and key')
    # The kind and the field digests recur across entries (a field digest stands for a value:
    # the 276,000 digests of a 20,000-resource state are 70,000 distinct strings): one object each.
    return StateEntry(intern(kind), key, id_, fingerprint, fields={n: intern(d) for n, d in digests.items()},
                      lifecycle=dict(lifecycle))


def _where(address: str) -> str:
    return f"objects[{json.dumps(address)}]"


parse_entry = _parse_entry  # the state journal's changes are checked as the file's entries are


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null"


# ---------------------------------------------------------------- writing


def dump_state(state: State) -> str:
    """The state's text; built from the entry fields only, so nothing else can leak into it.

    The text is exactly `json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)`, but
    laid out by hand: the indenting encoder is pure Python and, with apply saving after every
    write, took 4 ms per save at 1,000 objects, holding the store lock all the while.
    """
    s = _encode_string
    objects = [
        f'    {s(address)}: {{\n{_fields_text(e.fields)}      "fingerprint": {s(e.fingerprint)},\n'
        f'      "id": {s(e.id)},\n      "key": {s(e.key)},\n      "kind": {s(e.kind)}{_lifecycle_text(e.lifecycle)}\n    }}'
        for address, e in sorted(state.entries.items())
    ]
    body = "{\n" + ",\n".join(objects) + "\n  }" if objects else "{}"
    app = ""
    if state.app:
        pairs = ",\n".join(f"    {s(k)}: {s(v)}" for k, v in sorted(state.app.items()))
        app = f'  "app": {{\n{pairs}\n  }},\n'
    return (
        "{\n"
        f"{app}"
        f'  "format_version": {FORMAT_VERSION},\n'
        f'  "lineage": {s(state.lineage)},\n'
        f'  "objects": {body},\n'
        f'  "serial": {int(state.serial)},\n'
        f'  "tkctl_version": {s(__version__)}\n'
        "}\n"
    )


def _lifecycle_text(lifecycle: dict[str, Any]) -> str:
    if not lifecycle:
        return ""
    pairs = ",\n".join(f"        {_encode_string(k)}: {json.dumps(v)}" for k, v in sorted(lifecycle.items()))
    return f',\n      "lifecycle": {{\n{pairs}\n      }}'


def _fields_text(digests: dict[str, str]) -> str:
    if not digests:
        return '      "fields": {},\n'
    s = _encode_string
    pairs = ",\n".join(f"        {s(k)}: {s(v)}" for k, v in sorted(digests.items()))
    return f'      "fields": {{\n{pairs}\n      }},\n'


# The C string encoder behind json.dumps(ensure_ascii=False).
_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]
