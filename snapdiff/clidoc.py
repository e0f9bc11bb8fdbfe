"""docs/cli.md: the CLI reference, generated from every command's ``--help``.

python -m snapdiff.clidoc          # rewrite docs/cli.md
python -m snapdiff.clidoc --check  # exit 1 if it is stale (tests/test_docs.py does this)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

WIDTH = 100
DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
HEADER = """# CLI reference

Generated from `snapdiff --help` by `python -m snapdiff.clidoc`; do not edit by hand
(`tests/test_docs.py` fails when this file is stale). Prose and recipes: [README](../README.md).
"""


def _help(args: list[str]) -> str:
    from .cli import main

    res = CliRunner().invoke(main, [*args, "--help"], prog_name="snapdiff", terminal_width=WIDTH)
    if res.exit_code != 0:
        raise RuntimeError(f"snapdiff {' '.join(args)} --help failed: {res.output}")
    return res.output.rstrip()


def render() -> str:
    """The whole reference, one section per command (alphabetical), as Markdown."""
    from .cli import main

    parts = [HEADER, "## snapdiff\n", f"```\n{_help([])}\n```\n"]
    for name in sorted(main.commands):
        cmd: click.Command = main.commands[name]
        if cmd.hidden:
            continue
        parts += [f"## snapdiff {name}\n", f"```\n{_help([name])}\n```\n"]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not DOC.exists() or DOC.read_text() != text:
            print(f"{DOC} is stale: run python -m snapdiff.clidoc", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
