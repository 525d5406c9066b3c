"""Digests of canonical values: how tkctl recognises "the same" without keeping the values.

One JSON encoding for everything that is hashed (sorted keys, no spaces), so a fingerprint in
the state file, a per-field digest and a plan's checksum are computed the same way wherever
they are compared.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
                      allow_nan=False)


def sha256(value: Any) -> str:
    """`sha256:<hex>` of a JSON value; used for fingerprints, config digests and checksums."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()


def fingerprint(canon: Mapping[str, Any]) -> str:
    """The fingerprint of one object's canonical form (what the state records as applied)."""
    return sha256(canon)


def field_digest(value: Any) -> str | None:
    """A short digest of one field's canonical value; None for "not set".

    16 hex characters (64 bits) are plenty to tell two values of one field apart, and keep a
    state file of tens of thousands of objects small.
    """
    if value is None:
        return None
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:16]


def field_digests(canon: Mapping[str, Any]) -> dict[str, str]:
    """Per-field digests of a canonical object, for the fields that are set."""
    out = {}
    for name, value in canon.items():
        digest = field_digest(value)
        if digest is not None:
            out[name] = digest
    return out
