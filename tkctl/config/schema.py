"""JSON Schema (Draft 2020-12) checks of a parsed file, turned into Problems people can act on.

The schemas in `schemas/` are the single description of the file format: editors use them
through the `yaml-language-server` modeline and the loader enforces them here. jsonschema's
own messages are written for schema authors ("Additional properties are not allowed ('nmae'
was unexpected)"), so each error is rephrased: unknown fields get a "did you mean" hint, and a
schema may carry an `x-message` (an annotation keyword validators ignore) saying in plain
words what a value must look like.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from tkctl.config.fieldpath import FieldPath

# (path of the value the problem is about, message)
SchemaIssue = tuple[FieldPath, str]

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
_X_MESSAGE_VALIDATORS = {"pattern", "minimum", "maximum", "anyOf", "oneOf", "not", "maxProperties", "minProperties"}


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """The schema `schemas/<name>.schema.json` shipped inside the package."""
    text = resources.files("tkctl.config").joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def _validator(name: str) -> Draft202012Validator:
    # Local `$ref`s are inlined once: resolving them on every object made reference lookup
    # the most expensive part of validating a large config.
    schema = load_schema(name)
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline_refs(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _inline_refs(value, defs) for key, value in node.items() if key not in ("$ref", "$defs")}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        out = {**_inline_refs(defs[ref.removeprefix("#/$defs/")], defs), **out}
    elif ref is not None:
        out["$ref"] = ref
    return out


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def describe_value(value: Any) -> str:
    """A value as it appears in a message: short, and typed so that `9` and `"9"` differ."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_phrase(types: str | list[str]) -> str:
    names = [_TYPE_NAMES.get(t, t) for t in ([types] if isinstance(types, str) else types)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _value_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {describe_value(value)}"
    return describe_value(value)


def _unknown_fields(error: ValidationError, path: FieldPath, noun: str) -> list[SchemaIssue]:
    allowed = sorted(error.schema.get("properties", {}))
    out = []
    for extra in sorted(set(error.instance) - set(allowed)):
        out.append(((*path, extra), unknown_message(extra, allowed, noun)))
    return out


def unknown_message(name: str, allowed: list[str], noun: str = "field") -> str:
    guess = did_you_mean(name, allowed)
    if guess:
        return f'unknown {noun}; did you mean "{guess}"?'
    return f"unknown {noun}; allowed {noun}s are: {', '.join(allowed) or '(none)'}"


def _issues(error: ValidationError, root_is_sections: bool) -> list[SchemaIssue]:
    path: FieldPath = tuple(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    value = error.instance
    if kind == "additionalProperties" and isinstance(value, dict):
        noun = "section" if root_is_sections and not path else "field"
        return _unknown_fields(error, path, noun)
    if kind == "required":
        missing = [name for name in error.validator_value if name not in value]
        return [((*path, name), "required field is missing") for name in missing]
    if kind == "type":
        return [(path, f"must be {_type_phrase(error.validator_value)}, not {_value_kind(value)}")]
    if "propertyNames" in error.relative_schema_path:
        # jsonschema reports a bad key as an error of the key's own schema, at the mapping
        hint = schema.get("x-message", error.message)
        return [((*path, value), f"invalid key: {hint}")]
    if kind in _X_MESSAGE_VALIDATORS and "x-message" in schema:
        suffix = "" if kind in ("maxProperties", "minProperties", "not") else f" (got {describe_value(value)})"
        return [(path, schema["x-message"] + suffix)]
    if kind == "enum":
        choices = [str(c) for c in error.validator_value]
        text = f"must be one of {', '.join(choices)} (got {describe_value(value)})"
        guess = did_you_mean(str(value), choices) if isinstance(value, str) else None
        return [(path, text + (f'; did you mean "{guess}"?' if guess else ""))]
    if kind == "minLength" and error.validator_value == 1:
        return [(path, "must not be empty")]
    if kind == "minimum":
        return [(path, f"must be at least {error.validator_value} (got {describe_value(value)})")]
    if kind == "maximum":
        return [(path, f"must be at most {error.validator_value} (got {describe_value(value)})")]
    return [(path, error.message)]


def schema_issues(name: str, instance: Any) -> list[SchemaIssue]:
    """Every schema violation of `instance` against `schemas/<name>.schema.json`."""
    validator = _validator(name)
    out: list[SchemaIssue] = []
    bad_keys: set[FieldPath] = set()
    for error in validator.iter_errors(instance):
        issues = _issues(error, root_is_sections=(name == "config"))
        if "propertyNames" in error.relative_schema_path:
            bad_keys.update(path for path, _ in issues)
        out.extend(issues)
    # An object under an invalid key is not checked further: one problem per mistake.
    return [(path, message) for path, message in out if not any(path[: len(bad)] == bad and path != bad for bad in bad_keys)]

