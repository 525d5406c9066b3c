"""Pairing config objects with live objects, and remembering which Timekit id each key is.

Matching a config object to a live object, in order:
1. the id recorded in the state file, if that object still exists;
2. otherwise an untracked live object tagged with the key (`meta.tkctl_key`, written in the
   create request itself), so an object created by an apply that died before saving state is
   adopted, never created twice;
3. otherwise a natural key: a resource's `email` (any case), a project's `slug`, a calendar's
   owner and `name`. This is how tkctl adopts objects made by hand, including the "Bookings"
   calendar Timekit creates with every resource.
Live objects that nothing matches and that the state does not know are left alone.

Live objects are indexed once by tag and natural key, so matching a config with no state
(a first import, a lost state file) costs one pass over the account, not one per object. The
natural-key indexes are built when first needed: a plan whose every object the state tracks
never looks an object up by natural key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from tkctl.core.live import LiveObject, LiveState
from tkctl.core.model import KINDS, DesiredObject
from tkctl.core.normalize import MARKER, canonical

NATURAL_KEY = {"resource": "email", "project": "slug"}


def tag_of(obj: LiveObject) -> str | None:
    meta = obj.fields.get("meta")
    # `type(meta) is dict` first: the same answer as isinstance(meta, Mapping) for a dict, sooner.
    tag = meta.get(MARKER) if type(meta) is dict or isinstance(meta, Mapping) else None
    return tag if isinstance(tag, str) else None


def live_form(obj: LiveObject, refs: Mapping[str, Any], compare_only: frozenset[str] | None,
              ordered: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The canonical form of a live object whose references are `refs` (`Matcher.live_refs`)."""
    return canonical(obj.kind, obj.fields, compare_only=compare_only, ordered=ordered, refs=refs)


def live_refs(obj: LiveObject, resource_keys: Mapping[str, str]) -> dict[str, Any]:
    """The live object's references, named by key as the config names them when the
    resources are bound as `resource_keys` says ({id: key}); an unbound id is unmanaged."""
    if obj.kind == "calendar":
        id_ = obj.fields.get("resource_id")
        if id_ is None:
            return {"resource": None}
        key = resource_keys.get(id_)  # a bound key is never None
        return {"resource": key if key is not None else f"<unmanaged {id_}>"}
    if obj.kind == "project":
        # The same, inline (a project lists up to hundreds of members).
        return {"resources": [None if i is None else k if (k := resource_keys.get(i)) is not None
                              else f"<unmanaged {i}>" for i in obj.fields.get("resource_ids") or []]}
    return {}


def _natural(kind: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value.lower() if kind == "resource" else value


class Matcher:
    """Binds keys to live ids, kind by kind; an id is bound to at most one key."""

    def __init__(self, live: LiveState, claimed: Iterable[str]):
        self.live = live
        self.key_of: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        self.id_of: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        # Ids the state file already binds to a key (`claimed`) are never adopted by another key.
        self.claimed = set(claimed)
        self._by_tag: dict[tuple[str, str], list[LiveObject]] = defaultdict(list)
        for kind in NATURAL_KEY:
            for obj in live.of_kind(kind):
                tag = tag_of(obj)
                if tag is not None:
                    self._by_tag[(kind, tag)].append(obj)
        self._natural_built = False  # resources by email, projects by slug
        self._owners_built = False  # calendars by owner and name
        self._by_natural: dict[tuple[str, str], list[LiveObject]] = defaultdict(list)
        self._by_owner_name: dict[tuple[str, Any], list[LiveObject]] = defaultdict(list)

    def _natural_index(self) -> dict[tuple[str, str], list[LiveObject]]:
        """Resources and projects by natural key, indexed once (the live state does not change
        in a plan), and only when a tag finds nothing."""
        if not self._natural_built:
            self._natural_built = True
            for kind in NATURAL_KEY:
                for obj in self.live.of_kind(kind):
                    natural = _natural(kind, obj.fields.get(NATURAL_KEY[kind]))
                    if natural is not None:
                        self._by_natural[(kind, natural)].append(obj)
        return self._by_natural

    def _owner_index(self) -> dict[tuple[str, Any], list[LiveObject]]:
        """Calendars by owner id and name, indexed once."""
        if not self._owners_built:
            self._owners_built = True
            for obj in self.live.of_kind("calendar"):
                self._by_owner_name[(obj.fields.get("resource_id"), obj.fields.get("name"))].append(obj)
        return self._by_owner_name

    def bind(self, kind: str, key: str, id_: str) -> None:
        self.key_of[kind][id_] = key
        self.id_of[kind][key] = id_
        self.claimed.add(id_)

    def live_refs(self, obj: LiveObject) -> dict[str, Any]:
        """The live object's references, named by key as the config names them, as bound now."""
        return live_refs(obj, self.key_of["resource"])

    def live_canonical(self, obj: LiveObject, compare_only: frozenset[str] | None,
                       ordered: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The live object in canonical form, references named by key as the config names them."""
        return live_form(obj, self.live_refs(obj), compare_only, ordered)

    def _first_free(self, candidates: Iterable[LiveObject]) -> LiveObject | None:
        for o in candidates:
            if o.id not in self.claimed:
                return o
        return None

    def untracked(self, obj: DesiredObject) -> LiveObject | None:
        """An untracked live object that `obj` should adopt, or None."""
        if obj.kind in NATURAL_KEY:
            tagged = self._first_free(self._by_tag.get((obj.kind, obj.key), ()))
            if tagged is not None:
                return tagged
            want = _natural(obj.kind, obj.fields.get(NATURAL_KEY[obj.kind]))
            if want is None:
                return None
            for candidate in self._natural_index().get((obj.kind, want), ()):
                if candidate.id in self.claimed:
                    continue
                tag = tag_of(candidate)
                if tag is None or tag == obj.key:  # never take an object tagged for another key
                    return candidate
            return None
        owner = self.id_of["resource"].get(obj.refs.get("resource", ""))
        if owner is None:
            return None
        return self._first_free(self._owner_index().get((owner, obj.fields.get("name")), ()))

    def duplicates(self) -> list[tuple[str, str, list[str]]]:
        """(kind, tag, ids) for every tag carried by more than one live object."""
        return [(kind, tag, sorted(o.id for o in objs))
                for (kind, tag), objs in sorted(self._by_tag.items()) if len(objs) > 1]

    def twins(self, kind: str, key: str, bound: str) -> list[str]:
        """Ids of the live objects, other than `bound`, that carry `key`'s tag and are bound to
        no other key."""
        tagged = self._by_tag.get((kind, key))
        if not tagged:
            return []
        key_of = self.key_of[kind]
        return [o.id for o in tagged if o.id != bound and key_of.get(o.id) in (None, key)]

    def tagged(self, kind: str, tag: str) -> list[LiveObject]:
        return list(self._by_tag.get((kind, tag), ()))
