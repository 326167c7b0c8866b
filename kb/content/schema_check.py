"""advisory.schema.json compiled into plain Python checks: is a value valid, yes or no.

Loading validates every ``advisory.yaml`` against the JSON Schema. jsonschema walks the schema for
each value with a validator object per step, about a third of the time it takes to read a folder.
:func:`compile_schema` turns the schema into nested closures once; they answer whether a value is
valid as jsonschema's ``Draft202012Validator`` does (the same keywords, types and regular-expression
search), without saying why. Loading asks them first and asks jsonschema for the messages only when
the answer is no (:func:`kb.content.load._schema_problems`), so the messages are jsonschema's and
the valid folders, nearly all of them, cost a fraction. ``tests/test_content.py`` checks on thousands of
changed advisories that both say the same.

Only the keywords the schema uses are known; a schema with another one raises ``ValueError`` at
compile time rather than be checked loosely. Annotations (``title``, ``description``, ``format``,
which Draft 2020-12 does not assert by default) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "format", "$defs"})


def _is_integer(v: Any) -> bool:  # jsonschema: a float with an integral value is an integer too
    return not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))


def _is_number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float))


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _equal(a: Any, b: Any) -> bool:
    """JSON equality as jsonschema's ``enum`` has it: true and 1 differ, 1 and 1.0 do not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return a == b


def compile_schema(root: dict) -> Check:
    """A function that tells whether a value is valid against ``root`` (references ``#/$defs/<name>``)."""
    defs: dict[str, Check] = {}

    def ref(target: str) -> Check:
        prefix = "#/$defs/"
        if not target.startswith(prefix) or target[len(prefix) :] not in root.get("$defs", {}):
            raise ValueError(f"unsupported $ref {target!r}")
        name = target[len(prefix) :]

        def check(v: Any) -> bool:  # looked up when used: definitions may refer to each other
            return defs[name](v)

        return check

    def build(schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise ValueError(f"not a schema: {schema!r}")
        checks: list[Check] = []
        for key, arg in schema.items():
            if key in _ANNOTATIONS or key in ("properties", "additionalProperties"):
                continue
            checks.append(keyword(key, arg, schema))
        if "properties" in schema or "additionalProperties" in schema:
            checks.append(properties(schema.get("properties", {}), schema.get("additionalProperties", True)))
        if len(checks) == 1:
            return checks[0]

        def every(v: Any) -> bool:  # (a loop: faster than all() over a generator; ~400 calls per advisory)
            for c in checks:  # noqa: SIM110
                if not c(v):
                    return False
            return True

        return every

    def properties(props: dict, additional: Any) -> Check:
        known = {name: build(s) for name, s in props.items()}
        extra = build(additional)
        allow_all = additional is True

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name, value in v.items():
                c = known.get(name) if isinstance(name, str) else None
                if c is not None:
                    if not c(value):
                        return False
                elif not allow_all and not extra(value):
                    return False
            return True

        return check

    def keyword(key: str, arg: Any, schema: dict) -> Check:
        if key == "$ref":
            return ref(arg)
        if key == "type":
            names = [arg] if isinstance(arg, str) else list(arg)
            tests = [_TYPES[n] for n in names]
            if len(tests) == 1:
                return tests[0]

            def any_type(v: Any) -> bool:
                for t in tests:  # noqa: SIM110 (a loop: no generator per value)
                    if t(v):
                        return True
                return False

            return any_type
        if key == "required":
            return lambda v: not isinstance(v, dict) or all(name in v for name in arg)
        if key == "minProperties":
            return lambda v: not isinstance(v, dict) or len(v) >= arg
        if key == "items":
            item = build(arg)

            def each(v: Any) -> bool:
                if isinstance(v, list):
                    for x in v:
                        if not item(x):
                            return False
                return True

            return each
        if key == "minItems":
            return lambda v: not isinstance(v, list) or len(v) >= arg
        if key == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= arg
        if key == "pattern":
            search = re.compile(arg).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if key == "minimum":
            return lambda v: not _is_number(v) or v >= arg
        if key == "enum":
            values = list(arg)
            texts = frozenset(x for x in values if isinstance(x, str))  # (text equals only text)
            return lambda v: v in texts if isinstance(v, str) else any(_equal(v, x) for x in values)
        if key in ("oneOf", "anyOf"):
            subs = [build(s) for s in arg]
            if key == "anyOf":
                return lambda v: any(s(v) for s in subs)
            return lambda v: sum(1 for s in subs if s(v)) == 1
        raise ValueError(f"schema keyword {key!r} is not supported by kb.content.schema_check")

    for name, s in root.get("$defs", {}).items():
        defs[name] = build(s)
    return build(root)
