"""The ``scad`` CIA tag grammar (spec §6), made robust.

``c:<int>``, ``i:<int>``, ``a:<int>`` and ``group:<name>`` or ``group:[a,b]``, comma-separated.
Keys are case-insensitive and whitespace is trimmed; values are clamped to 0..10; each
malformed part yields a problem message instead of an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_DIMS = {"c": "confValue", "i": "integrityValue", "a": "availValue"}
_PARTS = re.compile(r"\[[^\]]*\]?|[^,\[]+")


@dataclass
class Scad:
    confValue: int = 0
    integrityValue: int = 0
    availValue: int = 0
    groups: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "confValue": self.confValue,
            "integrityValue": self.integrityValue,
            "availValue": self.availValue,
            "scadGrps": sorted(self.groups),
        }


def _split_components(value: str) -> list[str]:
    """Split on commas that are not inside ``[...]``."""
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in value:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _clamp(n: int) -> int:
    return 10 if n > 10 else 0 if n < 0 else n


def parse_scad(value: Any) -> Scad:
    """Parse a ``scad`` tag value; never raises."""
    out = Scad()
    if not isinstance(value, str):
        out.problems.append(f"scad tag is not a string: {value!r}")
        return out
    for raw in _split_components(value):
        comp = raw.strip()
        if not comp:
            continue
        if ":" not in comp:
            out.problems.append(f"'{comp}' has no ':'")
            continue
        key, _, val = comp.partition(":")
        key, val = key.strip().lower(), val.strip()
        if key == "group":
            names = val.strip("[]") if val.startswith("[") else val
            for name in names.split(",") if val.startswith("[") else [names]:
                name = name.strip().lower()
                if name:
                    out.groups.add(name)
                else:
                    out.problems.append(f"'{comp}' names an empty group")
            continue
        if key not in _DIMS:
            out.problems.append(f"unknown key '{key}' in '{comp}'")
            continue
        try:
            n = int(val)
        except ValueError:
            out.problems.append(f"'{comp}' is not an integer")
            continue
        if not 0 <= n <= 10:
            out.problems.append(f"'{comp}' clamped to {_clamp(n)}")
        setattr(out, _DIMS[key], _clamp(n))
    return out


def parse_scad_bug_compatible(value: Any) -> dict[str, Any]:
    """The old collector's parse (§6), with scadGrps sorted so output stays deterministic."""
    conf = integ = avail = 0
    groups: set[str] = set()
    for comp in str(value).split(","):
        if ":" not in comp:
            continue
        parts = comp.split(":")
        key, val = parts[0].lower(), parts[1]
        if key == "group":
            val = val.lower()
            if "[" in val or "]" in val:
                val = val.replace("[", "").replace("]", "").split(",")[0]
            groups.add(val)
            continue
        try:
            n = _clamp(int(val))
        except ValueError:
            continue
        if key == "c":
            conf = n
        elif key == "i":
            integ = n
        elif key == "a":
            avail = n
    return {
        "confValue": conf,
        "integrityValue": integ,
        "availValue": avail,
        "scadGrps": sorted(groups),
    }


def find_scad_tag(tags: Any, *, bug_compatible: bool = False) -> str | None:
    """The ``scad`` tag value of a resource's tags; the key is case-insensitive unless
    bug-compatible (exactly ``scad``)."""
    if not isinstance(tags, dict):
        return None
    if bug_compatible:
        v = tags.get("scad")
        return v if v else None
    if tags.get("scad"):
        return tags["scad"]
    for k in sorted(tags):
        if str(k).strip().lower() == "scad" and tags[k]:
            return tags[k]
    return None
