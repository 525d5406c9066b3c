"""A fast writer for the canonical YAML of plain data, byte for byte what ruamel.yaml writes.

`tkctl export` writes whole accounts: at 20,000 resources ruamel.yaml's general emitter (events,
tag objects, a scalar analysis per value) took three quarters of the export's CPU. The
canonical form (yamlwrite.py) uses a small part of YAML: block mappings indented by two,
block lists with their dash two in, one-line lists and mappings of plain values, plain or
double-quoted scalars. This module writes that part directly from the canonicalized tree.

It never guesses: a shape it does not write (a list directly in a list, a null list item, a
long string ruamel would fold, a value of another type) raises `Unsupported` and the caller
writes the whole document with ruamel.yaml instead; a scalar outside the simple alphabet is
written by ruamel.yaml itself (cached). tests/unit/config/test_yamlemit.py holds the two
writers equal on generated documents.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

_STR = "tag:yaml.org,2002:str"
_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
# Longer strings may be folded by ruamel.yaml (its width is 4096 columns, counted from where
# the value starts): left to it.
MAX_FAST_STRING = 1000
# Text ruamel.yaml writes as it is: word characters (letters of any script, digits, "_"),
# spaces and a few punctuation marks that mean nothing to YAML inside a scalar.
_PLAIN_SAFE = re.compile(r"[\w .,/@+()'=;~-]*")
# Text that, between double quotes, needs no escape.
_QUOTED_SAFE = re.compile(r"[^\"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*")
# A key written bare by ruamel.yaml: starts with a letter or "_" and has no YAML syntax.
_KEY_SAFE = re.compile(r"[A-Za-z_][\w.-]*")


class Unsupported(Exception):
    """A document this writer does not write exactly as ruamel.yaml would."""


def emit(doc: Any, out: io.StringIO) -> None:
    """Write `doc`, the result of yamlwrite.canonicalize on plain data, to `out`."""
    if not isinstance(doc, dict) or not doc:
        raise Unsupported("only a non-empty mapping at the top")
    if _is_block(doc):
        _mapping(doc, 0, out)
    else:  # a few plain values: one line, as everywhere
        out.write(_inline(doc, False) + "\n")


def _mapping(node: dict, indent: int, out: io.StringIO) -> None:
    pad = " " * indent
    for key, value in node.items():
        out.write(pad)
        out.write(_key(key))
        out.write(":")
        if _is_block(value):
            out.write("\n")
            (_mapping if isinstance(value, dict) else _sequence)(value, indent + 2, out)
        else:
            text = _inline(value, False)
            out.write(" " + text + "\n" if text else "\n")


def _sequence(node: list, indent: int, out: io.StringIO) -> None:
    """A block list whose dashes stand at `indent`; a mapping item starts on the dash's line."""
    pad = " " * indent
    for item in node:
        out.write(pad)
        out.write("- ")
        if isinstance(item, dict) and _is_block(item):
            first = io.StringIO()
            _mapping(item, indent + 2, first)
            out.write(first.getvalue()[indent + 2:])
        elif _is_block(item) or item is None:
            raise Unsupported("a block list or a null directly in a block list")
        else:
            out.write(_inline(item, False))
            out.write("\n")


def _is_block(value: Any) -> bool:
    if isinstance(value, (CommentedMap, CommentedSeq)):
        return bool(value) and not value.fa.flow_style()  # empty is {} or [] whatever the style
    if isinstance(value, (dict, list)):
        raise Unsupported("a collection that was not canonicalized")
    return False


def _inline(value: Any, in_flow: bool) -> str:
    """A scalar, or a one-line list or mapping of scalars."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow_item(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow_item(v) for v in value) + "]"
    return _scalar(value, in_flow)


def _flow_item(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise Unsupported("a collection inside a one-line collection")
    return _scalar(value, True)


def _scalar(value: Any, in_flow: bool) -> str:
    if value is None:
        return "null" if in_flow else ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is int:
        return str(value)
    if isinstance(value, DoubleQuotedScalarString):
        text = str(value)
        if len(text) <= MAX_FAST_STRING and _QUOTED_SAFE.fullmatch(text):
            return f'"{text}"'
        return _by_ruamel(kind, text, in_flow)
    if kind is str:
        if (len(value) <= MAX_FAST_STRING and _PLAIN_SAFE.fullmatch(value) and not value.startswith("...")
                and _plain_is_text(value)):
            return value
        return _by_ruamel(kind, value, in_flow)
    if kind is float:  # keyed by repr as well: 0.0 and -0.0 are equal, and hash alike
        return _by_ruamel(kind, value, in_flow, repr(value))
    raise Unsupported(f"a value of type {kind.__name__}")


@lru_cache(maxsize=None)
def _resolver() -> Any:
    from tkctl.config.yamlwrite import _yaml

    return _yaml().resolver


def _plain_is_text(value: str) -> bool:
    """Whether ruamel.yaml (YAML 1.2) reads `value` unquoted as text; if not it quotes it."""
    return _resolver().resolve(ScalarNode, value, (True, False)) == _STR


def _key(key: Any) -> str:
    if type(key) is not str:
        raise Unsupported("a key that is not a string")
    if _KEY_SAFE.fullmatch(key) and key.lower() not in _KEY_WORDS:
        return key
    return _key_by_ruamel(key)


# Bare words YAML readers may take for something else than text: left to ruamel.yaml.
_KEY_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


@lru_cache(maxsize=4096)
def _key_by_ruamel(key: str) -> str:
    """A mapping key as ruamel.yaml writes it."""
    from tkctl.config.yamlwrite import _yaml

    buffer = io.StringIO()
    _yaml().dump(CommentedMap([(key, 0)]), buffer)
    text = buffer.getvalue()
    if not text.endswith(": 0\n") or text.count("\n") != 1:
        raise Unsupported("a key written on several lines")
    return text[: -len(": 0\n")]


@lru_cache(maxsize=4096)
def _by_ruamel(kind: type, value: Any, in_flow: bool, spelling: str = "") -> str:
    """One scalar as ruamel.yaml writes it where it stands (inside a one-line list, or as a
    mapping value), for the few values outside the simple alphabet."""
    from tkctl.config.yamlwrite import _yaml

    if isinstance(value, str) and _BREAKS.search(value):
        raise Unsupported("a line break, written by ruamel.yaml relative to where the value stands")
    scalar = DoubleQuotedScalarString(value) if kind is DoubleQuotedScalarString else value
    buffer = io.StringIO()
    if in_flow:
        seq = CommentedSeq([scalar])
        seq.fa.set_flow_style()
        _yaml().dump(seq, buffer)
        text = buffer.getvalue().rstrip("\n")
        if not (text.startswith("[") and text.endswith("]")):
            raise Unsupported("an unexpected one-line list")
        return text[1:-1]
    _yaml().dump(CommentedMap([("k", scalar)]), buffer)
    text = buffer.getvalue()
    if not text.startswith("k:") or text.count("\n") != 1:
        raise Unsupported("a scalar written on several lines")
    return text[2:].strip(" \n")
