"""Build the securiCAD documents from a stored snapshot: ``build()`` and ``write_files()``."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from ..errors import SnapdiffError, StoreError
from ..gcpause import paused_gc
from ..snapshot import SnapshotView
from ..status import SnapshotStatus
from . import core
from .context import BuildContext
from .files import write_outputs
from .kinds import load_builtin_kinds
from .registry import BY_TYPE, REGISTRY, Kind

log = logging.getLogger(__name__)

NAME = "Scanned_Azure_Active_Directory"
PARSER_VERSION = 2


@dataclass
class BuildResult:
    active_directory: dict[str, Any]
    insights: list[Any] | None
    warnings: list[str] = field(default_factory=list)
    incomplete: dict[str, str] = field(default_factory=dict)  # source -> failed/interrupted
    when: str = ""  # YYYY-mm-dd_HH-MM of the snapshot, for file names
    coverage: dict[str, str] = field(default_factory=dict)  # source -> what was forbidden
    status: str = SnapshotStatus.COMPLETE  # the snapshot's status
    origin: dict[str, Any] = field(default_factory=dict)  # the snapshot's uid, label, time


class IncompleteSnapshot(SnapdiffError):
    """``--strict`` and the snapshot is partial, a source failed, was cut off or never
    reached, or coverage is incomplete (something was forbidden)."""


OnBuilderError = Literal["warn", "raise"]


def build(
    view: SnapshotView,
    *,
    bug_compatible: bool = False,
    strict: bool = False,
    on_builder_error: OnBuilderError = "warn",
) -> BuildResult:
    """Return the active-directory object and the insights list (None when empty).

    A builder that raises on a row is a bug: by default (``"warn"``) it becomes a warning
    naming the resource, so one odd row cannot lose the file; ``"raise"`` lets it through
    (the tests build that way, so the same bug fails them)."""
    with paused_gc():
        return _build(view, bug_compatible, strict, on_builder_error)


def _build(
    view: SnapshotView, bug_compatible: bool, strict: bool, on_builder_error: OnBuilderError
) -> BuildResult:
    load_builtin_kinds()
    incomplete = view.unfinished_sources()
    coverage = view.coverage()
    if strict and (incomplete or coverage or view.meta.status != SnapshotStatus.COMPLETE):
        what = [f"{k} {view.describe_source(k)}" for k in sorted(incomplete)]
        what += [
            f"{k} coverage incomplete ({v.splitlines()[0]})" for k, v in sorted(coverage.items())
        ]
        raise IncompleteSnapshot(
            f"snapshot {view.id} is {view.meta.status}: "
            + ("; ".join(what) or view.meta.error or "")
        )
    ctx = BuildContext(view, bug_compatible=bug_compatible)
    rows = list(view.resources().values())
    ad: dict[str, Any] = {
        "name": NAME,
        "parser_version": PARSER_VERSION,
        "managementGroups": core.management_groups(ctx),
        "groups": core.groups(ctx),
        "subscriptions": core.subscriptions(ctx),
        "roleAssignments": core.role_assignments(ctx),
        "resourceGroups": core.resource_groups(ctx),
    }
    lists, tagged, components = _build_rows(ctx, rows, on_builder_error)
    for key, items in lists.items():
        if items:
            ad[key] = items
    tags = core.hva_tags(ctx, tagged)
    if tags:
        ad["hva_tags"] = tags
    insights = core.insights(ctx, components)
    for source in sorted(incomplete):
        ctx.warnings.append(
            f"source {source} is {view.describe_source(source)}: its objects may be missing"
        )
    for source, note in sorted(coverage.items()):
        for line in note.splitlines():
            ctx.warnings.append(f"source {source} coverage: {line}")
    started = view.meta.started_at
    when = f"{started[:10]}_{started[11:13]}-{started[14:16]}"
    m = view.meta
    origin = {"uid": m.uid, "label": m.label, "started_at": m.started_at}
    return BuildResult(
        ad, insights or None, ctx.warnings, incomplete, when, coverage, m.status, origin
    )


def _build_rows(
    ctx: BuildContext, rows: list[dict[str, Any]], on_builder_error: OnBuilderError
) -> tuple[dict[str, list[Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The builders' objects by top-level key, with the rows ``core.hva_tags`` and
    ``core.insights`` need: one pass over the rows (each pass over 100,000 parsed rows costs
    a cache miss per row), in their order."""
    lists: dict[str, list[Any]] = {key: [] for key in REGISTRY}
    spelled: dict[str, tuple[Kind | None, str]] = {}  # by the type as the row spells it
    tagged: list[dict[str, Any]] = []  # rows whose tags may hold a scad tag
    plain: set[Any] = set()  # tag names seen that are not scad in any spelling
    components: list[dict[str, Any]] = []  # App Insights components
    for row in rows:
        rtype = row.get("type", "")
        hit = spelled.get(rtype) if rtype.__class__ is str else None
        if hit is None:
            lower = str(rtype).lower()
            hit = (BY_TYPE.get(lower), lower)
            if rtype.__class__ is str:
                spelled[rtype] = hit
        kind, lower = hit
        if lower == core.INSIGHTS_TYPE:
            components.append(row)
        tags = row.get("tags")
        # Skipped as hva_tags skips them: every tag name is known not to be scad.
        if tags and (tags.__class__ is not dict or not plain.issuperset(tags)):
            tagged.append(row)
            if tags.__class__ is dict:
                plain.update(k for k in tags if str(k).strip().lower() != "scad")
        if kind is None:
            continue
        try:
            obj = kind.func(row, ctx)
        except Exception as e:
            _builder_failed(ctx, kind, row, e, on_builder_error)  # raises, or warns
            continue
        if obj is not None:
            lists[kind.key].append(obj)
    return lists, tagged, components


def _builder_failed(
    ctx: BuildContext, kind: Kind, row: dict[str, Any], e: Exception, how: OnBuilderError
) -> None:
    """A builder raised ``e`` on ``row`` (called while it is handled). Damaged or tampered
    data is refused (StoreError), never skipped as a builder bug; a builder bug raises with
    ``how="raise"``, else becomes a warning naming the resource."""
    view = ctx.view
    if isinstance(e, StoreError):
        raise e
    if isinstance(e, sqlite3.DatabaseError):  # a damaged page of the store, read mid-build
        raise StoreError(
            f"{view.name()} in {view.store.path} is unreadable ({e}); run {view.verify_hint()}"
        ) from None
    if how == "raise":
        raise e
    log.debug("%s builder failed on %s", kind.key, row.get("id"), exc_info=True)
    ctx.warn(str(row.get("id")), f"{kind.key} builder failed ({type(e).__name__}: {e}); skipped")


def render_stdlib(obj: Any) -> bytes:
    """Serialize as the old collector did: indent 4, sorted keys, ASCII, no trailing newline."""
    return json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=True, allow_nan=False).encode()


# orjson writes indent 2 and UTF-8; what follows turns its output into ``render_stdlib``'s
# bytes with a few passes of bytes.replace and regexes that look only where they must.
_NOT_ASCII = re.compile(r"[^\x00-\x7e]")
# Where a float value may end a line: ., e or E, digits (a sign), then the line's end (a
# version or a GUID inside a string is followed by its closing quote instead). One pattern per
# leading character: the regex engine skips ahead to a literal far faster than it tries a
# character class at every position (0.24 s against 0.61 s over a 90 MB file).
_FLOATISH = tuple(re.compile(lead + rb"[-+\d][-+\d.eE]*,?\n") for lead in (rb"\.", b"e", b"E"))
# A line whose value is a number with a fraction or an exponent. Strings hold no raw newline,
# so a whole line is never inside one.
_FLOAT_LINE = re.compile(
    rb'( *(?:"(?:[^"\\]|\\.)*": )?)(-?\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+))(,?)'
)


def _double_indent(out: bytes) -> bytes:
    """Indent 2 -> indent 4: each line's leading spaces written twice."""
    return b"\n".join(
        [line[: len(line) - len(line.lstrip(b" "))] + line for line in out.split(b"\n")]
    )


def _ascii_escape(m: re.Match[str]) -> str:
    c = ord(m.group(0))
    if c > 0xFFFF:
        c -= 0x10000
        return f"\\u{0xD800 | (c >> 10):04x}\\u{0xDC00 | (c & 0x3FF):04x}"
    return f"\\u{c:04x}"


def _python_floats(out: bytes) -> bytes:
    """Floats spelled as ``repr`` spells them (``1e-05``, not ``0.00001``)."""
    edits: dict[int, tuple[int, bytes]] = {}
    for m in (m for floatish in _FLOATISH for m in floatish.finditer(out)):
        start = out.rfind(b"\n", 0, m.start()) + 1
        if start in edits:
            continue
        end = m.end() - 1  # the line's newline, which the match ends with
        line = _FLOAT_LINE.fullmatch(out, start, end)
        if line is not None:
            new = line.group(1) + repr(float(line.group(2))).encode() + line.group(3)
            edits[start] = (end, new)
    if not edits:
        return out
    parts, pos = [], 0
    for start in sorted(edits):
        end, new = edits[start]
        parts += [out[pos:start], new]
        pos = end
    parts.append(out[pos:])
    return b"".join(parts)


# Subclasses, dataclasses and datetimes are left to json.dumps (which refuses the latter two).
_ORJSON = (
    orjson.OPT_INDENT_2
    | orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


def render(obj: Any) -> bytes:
    """``render_stdlib``'s bytes, written by orjson (several times faster on a large model).
    What orjson cannot write as json does (integers beyond 64 bits, non-string keys, lone
    surrogates) falls back to ``render_stdlib``."""
    if not isinstance(obj, (dict, list)):
        return render_stdlib(obj)
    try:
        out = orjson.dumps(obj, option=_ORJSON)
    except TypeError:  # orjson.JSONEncodeError: what json.dumps writes, or refuses, itself
        return render_stdlib(obj)
    out = _double_indent(out)
    if not out.isascii() or b"\x7f" in out:
        out = _NOT_ASCII.sub(_ascii_escape, out.decode()).encode()
    return _python_floats(out)


def write_files(result: BuildResult, out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write ``active_directory_<when>.json`` and, if any, ``application_insights_<when>.json``.

    A file of the same name built from another snapshot (taken in the same minute) is only
    overwritten with ``force``; otherwise ``WouldOverwrite`` is raised and nothing is written.
    """
    outputs = [(out_dir / f"active_directory_{result.when}.json", render(result.active_directory))]
    if result.insights:
        outputs.append(
            (out_dir / f"application_insights_{result.when}.json", render(result.insights))
        )
    return write_outputs(out_dir, outputs, result.origin, force=force)
