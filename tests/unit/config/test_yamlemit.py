"""The fast canonical writer (yamlemit) against ruamel.yaml: the same text for every document.

`tkctl export` writes with yamlemit and falls back to ruamel.yaml for shapes it does not
write; these tests generate documents of every shape export meets (and odder ones) and hold
the two writers to the same bytes, so the speed-up cannot change an exported file."""

from __future__ import annotations

import io
import json
import string

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import ROOT
from tests.unit.config.bigconfig import write_big_config
from tkctl.config import yamlemit
from tkctl.config.yamlwrite import _yaml, canonicalize, dump

PROPERTY = settings(max_examples=400, derandomize=True, deadline=None, database=None)


def by_ruamel(doc) -> str:
    buffer = io.StringIO()
    _yaml().dump(canonicalize(doc), buffer)
    return buffer.getvalue()


def by_emit(doc) -> str:
    buffer = io.StringIO()
    yamlemit.emit(canonicalize(doc), buffer)
    return buffer.getvalue()


# Text of every kind: the simple alphabet export meets most, YAML's syntax characters, words
# YAML 1.1 reads as other types, times, other scripts, control and special characters.
WORDS = st.sampled_from(["yes", "No", "null", "~", "true", "08:30", "2025-07-07", "12", "1e3", "0x1f", "...x",
                         "---", "- x", "a: b", "a #b", "#c", "*x", "&y", "!z", "%p", "@q", "`r", "|", ">", "'s",
                         '"t', "a,b", "[x]", "{y}", "?", "https://x.example/a?b=c", "Dr. Jørgensen", "Ærø",
                         "東京", "x\ny", "tab\there", "\u2028", "\ufeff", "é", "", " lead", "trail ", "a\\b"])
TEXT = st.one_of(WORDS, st.text(alphabet=string.ascii_letters + string.digits + " .,:-_/'\"#", max_size=20),
                 st.text(max_size=12))
KEYS = st.one_of(st.sampled_from(["name", "a_b", "x-y", "k.1", "yes", "null", "On", "1", "é", "a b", "", "-k"]),
                 st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False), TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=8),
                                                       st.dictionaries(KEYS, inner, max_size=8)), max_leaves=40)
DOCS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=5)
CONFIGS = st.fixed_dictionaries({"resources": st.dictionaries(KEYS, st.dictionaries(KEYS, VALUES, max_size=6),
                                                              min_size=1, max_size=4)})


@PROPERTY
@given(st.one_of(DOCS, CONFIGS))
def test_the_fast_writer_writes_what_ruamel_writes_or_declines(doc):
    expected = by_ruamel(doc)
    try:
        assert by_emit(doc) == expected
    except yamlemit.Unsupported:
        pass
    assert dump(doc) == expected


def test_a_config_like_an_export_takes_the_fast_path_and_reads_back_equal(tmp_path):
    """Object files with every field kind of the examples (widget configs, constraints, meta)
    are written by the fast writer, not declined, and read back as the same values."""
    write_big_config(tmp_path, resources=30, projects=10)
    for path in sorted(tmp_path.glob("*.yaml")) + sorted(ROOT.glob("examples/*/*.yaml")):
        doc = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))  # values as from JSON
        if path.name == "tkctl.yaml" or not isinstance(doc, dict):
            continue
        text = by_emit(doc)
        assert text == by_ruamel(doc)
        assert yaml.safe_load(text) == doc


@pytest.mark.parametrize("doc", [
    {"a": [[1, [2]], [3]]},      # a list directly in a block list
    {"a": [None, 1, 2, 3, 4, 5, 6, {"b": 1}]},  # a null item in a block list
    {"a": "x" * 5000},           # a string ruamel may fold
    [1, 2],                      # not a mapping at the top
])
def test_shapes_it_does_not_write_are_declined_and_written_by_ruamel(doc):
    with pytest.raises(yamlemit.Unsupported):
        by_emit(doc)
    assert dump(doc) == by_ruamel(doc)
