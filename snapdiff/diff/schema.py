"""The JSON schema of ``Diff.to_dict()``, generated from the dataclasses of the model and of
every registered section, and a checker for the draft-07 subset it uses (type, enum,
properties, required, additionalProperties, items). ``python -m snapdiff.diff.schema`` prints
it; docs/diff-schema.json is that output (a test keeps them equal)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

from .model import SCHEMA_VERSION, Noise, NotCompared, SnapshotInfo
from .registry import sections

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    float: {"type": "number"},
}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": sorted(props),
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return dict(schema, type=[schema["type"], "null"])


def dataclass_schema(cls: type) -> dict[str, Any]:
    """An object schema with every field of dataclass ``cls`` required."""
    hints = typing.get_type_hints(cls)
    props = {}
    for f in dataclasses.fields(cls):
        props[f.name] = type_schema(hints[f.name])
        if "enum" in f.metadata:
            props[f.name] = dict(props[f.name], enum=list(f.metadata["enum"]))
    return _obj(props)


def type_schema(tp: Any) -> dict[str, Any]:
    """The schema of a field type: scalars, ``X | None``, ``list[X]``, ``dict[str, X]``,
    dataclasses, ``Any`` (no constraint)."""
    if tp is Any:
        return {}
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return dataclass_schema(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return _nullable(type_schema(rest[0]))
    if origin is list:
        return {"type": "array", "items": type_schema(args[0])}
    if origin is dict and args[0] is str:
        if args[1] is Any:
            return {"type": "object"}
        return {"type": "object", "additionalProperties": type_schema(args[1])}
    raise TypeError(f"no JSON schema for field type {tp!r}")


def build_schema() -> dict[str, Any]:
    """The schema of the whole document, with one nullable property per registered section."""
    snap = dataclass_schema(SnapshotInfo)
    counts = {
        "type": "object",
        "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}},
    }
    props: dict[str, Any] = {
        "schema_version": {"type": "integer", "enum": [SCHEMA_VERSION]},
        "a": snap,
        "b": snap,
        "sections": {
            "type": "array",
            "items": {"type": "string", "enum": [s.name for s in sections()]},
        },
        "summary": _obj({"counts": counts, "total": {"type": "integer"}}),
        "notes": {"type": "array", "items": {"type": "string"}},
        "noise": dataclass_schema(Noise),
        "not_compared": {"type": "array", "items": dataclass_schema(NotCompared)},
    }
    for s in sections():
        own = s.json_schema()
        props[s.name] = _nullable(own if own is not None else dataclass_schema(s.result))
    schema = _obj(props)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "snapdiff diff output"
    return schema


def schema_json() -> str:
    """The schema as docs/diff-schema.json holds it."""
    return json.dumps(build_schema(), indent=2, sort_keys=True) + "\n"


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _type_ok(obj: Any, names: list[str]) -> bool:
    return any(
        isinstance(obj, _TYPES[n]) and not (isinstance(obj, bool) and n in ("integer", "number"))
        for n in names
    )


def _dict_errors(obj: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
    errs = [f"{path}: missing '{k}'" for k in schema.get("required", []) if k not in obj]
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in obj.items():
        if key in props:
            errs += schema_errors(value, props[key], f"{path}.{key}")
        elif extra is False:
            errs.append(f"{path}: unexpected '{key}'")
        elif isinstance(extra, dict):
            errs += schema_errors(value, extra, f"{path}.{key}")
    return errs


def schema_errors(obj: Any, schema: dict[str, Any] | None = None, path: str = "$") -> list[str]:
    """Check ``obj`` against ``schema`` (default: the diff document's). Returns the problems,
    empty when valid."""
    schema = SCHEMA if schema is None else schema
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not _type_ok(obj, names):
            return [f"{path}: expected {'/'.join(names)}, got {type(obj).__name__}"]
    errs: list[str] = []
    if "enum" in schema and obj not in schema["enum"]:
        errs.append(f"{path}: {obj!r} not one of {schema['enum']}")
    if isinstance(obj, dict):
        errs += _dict_errors(obj, schema, path)
    if isinstance(obj, list) and "items" in schema:
        for n, item in enumerate(obj):
            errs += schema_errors(item, schema["items"], f"{path}[{n}]")
    return errs


SCHEMA: dict[str, Any] = build_schema()

if __name__ == "__main__":
    print(schema_json(), end="")
