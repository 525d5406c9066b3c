"""Equal field values of the live account's objects kept as one object.

A listing's objects repeat most of their values: every calendar Timekit makes on a resource's
creation has the same name and description, a resource's availability constraints are one of
a few lists, a project's customer fields one of a few forms, and the timestamps of objects
made in the same second are equal. JSON decoding makes each its own copy: at 20,000
resources, 72 MB of field values of which 22 MB are distinct. `SharedValues` keeps the first
of each equal value and gives it to every later object, as each object is made from its page,
so the copies are dropped at once and never pile up.

What counts as equal is exact: a list or dict is shared only with one whose `marshal` bytes
are the same, so the same types all the way down (`True` is not `1`, `1.0` is not `1`), the
same float bits (`-0.0` is not `0.0`) and the same key order; one holding a NaN is never
shared (Python finds a NaN equal to itself only by identity, so two lists sharing one would
compare equal where their copies did not). The plan, the state and every output see the
same values; only which object holds them changes. That is safe because nothing changes a
live object's field value in place (`LiveState.from_objects` replaces a project's member
list, it does not edit it).

Each kind's field names have their own memo, up to `DISTINCT` values: a field whose values do
not recur (an id, an e-mail, a widget config) stops being looked at once it has shown that
many, so its cost is bounded and the memo never holds the whole account twice over. The memo
is the kind's, not the name's alone: a resource's `name` never recurs, a calendar's almost
always does ("Bookings"), and one memo for both would stop sharing calendars' names after the
first 512 resources, or before the first calendar if a later page happened to be read first.
"""

from __future__ import annotations

import marshal
from typing import Any

# Distinct values one field name may show before it is no longer shared.
DISTINCT = 512


class SharedValues:
    """Field values seen so far, one object each, for the objects of one read of the account.

    Used from the threads that read the two listings at once, with no lock: each step is one
    dict operation, so a race between two of them can only keep two equal objects where one
    would do, never give a field another value."""

    def __init__(self, distinct: int = DISTINCT):
        self._distinct = distinct
        self._kinds: dict[str, dict[str, dict[Any, Any] | None]] = {}

    def share(self, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        """A `kind` object's `fields`, each str, list or dict value replaced by an equal one
        another object of that kind had, if any."""
        memos = self._kinds.get(kind)
        if memos is None:
            memos = self._kinds.setdefault(kind, {})  # one call: another thread's, if it made one first
        for name, value in fields.items():
            made = type(value)
            if made is not str and made is not list and made is not dict:
                continue  # None, bools and small ints are one object each already
            memo = memos.get(name, _UNSEEN)
            if memo is None:
                continue
            if made is str:
                key = value
            else:
                try:
                    key = marshal.dumps(value, _MARSHAL_VERSION)  # C: a quarter of a walk's time
                except ValueError:  # nested past marshal's depth
                    continue
                if _NAN in key:
                    continue
            if memo is _UNSEEN:
                memo = memos.setdefault(name, {})  # one call: another thread's memo, if it made one first
                if memo is None:
                    continue
            kept = memo.get(key)
            if kept is None:
                if len(memo) >= self._distinct:
                    memos[name] = None  # its values do not recur: stop looking
                else:
                    memo[key] = value
            elif kept is not value:
                fields[name] = kept  # an existing key's value: the dict's size does not change
        return fields


_UNSEEN: Any = object()
# Version 2 writes no back-references, so equal values give equal bytes however their parts
# are shared (a miss would cost only memory, but version 3 and later mark objects referred to
# more than once, which depends on what else holds them).
_MARSHAL_VERSION = 2
# A NaN as marshal writes it (a float, then the bits of the NaN JSON decoding makes, little-
# endian). No string can hold these bytes (0xf8 never occurs in UTF-8); a huge integer that
# did would only not be shared.
_NAN = b"g" + bytes.fromhex("000000000000f87f")
