"""JSON rendering: ``Diff.to_dict()`` with sorted keys; the schema is ``snapdiff.diff.schema.SCHEMA``."""

from __future__ import annotations

import json

from .model import Diff


def render_json(d: Diff) -> str:
    return json.dumps(d.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
