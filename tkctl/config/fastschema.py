"""A JSON Schema turned into one fast yes/no check: "would jsonschema report anything here?"

jsonschema builds a validator object for every value it descends into; for a config of
thousands of objects that made schema checking most of `tkctl validate`'s time. Almost every
value of a real config is valid, so `schema.check_schema` asks this module first and lets
jsonschema produce its (rephrased) errors only for the values this check rejects: messages,
paths and locations come from jsonschema exactly as before, only faster to reach.

Each schema node becomes one small generated Python function (as fastjsonschema does), which
calls the functions of the nodes below it: a call per value rather than per keyword.

The contract is exactness: `compile_schema(s)(x)` is True if and only if
`Draft202012Validator(s).is_valid(x)`. Each keyword below repeats jsonschema's own rule for
it (see jsonschema/_keywords.py); a schema node using any keyword not listed here is handed
to jsonschema whole, so a new keyword in `schemas/` can only make checking slower, never
different. tests/unit/config/test_fastschema.py holds both to the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from numbers import Number
from typing import Any, Callable

Check = Callable[[Any], bool]

# Keywords jsonschema does not validate with (Draft 2020-12 annotations), and our own `x-*`.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples",
                          "deprecated", "readOnly", "writeOnly", "$defs",
                          "then", "else"})  # then/else: read by `if`


def _unbool(x: Any, true: object = object(), false: object = object()) -> Any:
    if x is True:
        return true
    if x is False:
        return false
    return x


def json_equal(one: Any, two: Any) -> bool:
    """jsonschema's equality (`_utils.equal`): `true` is not `1`, also inside lists and mappings."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(i, j) for i, j in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and json_equal(value, two[key]) for key, value in one.items())
    return _unbool(one) == _unbool(two)


def _always(x: Any) -> bool:
    return True


def _never(x: Any) -> bool:
    return False


# The test of each JSON type, as jsonschema's Draft 2020-12 type checker has it: booleans are
# not numbers, and 1.0 is an integer.
_TYPE_TESTS = {
    "object": "isinstance(x, dict)",
    "array": "isinstance(x, list)",
    "string": "isinstance(x, str)",
    "integer": "(not isinstance(x, bool) and (isinstance(x, int) or (isinstance(x, float) and x.is_integer())))",
    "number": "(isinstance(x, Number) and not isinstance(x, bool))",
    "boolean": "isinstance(x, bool)",
    "null": "x is None",
}
_NUMBER = _TYPE_TESTS["number"]
# The keywords repeated here, grouped by the type of instance they apply to (jsonschema
# ignores each for instances of any other type).
_OBJECT = ("properties", "additionalProperties", "required", "propertyNames", "minProperties", "maxProperties")
_ARRAY = ("items", "minItems")
_STRING = ("pattern", "minLength")
_NUMERIC = ("minimum", "maximum")
_ANY = ("type", "enum", "const", "not", "if", "allOf", "anyOf")
SUPPORTED = frozenset(_OBJECT + _ARRAY + _STRING + _NUMERIC + _ANY)


class Compiler:
    """Compiles schema nodes once each (by identity: the schemas live as long as the process)."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[Any, Check]] = {}

    def __call__(self, schema: Any) -> Check:
        found = self._done.get(id(schema))
        if found is not None and found[0] is schema:
            return found[1]
        check = self._compile(schema)
        self._done[id(schema)] = (schema, check)  # keeps `schema` alive, so its id stays its own
        return check

    def _compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            return _delegate(schema)
        keys = [k for k in schema if k not in _ANNOTATIONS and not k.startswith("x-")]
        if any(k not in SUPPORTED for k in keys) or not _plain(schema):
            return _delegate(schema)
        if not keys:
            return _always
        return _Source(self, schema).function()


def _plain(schema: dict) -> bool:
    """Whether every keyword has the form repeated here (else jsonschema does the node)."""
    t = schema.get("type", "object")
    types = [t] if isinstance(t, str) else t
    if not isinstance(types, list) or not all(isinstance(n, str) and n in _TYPE_TESTS for n in types):
        return False
    if "additionalProperties" in schema and "patternProperties" in schema:
        return False
    if "items" in schema and "prefixItems" in schema:
        return False
    checks = [isinstance(schema.get("properties", {}), dict), isinstance(schema.get("required", []), list),
              isinstance(schema.get("pattern", ""), str), isinstance(schema.get("allOf", []), list),
              isinstance(schema.get("anyOf", []), list), isinstance(schema.get("enum", []), list)]
    for name in ("minProperties", "maxProperties", "minItems", "minLength", "minimum", "maximum"):
        if name in schema:
            checks.append(isinstance(schema[name], (int, float)) and not isinstance(schema[name], bool))
    return all(checks)


def _delegate(schema: Any) -> Check:
    """jsonschema itself, for a node this module does not repeat."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema).is_valid


def _lazy(compiler: Compiler, schema: Any, where: dict[str, Any], name: str) -> Check:
    """`schema`'s check, compiled at its first call, which then puts it at `where[name]` in
    its own place: a config meets a fraction of the schema (of the widget's, above all), and
    compiling every node up front was most of the time `tkctl validate` takes on a small one."""

    def first_call(x: Any) -> bool:
        check = compiler(schema)
        where[name] = check
        return check(x)

    return first_call


class _Source:
    """The source of one node's check: `def check(x)` returning False at the first failure."""

    def __init__(self, compiler: Compiler, schema: dict):
        self.compiler = compiler
        self.schema = schema
        self.names: dict[str, Any] = {"Number": Number, "json_equal": json_equal}
        self.lines: list[str] = []

    def value(self, value: Any) -> str:
        """A name the generated code reads `value` by."""
        name = f"c{len(self.names)}"
        self.names[name] = value
        return name

    def sub(self, schema: Any) -> str:
        """A name the generated code calls `schema`'s check by."""
        name = f"c{len(self.names)}"
        self.names[name] = _lazy(self.compiler, schema, self.names, name)
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def function(self) -> Check:
        s = self.schema
        if "type" in s:
            types = [s["type"]] if isinstance(s["type"], str) else s["type"]
            self.emit(1, f"if not ({' or '.join(_TYPE_TESTS[t] for t in types) or 'False'}):")
            self.emit(2, "return False")
        self._object(s)
        if any(k in s for k in _ARRAY):
            self.emit(1, "if isinstance(x, list):")
            if "minItems" in s:
                self.emit(2, f"if len(x) < {self.value(s['minItems'])}:")
                self.emit(3, "return False")
            if s.get("items") is False:  # no items at all
                self.emit(2, "if x:")
                self.emit(3, "return False")
            elif "items" in s:
                self.emit(2, f"f = {self.sub(s['items'])}")
                self.emit(2, "for v in x:")
                self.emit(3, "if not f(v):")
                self.emit(4, "return False")
        if any(k in s for k in _STRING):
            self.emit(1, "if isinstance(x, str):")
            if "minLength" in s:
                self.emit(2, f"if len(x) < {self.value(s['minLength'])}:")
                self.emit(3, "return False")
            if "pattern" in s:
                self.emit(2, f"if {self.value(re.compile(s['pattern']).search)}(x) is None:")
                self.emit(3, "return False")
        if any(k in s for k in _NUMERIC):
            self.emit(1, f"if {_NUMBER}:")
            if "minimum" in s:
                self.emit(2, f"if x < {self.value(s['minimum'])}:")
                self.emit(3, "return False")
            if "maximum" in s:
                self.emit(2, f"if x > {self.value(s['maximum'])}:")
                self.emit(3, "return False")
        if "enum" in s:
            choices = list(s["enum"])
            if all(isinstance(c, str) for c in choices):
                self.emit(1, f"if not (isinstance(x, str) and x in {self.value(frozenset(choices))}):")
            else:
                self.emit(1, f"if not any(json_equal(c, x) for c in {self.value(choices)}):")
            self.emit(2, "return False")
        if "const" in s:
            self.emit(1, f"if not json_equal(x, {self.value(s['const'])}):")
            self.emit(2, "return False")
        if "not" in s:
            self.emit(1, f"if {self.sub(s['not'])}(x):")
            self.emit(2, "return False")
        if "if" in s:
            self.emit(1, f"if {self.sub(s['if'])}(x):")
            if "then" in s:
                self.emit(2, f"if not {self.sub(s['then'])}(x):")
                self.emit(3, "return False")
            else:
                self.emit(2, "pass")
            if "else" in s:
                self.emit(1, f"elif not {self.sub(s['else'])}(x):")
                self.emit(2, "return False")
        for keyword, joiner in (("allOf", " and "), ("anyOf", " or ")):
            if keyword in s:
                calls = [f"{self.sub(sub)}(x)" for sub in s[keyword]]
                empty = "True" if keyword == "allOf" else "False"  # jsonschema: anyOf [] fails everything
                self.emit(1, f"if not ({joiner.join(calls) or empty}):")
                self.emit(2, "return False")
        self.emit(1, "return True")
        source = "def check(x):\n" + "\n".join(self.lines) + "\n"
        exec(compile(source, "<tkctl schema check>", "exec"), self.names)  # noqa: S102 - our own code
        return self.names["check"]

    def _object(self, s: dict) -> None:
        if not any(k in s for k in _OBJECT):
            return
        self.emit(1, "if isinstance(x, dict):")
        for name in s.get("required", []):
            self.emit(2, f"if {self.value(name)} not in x:")
            self.emit(3, "return False")
        if "minProperties" in s:
            self.emit(2, f"if len(x) < {self.value(s['minProperties'])}:")
            self.emit(3, "return False")
        if "maxProperties" in s:
            self.emit(2, f"if len(x) > {self.value(s['maxProperties'])}:")
            self.emit(3, "return False")
        properties = s.get("properties", {})
        extra = s.get("additionalProperties", True)
        if properties or extra is not True:
            # One pass over the instance: each key is checked by its property's schema, or,
            # if it has none, by additionalProperties.
            checks: dict[str, Check] = {}
            for name, sub in properties.items():
                checks[name] = _lazy(self.compiler, sub, checks, name)
            table = self.value(checks)
            self.emit(2, "for k, v in x.items():")
            self.emit(3, f"f = {table}.get(k)")
            self.emit(3, "if f is None:")
            if isinstance(extra, dict):
                self.emit(4, f"if not {self.sub(extra)}(v):")
                self.emit(5, "return False")
            elif not extra:  # jsonschema: any value that is not a mapping and is falsy forbids extras
                self.emit(4, "return False")
            else:
                self.emit(4, "continue")
            self.emit(3, "elif not f(v):")
            self.emit(4, "return False")
        if "propertyNames" in s:
            self.emit(2, f"f = {self.sub(s['propertyNames'])}")
            self.emit(2, "for k in x:")
            self.emit(3, "if not f(k):")
            self.emit(4, "return False")
