"""config/chunks.py: a file is split into one block per object only where its layout leaves
no doubt, and the blocks placed back in a document of their own keep their lines."""

from __future__ import annotations

import pytest

from tkctl.config.chunks import chunk_document, split_objects

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
