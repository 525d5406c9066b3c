"""config/chunks.py: a file is split into one block per object only where its layout leaves
no doubt, and the blocks placed back in a document of their own keep their lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl.config.chunks import chunk_document, placed_document, split_objects

PLAIN = """# comment
resources:
  a:
    name: A   # &not-an-anchor in a comment
    tags: [x, y]

  b: {name: B}
calendars:  # trailing comment
  c:
    resource: a
    description: |+
      kept

"""


def test_a_plain_file_is_split_at_each_object_key_with_its_trailing_lines():
    chunks = split_objects(PLAIN)
    assert [(c.section, c.key, c.line) for c in chunks] == [("resources", "a", 2), ("resources", "b", 6),
                                                             ("calendars", "c", 8)]
    assert chunks[0].text == "  a:\n    name: A   # &not-an-anchor in a comment\n    tags: [x, y]\n\n"
    assert chunks[2].text.endswith("      kept\n\n")  # a |+ scalar keeps its trailing blank line
    assert "".join(c.text for c in chunks[:2]) + "calendars:  # trailing comment\n" + chunks[2].text == PLAIN.split("resources:\n", 1)[1]


def test_anchor_and_alias_names_are_listed_per_block():
    chunks = split_objects("resources:\n  a:\n    h: &hours [1]\n  b:\n    h: *hours\n    n: \"x *quoted\"\n")
    assert (chunks[0].anchors, chunks[0].aliases) == (("hours",), ())
    assert (chunks[1].anchors, chunks[1].aliases) == ((), ("hours", "quoted"))  # generous: quoted text too


@pytest.mark.parametrize("text", [
    "resources:\n  a:\n    n: !!str 1\n",                 # a tag
    "tests:\n  t:\n    project: p\n",                     # another top-level key
    "moved:\n- {from: resource.a, to: resource.b}\n",
    "resources:\n\ta: {}\n",                               # a tab
    "resources:\r\n  a: {}\r\n",                           # carriage returns
    "resources:\n  \"a\": {}\n",                           # a quoted key
    "resources:\n  a: {}\n  a: {}\n",                      # a key twice
    "resources:\n  a: {}\nresources:\n  b: {}\n",          # a section twice
    "resources:\ncalendars:\n  c: {}\n",                   # a section without objects
    "  x: 1\nresources:\n  a: {}\n",                       # indented text before the first section
    "resources:\n  a:\n    n: 1\n b: 2\n",                 # a line less indented than the keys
    "resources:\n  - a\n",                                 # a list, not keys
    "---\nresources:\n  a: {}\n",                          # a document marker
    "",
])
def test_anything_unusual_is_not_split(text):
    assert split_objects(text) is None


def test_blocks_placed_in_a_document_of_their_own_keep_their_file_lines():
    chunks = split_objects(PLAIN)
    text, lines = chunk_document([chunks[0], chunks[2]])
    assert text == "resources:\n" + chunks[0].text + "calendars:\n" + chunks[2].text
    # the header stands for the line above each block; the block's lines are the file's
    assert lines == ((0, 1), (5, 7))


def _key_marks(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """(line, column) of every mapping key of a YAML text, by its path."""
    import yaml

    out: dict[tuple[str, ...], tuple[int, int]] = {}

    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                out[(*path, key.value)] = (key.start_mark.line, key.start_mark.column)
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, str(i)))

    walk(yaml.compose(text), ())
    return out


@pytest.mark.parametrize("picked", [[0, 1, 2], [0, 2], [1], [2], [1, 2]])
def test_blocks_placed_at_their_own_lines_parse_to_the_files_positions(picked):
    chunks = split_objects(PLAIN)
    text = placed_document([chunks[i] for i in picked])
    whole = _key_marks(PLAIN)
    placed = _key_marks(text)
    # Every object and value where the file has it (a section's header stands on the line above
    # its first block placed, as in chunk_document).
    assert placed and all(whole[path] == mark for path, mark in placed.items() if len(path) > 1)
    assert {path[:2] for path in placed if len(path) > 1} == {(chunks[i].section, chunks[i].key) for i in picked}
    assert text.splitlines()[chunks[picked[-1]].line] == PLAIN.splitlines()[chunks[picked[-1]].line]


# -- the line scans, against the multi-line patterns they replaced ------------------------------


def _reference_split(text: str) -> list[tuple[str, str, int, str, tuple, tuple]] | None:
    """split_objects as it was written with `^` and MULTILINE (before lines were found by the
    line break before them), without digests: the reference the quicker scans must equal."""
    import re
    from bisect import bisect_right

    from tkctl.config import chunks as c

    top = re.compile(r"^(?![ #]|$).*", re.MULTILINE)
    if not text or "\r" in text or "\t" in text or text.startswith("\ufeff"):
        return None
    if any(c._token_start(text, found.start()) for found in c._TAGS.finditer(text)):
        return None
    headers = list(top.finditer(text))
    seen: set[str] = set()
    for header in headers:
        found = c._SECTION.fullmatch(header.group())
        if found is None or found.group(1) in seen:
            return None
        seen.add(found.group(1))
    if not headers or c._CONTENT.search(text, 0, headers[0].start()):
        return None
    starts = []
    for number, header in enumerate(headers):
        end = headers[number + 1].start() if number + 1 < len(headers) else len(text)
        section = header.group().split(":", 1)[0]
        first = c._CONTENT.search(text, header.end(), end)
        if first is None:
            return None
        indent = len(first.group(1))
        lines = re.compile(rf"^ {{{indent}}}(?! )(?!#)(.*)", re.MULTILINE)
        if indent > 1 and re.compile(rf"^ {{1,{indent - 1}}}(?! )(?!#)\S", re.MULTILINE).search(text, header.end(), end):
            return None
        for line in lines.finditer(text, header.end(), end):
            key = c._KEY.match(line.group(1))
            if key is None:
                return None
            starts.append((section, key.group(1), line.start()))
    if len({(s, k) for s, k, _ in starts}) != len(starts):
        return None
    bounds = [offset for _, _, offset in starts]
    ends = [*bounds[1:], len(text)]
    for header in headers[1:]:
        index = bisect_right(bounds, header.start()) - 1
        if index >= 0:
            ends[index] = min(ends[index], header.start())
    names = [([], []) for _ in starts]
    for found in c._ANCHORS.finditer(text, bounds[0]):
        index = bisect_right(bounds, found.start()) - 1
        if found.start() < ends[index] and c._token_start(text, found.start()):
            names[index][0 if found.group(1) == "&" else 1].append(found.group(2))
    out, line, at = [], 0, 0
    for (section, key, start), end, (anchors, aliases) in zip(starts, ends, names, strict=True):
        line += text.count("\n", at, start)
        at = start
        out.append((section, key, line, text[start:end], tuple(anchors), tuple(aliases)))
    return out


_ODD = ["tests:", "calendars:x", "   odd: 1", " less: 1", "  # comment", "# top comment", "", "  ", "    ",
        "  \"q\": 1", "  k:v", "    n: \"a\n  fake: 1\"", "x", "  b: {}", "resources: # c", "! tag", "  a: !t 1"]
_CONTENT_LINES = ["    name: N", "    - 1", "    h: &x [1]", "    h: *x", "      deeper: 2", "", "    # note",
                  "    n: \"x *y &z\""]


@st.composite
def _files(draw) -> str:
    """Mostly files that split (sections of keyed blocks), with odd lines put in at random."""
    lines = draw(st.lists(st.sampled_from(["# the team", ""]), max_size=2))
    keys = iter(f"k{i}" for i in range(100))
    for section in draw(st.lists(st.sampled_from(["resources:", "calendars:", "projects:"]), min_size=1,
                                 max_size=3, unique=True)):
        lines.append(section)
        for _ in range(draw(st.integers(1, 4))):
            lines.append(f"  {next(keys)}:" + draw(st.sampled_from(["", " {}", " &a", " *a"])))
            lines += draw(st.lists(st.sampled_from(_CONTENT_LINES), max_size=3))
    for _ in range(draw(st.integers(0, 2))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(_ODD)))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=1500, derandomize=True, deadline=None, database=None)
@given(_files())
def test_the_line_scans_split_as_the_multiline_patterns_did(text):
    got = split_objects(text, digests=False)
    want = _reference_split(text)
    assert (None if got is None else [(c.section, c.key, c.line, c.text, c.anchors, c.aliases) for c in got]) == want
    if got is not None:
        assert all(c.digest == "" for c in got) and all(c.digest for c in split_objects(text))
