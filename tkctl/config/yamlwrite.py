"""The canonical YAML of tkctl's object files: what `tkctl export` writes and `tkctl fmt` makes.

One form, so an exported config and a hand-written one read alike and diffs stay small:
- sections in the order resources, calendars, projects, tests, moved (others after);
- an object's fields in the order of its JSON Schema (name first), unknown keys after them;
  nested values (ui, meta, availability) keep the order they were written in;
- two spaces per level, list items indented under their key (`  - item`);
- strings quoted only when a YAML 1.1 reader would take them for something else (`"yes"`,
  `"2025-07-07"`, `"12"`), they look like a time (`"08:30"`, which YAML 1.1 readers disagree
  on), or YAML's syntax needs it (`": "`, a leading `*`, a comma in a one-line list), always
  in double quotes;
- no line folding, one trailing newline.
`tkctl fmt` keeps each list's and mapping's block or one-line style as written; `export`
writes a list or mapping of a few plain values on one line (`{start: 9, end: 17}`,
`[gp, senior]`) and anything longer in block style.

`tkctl fmt` reads with ruamel.yaml's round-trip loader, so comments survive (a comment on a
line of its own belongs to the line above it, and moves with it); PyYAML, which the loader
uses, would drop them.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from tkctl.config import yamlemit
from tkctl.config.schema import load_schema
from tkctl.core.model import KIND_OF_SECTION

SECTION_ORDER = ("resources", "calendars", "projects", "tests", "moved")
FLOW_MAX_ITEMS = 6
FLOW_MAX_CHARS = 60
_STR = "tag:yaml.org,2002:str"
_resolver = yaml.resolver.Resolver()


@lru_cache(maxsize=None)
def field_order(kind: str) -> tuple[str, ...]:
    """The order fields of `kind` are written in: the order of its JSON Schema."""
    return tuple(load_schema("config")["$defs"][kind]["properties"])


def _yaml() -> YAML:
    out = YAML(typ="rt")
    out.indent(mapping=2, sequence=4, offset=2)
    out.width = 4096
    out.preserve_quotes = False
    return out


_TIME = re.compile(r"^\d+:\d")
# Text YAML cannot write plain everywhere (in a one-line list or mapping, after a key): quoted
# here, so that tkctl decides the quotes (double) rather than the writer (single).
_SYNTAX = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: |:$| #|[\x00-\x1f\x7f]")
# More that a one-line list or mapping cannot hold plain (PyYAML's pure reader also stops at "?").
_FLOW_SYNTAX = re.compile(r"[,\[\]{}?]")


def _needs_quotes(text: str, in_flow: bool = False) -> bool:
    """Whether a plain scalar with this text could be read back as something else than text,
    or could not be written plain where it stands."""
    if text == "" or text != text.strip() or _TIME.match(text) or _SYNTAX.search(text):
        return True
    if in_flow and _FLOW_SYNTAX.search(text):
        return True
    return _resolver.resolve(yaml.ScalarNode, text, (True, False)) != _STR


def _scalar(value: Any, in_flow: bool) -> Any:
    if isinstance(value, str) and _needs_quotes(value, in_flow):
        return DoubleQuotedScalarString(value)
    if isinstance(value, str):
        return str(value)  # drop any quoting style the input had
    return value


def _is_leaf(value: Any) -> bool:
    """A short collection of plain values, written on one line."""
    items = list(value.values()) if isinstance(value, dict) else list(value)
    if len(items) > FLOW_MAX_ITEMS or any(isinstance(v, (dict, list)) for v in items):
        return False
    text = ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else ", ".join(map(str, items))
    return len(text) <= FLOW_MAX_CHARS and "\n" not in text


def _style(node: Any, in_flow: bool = False) -> Any:
    """`node` as round-trip values in the canonical style. Collections read from a file keep
    their block or one-line style; new ones (export) get one by `_is_leaf`."""
    if not isinstance(node, (dict, list)):
        return _scalar(node, in_flow)
    written = isinstance(node, (CommentedMap, CommentedSeq))
    if isinstance(node, dict):
        out = node if written else CommentedMap(node)
    else:
        out = node if written else CommentedSeq(node)
    if not written:
        if not out or _is_leaf(out):
            out.fa.set_flow_style()
        else:
            out.fa.set_block_style()
    flow = in_flow or bool(out.fa.flow_style())
    for key in (list(out) if isinstance(out, dict) else range(len(out))):
        out[key] = _style(out[key], flow)
    return out


def _reorder(mapping: CommentedMap, order: tuple[str, ...]) -> None:
    """Put known keys in `order`, others after in their own order; comments move with keys."""
    keys = list(mapping)
    ranked = sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), keys.index(k)))
    if ranked == keys:
        return
    for key in ranked:
        mapping.move_to_end(key)


def canonicalize(doc: Any) -> Any:
    """An object file's data (plain or round-trip) in the canonical order and style."""
    if not isinstance(doc, dict):
        return _style(doc)
    doc = _style(doc)
    _reorder(doc, SECTION_ORDER)
    for section, objects in doc.items():
        kind = KIND_OF_SECTION.get(section)
        if kind is None or not isinstance(objects, CommentedMap):
            continue
        objects.fa.set_block_style()
        for obj in objects.values():
            if isinstance(obj, CommentedMap):
                _reorder(obj, field_order(kind))
                obj.fa.set_block_style()  # an object is never one line
    return doc


def dump(doc: Any, header: str = "") -> str:
    """The canonical text of `doc`, after an optional comment header (lines without `#`)."""
    buffer = io.StringIO()
    for line in header.splitlines():
        buffer.write(f"# {line}".rstrip() + "\n")
    start = buffer.tell()
    canonical = canonicalize(doc)
    try:
        yamlemit.emit(canonical, buffer)
    except yamlemit.Unsupported:  # a rare shape: ruamel.yaml writes the whole document
        buffer.seek(start)
        buffer.truncate()
        _yaml().dump(canonical, buffer)
    return buffer.getvalue()


@lru_cache(maxsize=None)
def settings_order() -> tuple[str, ...]:
    return tuple(load_schema("tkctl")["properties"])


def canonicalize_settings(doc: Any) -> Any:
    """tkctl.yaml's data in the canonical order: settings as its schema lists them, and each
    environment's the same way."""
    doc = _style(doc)
    if isinstance(doc, CommentedMap):
        _reorder(doc, settings_order())
        environments = doc.get("environments")
        if isinstance(environments, CommentedMap):
            for env in environments.values():
                if isinstance(env, CommentedMap):
                    _reorder(env, settings_order())
    return doc


class FormatChangedMeaning(Exception):
    """The canonical text would read back as other values: a bug, never written."""


def format_text(text: str, *, settings: bool = False) -> str:
    """`text` (an object file, or tkctl.yaml with `settings`) rewritten in the canonical form,
    comments kept. Raises ruamel.yaml's YAMLError for text that is not YAML, and
    FormatChangedMeaning if the result would not read back as the same values."""
    data = _yaml().load(text)
    if data is None:
        return text
    buffer = io.StringIO()
    _yaml().dump(canonicalize_settings(data) if settings else canonicalize(data), buffer)
    out = buffer.getvalue()
    if _values(out) != _values(text):
        raise FormatChangedMeaning("the canonical form would read back as different values")
    return out


def _values(text: str) -> Any:
    """What PyYAML (YAML 1.1, tkctl's own reader) makes of `text`; its pure-Python reader,
    which is stricter than libyaml's in one-line lists and mappings."""
    return yaml.load(text, Loader=yaml.SafeLoader)
