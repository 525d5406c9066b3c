"""JSON Schema (Draft 2020-12) checks of a parsed file, turned into Problems people can act on.

The schemas in `schemas/` are the single description of the file format: editors use them
through the `yaml-language-server` modeline and the loader enforces them here. jsonschema's
own messages are written for schema authors ("Additional properties are not allowed ('nmae'
was unexpected)"), so each error is rephrased: unknown fields get a "did you mean" hint, and a
schema may carry an `x-message` (an annotation keyword validators ignore) saying in plain
words what a value must look like.

Some mistakes are warnings rather than errors: Timekit stores a widget's `ui` and the
`customer_fields` attributes as sent, and the booking widget ignores keys it does not know, so
an unknown key there is harmless to the API but does nothing (a typo silently loses a
setting). A schema object marked `"x-unknown-keys": "warning"` reports its unknown keys as
warnings, named with its `x-unknown-noun` and explained by its `x-unknown-why`. Editors show
the same `additionalProperties` findings as warnings too (yaml-language-server does).
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Iterable

from tkctl.config.fastschema import Compiler
from tkctl.config.fieldpath import FieldPath

if TYPE_CHECKING:  # jsonschema is imported only when a value fails the fast check
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

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
def _inlined(name: str, definition: str | None = None) -> dict[str, Any]:
    # Local `$ref`s are inlined once: resolving them on every object made reference lookup
    # the most expensive part of validating a large config.
    schema = load_schema(name)
    defs = schema.get("$defs", {})
    return _inline_refs(defs[definition] if definition else schema, defs)


# "Is this value valid?" for each schema node, compiled once (tkctl/config/fastschema.py).
_is_valid = Compiler()


@lru_cache(maxsize=None)
def _validator(name: str, definition: str | None = None) -> Draft202012Validator:
    """jsonschema's validator, for the values that fail the fast check: it names the errors.

    Its `descend` (how jsonschema enters a property or item) first asks the fast check and
    skips what that finds valid, where jsonschema would find no error either; so in a file
    of thousands of objects with one mistake, only the path to the mistake is walked slowly.
    """
    from jsonschema import Draft202012Validator, validators

    cls = validators.extend(Draft202012Validator)
    descend = cls.descend

    def descend_where_invalid(self, instance, schema, path=None, schema_path=None, resolver=None):
        if _is_valid(schema)(instance):
            return
        yield from descend(self, instance, schema, path=path, schema_path=schema_path, resolver=resolver)

    cls.descend = descend_where_invalid
    return cls(_inlined(name, definition))


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
    choices = list(choices)
    same_but_case = [c for c in choices if c.lower() == word.lower()]
    if same_but_case:
        return same_but_case[0]
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")


def describe_value(value: Any) -> str:
    """A value as it appears in a message: short, typed so that `9` and `"9"` differ, and
    without the user:password of a URL (messages may be posted in a pull request)."""
    if isinstance(value, str):
        value = _URL_CREDENTIALS.sub(r"\1***@", value)
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
    noun = error.schema.get("x-unknown-noun", noun)
    why = error.schema.get("x-unknown-why")
    # A key that belongs one level down ("submit_button" next to "localization") is named there.
    nested = {
        f"{name}.{inner}"
        for name, sub in error.schema.get("properties", {}).items()
        if isinstance(sub, dict)
        for inner in sub.get("properties", {})
    }
    out = []
    for extra in sorted(set(error.instance) - set(allowed)):
        below = [n for n in sorted(nested) if n.split(".", 1)[1] == extra]
        if below:
            head = f"unknown {noun}" + (f" ({why})" if why else "")
            out.append(((*path, extra), f'{head}; did you mean "{below[0]}"?'))
        else:
            out.append(((*path, extra), unknown_message(extra, allowed, noun, why)))
    return out


def _is_warning(error: ValidationError) -> bool:
    schema = error.schema if isinstance(error.schema, dict) else {}
    return error.validator == "additionalProperties" and schema.get("x-unknown-keys") == "warning"


def unknown_message(name: str, allowed: list[str], noun: str = "field", why: str | None = None) -> str:
    head = f"unknown {noun}" + (f" ({why})" if why else "")
    guess = did_you_mean(name, allowed)
    if guess:
        return f'{head}; did you mean "{guess}"?'
    listed = "known" if why else "allowed"
    return f"{head}; {listed} {noun}s are: {', '.join(allowed) or '(none)'}"


def _choice(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


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
        choices = [_choice(c) for c in error.validator_value]
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


def check_schema(name: str, instance: Any, definition: str | None = None) -> tuple[list[SchemaIssue], list[SchemaIssue]]:
    """(errors, warnings) of `instance` against `schemas/<name>.schema.json`, or against one
    of its `$defs` (e.g. a widget config read from its own file)."""
    errors: list[SchemaIssue] = []
    warnings: list[SchemaIssue] = []
    if _is_valid(_inlined(name, definition))(instance):
        return errors, warnings
    validator = _validator(name, definition)
    bad_keys: set[FieldPath] = set()
    for error in validator.iter_errors(instance):
        issues = _issues(error, root_is_sections=(name == "config" and definition is None))
        if "propertyNames" in error.relative_schema_path:
            bad_keys.update(path for path, _ in issues)
        (warnings if _is_warning(error) else errors).extend(issues)

    # An object under an invalid key is not checked further: one problem per mistake.
    def keep(issues: list[SchemaIssue]) -> list[SchemaIssue]:
        return [(path, message) for path, message in issues if not any(path[: len(bad)] == bad and path != bad for bad in bad_keys)]

    return keep(errors), keep(warnings)


def schema_issues(name: str, instance: Any) -> list[SchemaIssue]:
    """Every schema violation of `instance` against `schemas/<name>.schema.json` (errors only)."""
    return check_schema(name, instance)[0]
