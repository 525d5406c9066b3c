"""Variables in object files and widget files: `${var.NAME}`, defined in tkctl.yaml.

One syntax, documented in README ("Environments and variables"):
- `${var.email_domain}` inside any string is replaced by the variable's value as text;
- a value that is exactly one `${var.NAME}` takes the variable's value with its type, so a
  number stays a number and a boolean a boolean (`show_credits: ${var.show_credits}`);
- `$${` writes a literal `${`.
Names are letters, digits and `_`. An unknown variable is a problem at the place it is used,
naming the variables that are defined. Keys are never substituted, only values; the JSON
Schema checks the result.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from tkctl.config.fieldpath import FieldPath

_REFERENCE = re.compile(r"\$(\$?)\{var\.([A-Za-z_][A-Za-z0-9_]*)\}")
_WHOLE = re.compile(r"^\$\{var\.([A-Za-z_][A-Za-z0-9_]*)\}$")
_ANY = re.compile(r"\$\$?\{")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _unknown(name: str, variables: Mapping[str, Any]) -> str:
    defined = ", ".join(sorted(variables))
    where = f"defined variables: {defined}" if defined else "no variables are defined (add them under variables: in tkctl.yaml)"
    return f'unknown variable "{name}" in ${{var.{name}}}; {where}'


def substitute(value: Any, variables: Mapping[str, Any], path: FieldPath = ()) -> tuple[Any, list[tuple[FieldPath, str]]]:
    """`value` with every variable replaced, and (path, message) for each unknown one."""
    issues: list[tuple[FieldPath, str]] = []

    def walk(node: Any, where: FieldPath) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, (*where, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*where, i)) for i, v in enumerate(node)]
        if not isinstance(node, str) or not _ANY.search(node):
            return node
        whole = _WHOLE.match(node)
        if whole:
            name = whole.group(1)
            if name not in variables:
                issues.append((where, _unknown(name, variables)))
                return node
            return variables[name]

        def one(match: re.Match[str]) -> str:
            escaped, name = match.group(1), match.group(2)
            if escaped:
                return match.group(0)[1:]  # $${var.x} -> ${var.x}
            if name not in variables:
                issues.append((where, _unknown(name, variables)))
                return match.group(0)
            return _text(variables[name])

        return _REFERENCE.sub(one, node)

    return walk(value, path), issues


def may_reference(yaml_text: str) -> bool:
    r"""False only if no value read from `yaml_text` can hold `${`, so `substitute` would
    change nothing and report nothing: the text has no `${` and no backslash. (YAML writes
    `${` in a value only as itself, or through an escape in a double-quoted string, such as
    `\x24{` or a backslash line continuation; folding a line break gives a space, never
    nothing.) Lets a large file without variables skip a walk over every value."""
    return "${" in yaml_text or "\\" in yaml_text


def uses_variables(value: Any) -> bool:
    if isinstance(value, dict):
        return any(uses_variables(v) for v in value.values())
    if isinstance(value, list):
        return any(uses_variables(v) for v in value)
    return isinstance(value, str) and "{var." in value
