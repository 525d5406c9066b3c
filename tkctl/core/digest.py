"""Digests of canonical values: how tkctl recognises "the same" without keeping the values.

One JSON encoding for everything the state keeps (sorted keys, no spaces), so a fingerprint in
the state file and a per-field digest are computed the same way by every tkctl version that
reads them. What only a plan keeps (the fingerprint of each live object it read, and its
checksum) is hashed from a quicker encoding, `read_fingerprint`: a saved plan is applied only
by a tkctl of its own plan format version, which computes both the same way.
"""

from __future__ import annotations

import hashlib
import json
from sys import intern
from typing import Any, Iterable, Mapping

import orjson

from tkctl.core.jsontext import quick

# `json.dumps(value, **same options)` builds this encoder on every call; one instance, made
# once, encodes byte for byte the same (tens of thousands of objects are hashed per plan).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
                            allow_nan=False)


# `_ENCODER.encode`, with its C encoder made once (`core/jsontext.py`): the same text.
canonical_json = quick(_ENCODER)


def sha256(value: Any) -> str:
    """`sha256:<hex>` of a JSON value; used for fingerprints, config digests and checksums."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()


def fingerprint(canon: Mapping[str, Any]) -> str:
    """The fingerprint of one object's canonical form (what the state records as applied)."""
    return sha256(canon)


def read_fingerprint(value: Any) -> str:
    """`sha256:<hex>` of a value, for what a plan compares with a plan made later by the same
    tkctl: the fingerprint of a live object as read (`reads`) and the plan's checksum.

    orjson's sorted, compact JSON, four to five times as quick as `canonical_json` on a plan of
    thousands of changes (a plan without a state file reads and checksums every object). It is
    the same text except for floats (`0.00001`, not `1e-05`) and NaN (null, where `canonical_json`
    refuses it): one value always gets one digest. What orjson refuses (an integer past 64 bits,
    a key that is not a string, a type it does not know) is hashed as `sha256` hashes it."""
    text = quick_json(value)
    return text_fingerprint(canonical_json(value).encode() if text is None else text)


def items_fingerprint(items: Iterable[Any], after: Any) -> str | None:
    """`read_fingerprint([list(items), after])`, hashed an item at a time: the same digest
    without the whole text (14 MB for a config of 20,000 resources) held at once. None if
    orjson refuses any of it (`read_fingerprint` of the whole then hashes it as before).

    Compact JSON is its parts joined: `[[a,b],c]` is `[[`, each item's text with commas
    between, `],`, `c`'s text and `]`. Each part is encoded at the depth it has in the
    whole (an item inside two lists), so orjson's nesting limit refuses just what it refuses
    in the whole text."""
    digest = hashlib.sha256(b"[")
    if not _hash_list(digest, items):
        return None
    digest.update(b",")
    if not _hash_value(digest, after):
        return None
    digest.update(b"]")
    return "sha256:" + digest.hexdigest()


def member_fingerprint(value: Mapping[str, Any], name: str, items: Iterable[Any]) -> str | None:
    """`read_fingerprint({**value, name: list(items)})`, the list hashed an item at a time
    (a plan without a state file has a change per object: 52,000 at 20,000 resources, whose
    copies and text were made at once). None where orjson refuses any of it, or a name is
    not a string. Built as `items_fingerprint` is: compact JSON with sorted names is `{`,
    each `"name":value` in order with commas between, and `}`."""
    names = [*value, name] if name not in value else list(value)
    if any(type(n) is not str for n in names):
        return None
    digest = hashlib.sha256(b"{")
    for number, each in enumerate(sorted(names)):
        label = quick_json(each)
        if label is None:
            return None
        digest.update(b"," + label + b":" if number else label + b":")
        if not (_hash_list(digest, items) if each == name else _hash_value(digest, value[each])):
            return None
    digest.update(b"}")
    return "sha256:" + digest.hexdigest()


def _hash_value(digest: Any, value: Any) -> bool:
    """Hash the text of `value` as a member of a list or an object (at depth one, for
    orjson's nesting limit); False if orjson refuses it."""
    text = quick_json([value])
    if text is None:
        return False
    digest.update(memoryview(text)[1:-1])
    return True


def _hash_list(digest: Any, items: Iterable[Any]) -> bool:
    """Hash the text of the list of `items`, the list a member of a list or an object, an
    item at a time; False if orjson refuses any."""
    digest.update(b"[")
    for number, item in enumerate(items):
        text = quick_json([[item]])
        if text is None:
            return False
        if number:
            digest.update(b",")
        digest.update(memoryview(text)[2:-2])
    digest.update(b"]")
    return True


def quick_json(value: Any) -> bytes | None:
    """orjson's sorted, compact JSON of `value` (`read_fingerprint`'s), or None for a value
    orjson refuses."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=_refuse)
    except orjson.JSONEncodeError:
        return None


def text_fingerprint(text: bytes) -> str:
    """`sha256:<hex>` of an encoded text."""
    return "sha256:" + hashlib.sha256(text).hexdigest()


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def field_digest(value: Any) -> str | None:
    """A short digest of one field's canonical value; None for "not set".

    16 hex characters (64 bits) are plenty to tell two values of one field apart, and keep a
    state file of tens of thousands of objects small.
    """
    if value is None:
        return None
    return _short_digest(canonical_json(value))


def _short_digest(text: str) -> str:
    """The 16-character digest of a value's canonical JSON, one string object per distinct digest.

    Interned because the same value recurs across objects (a calendar's name, a timezone, an
    opening-hours list, a widget config): a 20,000-resource config's 276,000 field digests
    are 70,000 distinct strings. The config cache pickles each shared string once, so the
    sharing outlives the process."""
    return intern(hashlib.sha256(text.encode()).hexdigest()[:16])


def field_digests(canon: Mapping[str, Any]) -> dict[str, str]:
    """Per-field digests of a canonical object, for the fields that are set."""
    return digests(canon)[1]


def digests(canon: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """`(fingerprint(canon), field_digests(canon))`, encoding each field once.

    A canonical object has string keys, so its JSON with sorted keys is `{"k":v,...}` joined
    from the JSON of each field in key order: the fingerprint is hashed from the same pieces
    the field digests are, not from a second encoding of the whole object."""
    if type(canon) is not dict or not all(type(name) is str for name in canon):
        return fingerprint(canon), {n: d for n, d in ((n, field_digest(v)) for n, v in canon.items())
                                    if d is not None}
    encode = canonical_json
    parts: list[str] = []
    fields: dict[str, str] = {}
    for name in sorted(canon):
        value = canon[name]
        text = encode(value)
        parts.append(f"{encode(name)}:{text}")
        if value is not None:
            fields[name] = _short_digest(text)
    whole = "{" + ",".join(parts) + "}"
    fields = {name: fields[name] for name in canon if name in fields}  # in the object's own order
    return "sha256:" + hashlib.sha256(whole.encode()).hexdigest(), fields
