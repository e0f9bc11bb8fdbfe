"""Writing the built files, and never overwriting a file built from another snapshot.

File names keep the old collector's minute resolution (``active_directory_<YYYY-mm-dd_HH-MM>``),
so two snapshots taken in one minute share names. Each output folder keeps a small record,
``.snapdiff-builds.json``, of the snapshot every file was built from; a file whose origin is
another snapshot (or unknown, and with other bytes) is only replaced with ``force``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import SnapdiffError

RECORD = ".snapdiff-builds.json"


class WouldOverwrite(SnapdiffError):
    """A file in the output folder was built from another snapshot."""


def _read_record(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # unreadable record: every existing file then counts as of unknown origin
    return data if isinstance(data, dict) else {}


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _describe(origin: dict[str, Any]) -> str:
    label = f" '{origin['label']}'" if origin.get("label") else ""
    return f"snapshot{label} taken {origin.get('started_at', '?')} (uid {origin.get('uid', '?')})"


def check_overwrites(
    out_dir: Path, outputs: list[tuple[Path, bytes]], origin: dict[str, Any]
) -> None:
    """Raise WouldOverwrite if an existing output came from another snapshot."""
    record = _read_record(out_dir)
    for path, data in outputs:
        if not path.exists():
            continue
        built_from = record.get(path.name)
        if isinstance(built_from, dict) and built_from.get("uid") == origin["uid"]:
            continue  # a rebuild of the same snapshot
        if built_from is None and path.is_file() and path.read_bytes() == data:
            continue  # identical bytes: nothing is lost
        was = (
            f"was built from {_describe(built_from)}"
            if isinstance(built_from, dict)
            else f"holds other content and has no record in {RECORD}"
        )
        raise WouldOverwrite(
            f"{path} {was}; this is {_describe(origin)}. Nothing written: use --force to "
            "overwrite it, or -o another folder"
        )


def write_outputs(
    out_dir: Path, outputs: list[tuple[Path, bytes]], origin: dict[str, Any], *, force: bool
) -> list[Path]:
    """Write every output atomically (after checking them all) and record their origin."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SnapdiffError(f"{out_dir} is not a folder; give -o a folder for the files")
    out_dir.mkdir(parents=True, exist_ok=True)
    if not force:
        check_overwrites(out_dir, outputs, origin)
    record = _read_record(out_dir)
    for path, data in outputs:
        _atomic_write(path, data)
        record[path.name] = origin
    _atomic_write(out_dir / RECORD, json.dumps(record, indent=2, sort_keys=True).encode() + b"\n")
    return [p for p, _ in outputs]
