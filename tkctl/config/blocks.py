"""Reading a changed file block by block, and how blocks depend on each other through anchors.

The config cache's reuse (`config/reuse.py`): a changed file split into blocks
(`config/chunks.py`) is read by taking each block whose digest the entry knows from the entry,
and parsing the others; a file read whole is indexed (each object given its block's digest)
for the next time.

A block (`config/chunks.py`) that uses an alias (`*hours`) reads a value written in another
block (`&hours`). What the cache keeps of a block is valid while its own text and the values
of the anchors it uses are unchanged, so each block's digest covers both: its text, and for
each name it may alias, the digest of the anchor of that name last defined before it. An
anchor's digest covers the text of its node (from `&name` to the node's end, as libyaml's
parse of the block finds it), the column it starts at, and what the defining block's own
aliases resolved to. So editing one field of the block that first wrote a shared list (PyYAML
writes `&id001` at its first use) leaves the blocks that alias the list alone, while editing
the list changes each of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any, Protocol

import yaml

from tkctl.config.chunks import Chunk, chunk_document, placed_document, split_objects
from tkctl.config.reuse import FileIndex, ObjectRead, Previous, reused, self_contained
from tkctl.config.yamlfile import ALIAS_ALLOWANCE, YamlFile, YamlSyntaxError, parse_events, parse_yaml
from tkctl.errors import Problem

# Parsing blocks one by one costs more per block than parsing the file whole: past this share
# of changed blocks (an edited anchor changes every block using it) the file is read whole.
MAX_CHANGED_SHARE = 0.2
# A large file first read is parsed about this much text at a time (`read_grouped`): a node
# tree of some 20 MB. Smaller groups kept no less memory (the peak is elsewhere then) and cost
# more: with 1,000 blocks a group a 20,000-resource first plan took 0.3-0.9 s longer than read
# whole, with a megabyte 0.2 s on average (medians of six runs each).
GROUP_CHARS = 1 << 20

_ANCHORED = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
_ENDS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class BlockChain:
    """The digests of a file's blocks, worked out in file order (`digest`, then `defined`)."""

    def __init__(self) -> None:
        self._anchors: dict[str, str] = {}  # name -> digest of the latest anchor of that name
        self._where: dict[str, int] = {}  # name -> the block that defined it last
        self._uses: list[set[int]] = []  # per block: the blocks whose anchors it may use

    def digest(self, chunk: Chunk) -> tuple[str, str]:
        """(digest of the block, digest of the anchors it uses) for the next block."""
        if not chunk.aliases:  # most blocks: nothing but their text
            self._uses.append(set())
            return chunk.digest, ""
        names = sorted(set(chunk.aliases))
        used = hashlib.sha256("\0".join(f"{n}={self._anchors.get(n, '')}" for n in names).encode()).hexdigest()
        self._uses.append({self._where[n] for n in names if n in self._where})
        return hashlib.sha256(f"{chunk.digest}\0{used}".encode()).hexdigest(), used

    def defined(self, number: int, anchors: dict[str, str]) -> None:
        """Block `number` defines these anchors (name -> digest)."""
        for name, digest in anchors.items():
            self._anchors[name] = digest
            self._where[name] = number

    def needed(self, number: int) -> list[int]:
        """Block `number` and every block it uses anchors of, directly or not, in file order."""
        return with_anchors(self._uses, [number])


def with_anchors(uses: list[Any], blocks: Any) -> list[int]:
    """`blocks` and every block they use anchors of (`uses[n]`: the blocks block n uses
    anchors of), directly or not, in file order."""
    wanted, todo = set(blocks), list(blocks)
    while todo:
        for used in uses[todo.pop()]:
            if used not in wanted:
                wanted.add(used)
                todo.append(used)
    return sorted(wanted)


def anchor_digests(chunk: Chunk, used: str) -> dict[str, str] | None:
    """The anchors the block defines (name -> digest), from libyaml's events for the block
    alone (aliases need no definition to be parsed); None if the block does not parse alone."""
    if not chunk.anchors:
        return {}
    text = f"{chunk.section}:\n{chunk.text}"
    found: list[tuple[int, str, str]] = []  # (start, name, digest)
    open_: list[tuple[str | None, int, int]] = []  # (anchor, start index, column) of open collections
    try:
        for event in parse_events(text):
            if isinstance(event, _ANCHORED):
                start = (event.anchor, event.start_mark.index, event.start_mark.column)
                if isinstance(event, yaml.ScalarEvent):
                    _note(found, text, used, start, event.end_mark.index)
                else:
                    open_.append(start)
            elif isinstance(event, _ENDS):
                _note(found, text, used, open_.pop(), event.end_mark.index)
    except yaml.YAMLError:
        return None
    return {name: digest for _, name, digest in sorted(found)}  # a name defined again: the later one


def _note(found: list[tuple[int, str, str]], text: str, used: str, start: tuple[str | None, int, int], end: int) -> None:
    anchor, index, column = start
    if anchor is not None:
        found.append((index, anchor, hashlib.sha256(f"{column}\0{used}\0{text[index:end]}".encode()).hexdigest()))


class Reader(Protocol):
    """What `read_blocks` and `read_grouped` need of the loader's file reader."""

    previous: Previous | None
    problems: list[Problem]

    def read_doc(self, doc: YamlFile) -> tuple[list[ObjectRead], list[Problem]]: ...


def index_blocks(display: str, chunks: list[Chunk], reads: list[ObjectRead]) -> bool:
    """Give the objects of a file read whole their blocks' digests and anchors; False if a
    block does not parse on its own (the file is then not split next time)."""
    found = _indexed(display, chunks, [(r.obj, r.warnings) for r in reads])
    if found is None:
        return False
    for read, (block, anchors, contained) in zip(reads, found, strict=True):
        read.chunk, read.anchors, read.reusable = block, anchors, read.reusable and contained
    return True


def index_known(known: FileIndex, previous: Previous, display: str) -> FileIndex | None:
    """The entry's index of a file saved with its text (a first load), its blocks now found:
    what `read_blocks` compares a changed file with. None when the text does not split into
    the objects the entry has."""
    chunks = split_objects(known.text or "")
    if (chunks is None or known.warnings or known.moves or known.tests
            or [(c.section, c.key, c.line) for c in chunks] != [(o.section, o.key, o.line) for o in known.objects]):
        return None
    objs = [previous.objects[o.position] if o.position >= 0 else None for o in known.objects]
    found = _indexed(display, chunks, [(obj, o.warnings) for obj, o in zip(objs, known.objects, strict=True)])
    if found is None:
        return None
    objects = [dataclasses.replace(o, chunk=block, anchors=anchors, reusable=o.reusable and contained)
               for o, (block, anchors, contained) in zip(known.objects, found, strict=True)]
    return dataclasses.replace(known, split=True, objects=objects, text=None)


def _indexed(display: str, chunks: list[Chunk],
             objects: list[tuple[Any, list[Problem]]]) -> list[tuple[str, dict[str, str], bool]] | None:
    """Per block: its digest, the anchors it defines, and whether its object is all its own
    (`reuse.self_contained`); None if a block does not parse on its own."""
    chain = BlockChain()
    out = []
    for number, (chunk, (obj, warnings)) in enumerate(zip(chunks, objects, strict=True)):
        block, used = chain.digest(chunk)
        anchors = anchor_digests(chunk, used)
        if anchors is None:
            return None
        chain.defined(number, anchors)
        out.append((block, anchors, self_contained(obj, warnings, display, *lines_of(chunk))))
    return out


def read_blocks(reader: Reader, path: Path, display: str, chunks: list[Chunk],
                known: FileIndex) -> tuple[list[ObjectRead], int] | None:
    """A changed file's objects: the blocks the entry knows taken from it, the others parsed
    (with the blocks whose anchors they use), and the values aliases added (at most). None
    when so many changed that reading the file whole is quicker, or when anything is not as a
    whole read would have it: the file is then read whole. (A split file has no warnings
    about no one object, no moves and no tests.)"""
    previous = reader.previous
    assert previous is not None
    old = {o.chunk: o for o in known.objects if o.reusable and o.chunk is not None}
    budget = int(MAX_CHANGED_SHARE * len(chunks))
    reads: list[ObjectRead] = []
    added = known.added  # alias expansion: at most what the file had, and what is new
    chain = BlockChain()
    for number, chunk in enumerate(chunks):
        block, used = chain.digest(chunk)
        index = old.get(block)
        if index is not None and index.section == chunk.section:
            read = reused(index, previous.objects, display, chunk.line)
        else:
            budget -= 1
            if budget < 0:
                return None
            parts = [chunks[i] for i in chain.needed(number)]
            text, lines = chunk_document(parts)
            try:
                doc = parse_yaml(path, display, text, lines=lines)
            except YamlSyntaxError:
                return None  # not a block of its own after all
            added += doc.aliased
            got, others = reader.read_doc(doc)
            anchors = anchor_digests(chunk, used)
            if others or anchors is None or [(r.section, r.key, r.line) for r in got] != [
                    (c.section, c.key, c.line) for c in parts]:
                return None
            read = got[-1]
            read.chunk, read.anchors = block, anchors
            read.reusable = read.reusable and self_contained(read.obj, read.warnings, display, *lines_of(chunk))
        chain.defined(number, read.anchors or {})
        reads.append(read)
    if added > ALIAS_ALLOWANCE:
        return None  # whether the file expands too far, its whole read decides
    return reads, added


def read_grouped(reader: Reader, path: Path, display: str, chunks: list[Chunk]) -> tuple[list[ObjectRead], int] | None:
    """A large file's objects, parsed GROUP_CHARS of text at a time, and the values aliases
    added (at most); None as soon as a group reports a problem or anything is not as a whole
    read would have it: the file is then read whole, which reports every problem once.

    Why: a node tree is some twenty times the size of its text, and the whole file's (a 5 MB
    file's was over 100 MB) was alive at once, beside the account read meanwhile; freed, it left the
    process's memory full of holes that later objects did not fill. A group's tree is a
    fifth of that, freed before the next group's takes its place. Each group is parsed
    with the blocks that may define the anchors it uses (found by name, as `BlockChain`
    finds them), each block at its own lines (`placed_document`), so its objects, their
    positions and their warnings are those of a whole read; the blocks brought in for their
    anchors are read again by their own group, and what the reader got from them here is
    dropped. An alias's value is then one object per group rather than one per file: equal
    values, a few more copies. The caller drops whatever a read that gave up noted."""
    problems = len(reader.problems)
    defined: dict[str, int] = {}  # anchor name -> the block that last may define it
    uses: list[list[int]] = []
    for number, chunk in enumerate(chunks):
        uses.append([defined[name] for name in chunk.aliases if name in defined] if chunk.aliases else [])
        for name in chunk.anchors:
            defined[name] = number
    reads: list[ObjectRead] = []
    added = 0
    for group in _groups(chunks):
        parts = [chunks[i] for i in with_anchors(uses, group)]
        text = placed_document(parts)
        if text is None:
            return None
        try:
            doc = parse_yaml(path, display, text)
        except YamlSyntaxError:
            return None
        added += doc.aliased
        got, others = reader.read_doc(doc)
        if others or len(reader.problems) != problems or \
                [(r.section, r.key, r.line) for r in got] != [(c.section, c.key, c.line) for c in parts]:
            return None
        reads.extend(got[len(parts) - len(group):])
    if added > ALIAS_ALLOWANCE:
        return None  # whether the file expands too far, its whole read decides
    return reads, added


def _groups(chunks: list[Chunk]) -> list[range]:
    """Consecutive blocks, each run at least GROUP_CHARS long but the last."""
    out: list[range] = []
    start, size = 0, 0
    for number, chunk in enumerate(chunks):
        size += len(chunk.text)
        if size >= GROUP_CHARS:
            out.append(range(start, number + 1))
            start, size = number + 1, 0
    if start < len(chunks):
        out.append(range(start, len(chunks)))
    return out


def lines_of(chunk: Chunk) -> tuple[int, int]:
    """The first and last line (1-based) of a block."""
    count = chunk.text.count("\n") + (not chunk.text.endswith("\n"))
    return chunk.line + 1, chunk.line + max(count, 1)
