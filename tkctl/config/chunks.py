"""Splitting an object file's text into one block per object, without parsing it.

A plan after a small edit (1% of the objects changed, all in the same three files) spent most
of its time parsing and checking the 99% that did not change. The config cache
(`config/cache.py`, `config/reuse.py`) keeps what each object's block gave last time, keyed by
the block's text; this module finds those blocks, so that only the blocks whose text changed
are parsed again.

It only splits files whose layout leaves no doubt, and returns None for anything else (the
file is then read whole, as always):

    resources:            <- a section at column 0: resources, calendars or projects, once each
      dr-jones:           <- an object: a plain key at the section's indentation
        name: Dr Jones       everything more indented (or blank, or a comment) is its block
      dr-smith: {...}

Refused: tags, any other top-level key (`tests:`, `moved:`), document markers and directives,
tabs or carriage returns, quoted or complex keys, a key defined twice, a section without
objects. Anchors and aliases are allowed: each block lists the anchor names it may define and
use (found in the text generously: something that merely looks like one in a quoted value is
listed too), and the loader makes a block depend on the anchors it uses. What is split is
still checked: the loader accepts a split only where YAML's own parse of the file put each
object's key on the line found here, and a block parsed on its own must give exactly its one
object, so a line that merely looks like a key (inside a quoted or flow value) never splits an
object in two.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from typing import NamedTuple

from tkctl.core.model import KIND_OF_SECTION

_SECTION = re.compile(rf"({'|'.join(KIND_OF_SECTION)}):[ ]*(?:#.*)?")
_KEY = re.compile(r"([A-Za-z0-9][A-Za-z0-9_-]*):(?:[ ]|$)")
# A line that is neither blank, nor a comment, nor indented: a section header (or refused).
# Lines are found by the line break before them, which the regular expression engine scans
# for four times as fast as for a line start (`^` with MULTILINE): a 5.6 MB file is split in
# 0.15 s instead of 0.24 s. The file's first line, which has none, is looked at on its own.
_TOP = re.compile(r"\n([^ #\n][^\n]*)")
_CONTENT = re.compile(r"^( +)(?!#)\S", re.MULTILINE)
# Anything YAML could read as a tag (!t) where a token may start refuses the file (text in
# quotes that merely looks like one too: it is then read whole); anchors (&a) and aliases (*a)
# are named as libyaml allows. The characters are searched for first (they are rare), and the
# character before checked after: a look-behind tried at every position took longer.
_TOKEN_AFTER = frozenset(" \n[]{},:?-")
_TAGS = re.compile(r"!")
_ANCHORS = re.compile(r"([&*])([0-9A-Za-z_-]+)")


def _token_start(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] in _TOKEN_AFTER


class Chunk(NamedTuple):
    """One object's block: its section, key, the 0-based line of its key, the block's text
    (from its key line to the next key or section, comments and blank lines included, with its
    last line break), a digest of the text, and the anchor names it may define and use."""

    section: str
    key: str
    line: int
    text: str
    digest: str
    anchors: tuple[str, ...]
    aliases: tuple[str, ...]


def _top_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line that is neither blank, nor a comment, nor indented."""
    out = [found.span(1) for found in _TOP.finditer(text)]
    if text[:1] not in ("", " ", "#", "\n"):  # the first line, which no line break comes before
        end = text.find("\n")
        out.insert(0, (0, len(text) if end < 0 else end))
    return out


def split_objects(text: str, *, digests: bool = True) -> list[Chunk] | None:
    """The file's objects in order, one Chunk each; None when the file is not laid out plainly.
    `digests=False`: each Chunk's digest is left empty (a first read in groups needs none)."""
    if not text or "\r" in text or "\t" in text or text.startswith("\ufeff"):
        return None
    if any(_token_start(text, found.start()) for found in _TAGS.finditer(text)):
        return None
    headers = _top_lines(text)
    seen: set[str] = set()
    for start, end in headers:
        found = _SECTION.fullmatch(text, start, end)
        if found is None or found.group(1) in seen:
            return None
        seen.add(found.group(1))
    if not headers or _CONTENT.search(text, 0, headers[0][0]):
        return None  # no section, or indented text before the first one
    starts: list[tuple[str, str, int]] = []  # (section, key, offset of the key line)
    for number, (header_start, header_end) in enumerate(headers):
        end = headers[number + 1][0] if number + 1 < len(headers) else len(text)
        section = text[header_start:header_end].split(":", 1)[0]
        first = _CONTENT.search(text, header_end, end)
        if first is None:
            return None  # a section without objects
        indent = len(first.group(1))
        lines = re.compile(rf"\n {{{indent}}}(?! )(?!#)([^\n]*)")
        if indent > 1 and re.compile(rf"\n {{1,{indent - 1}}}(?! )[^\s#]").search(text, header_end, end):
            return None  # a line less indented than the section's keys
        for line in lines.finditer(text, header_end, end):
            key = _KEY.match(line.group(1))
            if key is None:
                return None
            starts.append((section, key.group(1), line.start() + 1))
    if len({(s, k) for s, k, _ in starts}) != len(starts):
        return None  # a key defined twice
    bounds = [offset for _, _, offset in starts]
    ends = [*bounds[1:], len(text)]
    for header_start, _ in headers[1:]:  # a block ends where the next section starts
        index = bisect_right(bounds, header_start) - 1
        if index >= 0:
            ends[index] = min(ends[index], header_start)
    names: list[tuple[list[str], list[str]]] = [([], []) for _ in starts]
    for found in _ANCHORS.finditer(text, bounds[0]):
        index = bisect_right(bounds, found.start()) - 1
        if found.start() < ends[index] and _token_start(text, found.start()):
            names[index][0 if found.group(1) == "&" else 1].append(found.group(2))
    out: list[Chunk] = []
    line, at = 0, 0
    for (section, key, start), end, (anchors, aliases) in zip(starts, ends, names, strict=True):
        line += text.count("\n", at, start)
        at = start
        block = text[start:end]
        out.append(Chunk(section, key, line, block, hashlib.sha256(block.encode("utf-8")).hexdigest() if digests else "",
                         tuple(anchors), tuple(aliases)))
    return out


def chunk_document(chunks: list[Chunk]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Blocks (in file order) as a YAML document of their own, each under its section, and
    where its lines are in the file (a `yamlfile.LineMap`, for `yamlfile.parse_yaml`)."""
    parts: list[str] = []
    lines: list[tuple[int, int]] = []
    at, section, after = 0, None, -1  # text lines so far, the open section, file line after the last block
    for chunk in chunks:
        if chunk.section != section:
            parts.append(f"{chunk.section}:\n")
            section = chunk.section
            lines.append((at, chunk.line - 1))  # the header stands for the line above the block
            at += 1
        elif chunk.line != after:
            lines.append((at, chunk.line))
        # Only the file's last block can lack a line break, and it is last here too.
        parts.append(chunk.text if chunk.text.endswith("\n") or chunk is chunks[-1] else chunk.text + "\n")
        count = chunk.text.count("\n") + (not chunk.text.endswith("\n"))
        at += count
        after = chunk.line + count
    return "".join(parts), tuple(lines)


def placed_document(chunks: list[Chunk]) -> str | None:
    """Blocks (in file order) as a YAML document whose lines are the file's: each block on its
    own lines, blank lines between, each section's header on the line above its first block
    there. Parsed, it gives every position as the file gives it, with no `LineMap` to place
    each node's marks after parsing (a pass over the node tree that cost half as much again
    as parsing). None if a header has no line of its own (never, for blocks `split_objects`
    found: sections are separated by their headers)."""
    parts: list[str] = []
    at, section = 0, None  # the text's next line, the open section
    for chunk in chunks:
        header = chunk.section != section
        gap = chunk.line - at - header
        if gap < 0:
            return None
        parts.append("\n" * gap)
        if header:
            parts.append(f"{chunk.section}:\n")
            section = chunk.section
        parts.append(chunk.text if chunk.text.endswith("\n") else chunk.text + "\n")
        at = chunk.line + chunk.text.count("\n") + (not chunk.text.endswith("\n"))
    return "".join(parts)
