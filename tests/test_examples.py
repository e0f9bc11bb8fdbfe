"""Every example in the commands' --help and in README's sh blocks runs as written against the
demo store (SNAPDIFF_STORE=snapshots/demo.db in a fresh folder, as `snapdiff demo` leaves it).

Commands that need Azure (collect) only have to parse. Each example runs in its own folder
with its own copy of the demo store, beside the two bundles `snapdiff export` writes
(week-0.snapdiff signed with the ed25519 key `collector`, week-1.snapdiff) and that key pair,
so examples cannot depend on each other's effects.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from sqlite_utils.cli import cli as sqlite_utils_cli

from snapdiff.bundle import export_snapshot
from snapdiff.cli import main
from snapdiff.demo import load_demo

ROOT = Path(__file__).resolve().parents[1]
NEEDS_AZURE = {"collect"}
TOOLS = {"snapdiff": main, "sqlite-utils": sqlite_utils_cli}


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


def help_examples() -> list[tuple[str, str]]:
    """(where, command line) of every line under 'Example(s):' in a command's help."""
    out = []
    for path, cmd in _commands(main):
        lines = (cmd.help or "").splitlines()
        starts = [i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")]
        assert starts, f"snapdiff {' '.join(path)} --help has no example"
        for line in lines[starts[0] + 1 :]:
            text = line.strip()
            if not text:
                break
            out.append((f"snapdiff {' '.join(path)} --help", text))
    return out


def readme_examples() -> list[tuple[str, str]]:
    """(where, command line) of README's ```sh blocks, continuation lines joined."""
    out = []
    text = (ROOT / "README.md").read_text()
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            out.append(("README.md", line.strip()))
    return out


def invocations(line: str) -> list[list[str]]:
    """The snapdiff and sqlite-utils commands of one shell line: `&&` parts, without
    environment assignments, a trailing comment or a redirection."""
    out = []
    for part in re.split(r"&&|;|\|", line):
        words = shlex.split(part, comments=True)
        while words and (words[0] == "export" or re.fullmatch(r"[A-Z_]+=\S*", words[0])):
            words = words[1:]
        if words and words[0] in TOOLS:
            cut = [i for i, w in enumerate(words) if w[:1] in "<>" or w.startswith("2>")]
            out.append(words[: cut[0]] if cut else words)
    return out


EXAMPLES = [
    (where, argv)
    for where, line in help_examples() + readme_examples()
    for argv in invocations(line)
]


def test_the_examples_were_found():
    tools = {tuple(argv[:2]) for _, argv in EXAMPLES}
    assert ("snapdiff", "report") in tools and ("snapdiff", "access") in tools
    assert ("sqlite-utils", "snapshots/demo.db") in tools
    assert len(EXAMPLES) > 50


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("demo-folder")
    key = Ed25519PrivateKey.generate()  # `ssh-keygen -t ed25519 -f collector`, in OpenSSH form
    (d / "collector").write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    )
    pub = key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    (d / "collector.pub").write_bytes(pub + b" collector\n")
    run = load_demo(d / "snapshots" / "demo.db")
    export_snapshot(run.store, run.week0, d / "week-0.snapdiff", sign_key=key)  # as README's
    export_snapshot(run.store, run.week1, d / "week-1.snapdiff")
    run.store.close()
    return d


@pytest.mark.parametrize(
    "where, argv", EXAMPLES, ids=[f"{w}: {' '.join(a)}"[:90] for w, a in EXAMPLES]
)
def test_example_runs(where, argv, demo_dir, tmp_path, monkeypatch):
    tool, args = TOOLS[argv[0]], argv[1:]
    # export examples write the bundles the import and verify examples read
    skip = shutil.ignore_patterns("*.snapdiff") if args[:1] == ["export"] else None
    shutil.copytree(demo_dir, tmp_path, dirs_exist_ok=True, ignore=skip)
    monkeypatch.chdir(tmp_path)
    if argv[0] == "snapdiff" and args and args[0] in NEEDS_AZURE:
        cmd = main.commands[args[0]]
        # parses, or raises a usage error; under the group's context, as the CLI does (click
        # keeps the first help option it builds for a command: -h too, as the group says)
        with main.make_context("snapdiff", list(args)) as parent:
            cmd.make_context(args[0], list(args[1:]), parent=parent)
        return
    r = CliRunner().invoke(tool, args, env={"SNAPDIFF_STORE": "snapshots/demo.db"})
    allowed = (0, 1) if args[:1] == ["diff"] else (0,)  # diff exits 1 when something changed
    assert r.exit_code in allowed, f"{where}: {' '.join(argv)}\n{r.output}"


def test_demo_ends_with_commands_that_run(tmp_path, monkeypatch):
    """The lines `snapdiff demo` ends with, pasted in the same folder, run as they are."""
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["demo"])
    assert r.exit_code == 0, r.output
    pasted = r.stdout.split("Next, paste:\n", 1)[1].splitlines()
    assert pasted[0].strip() == "export SNAPDIFF_STORE=snapshots/demo.db"
    env = {"SNAPDIFF_STORE": "snapshots/demo.db"}
    ran = []
    for line in pasted[1:]:
        for argv in invocations(line):
            got = CliRunner().invoke(main, argv[1:], env=env)
            assert got.exit_code in ((0, 1) if argv[1] == "diff" else (0,)), got.output
            ran.append(argv[1])
    assert ran[:3] == ["diff", "report", "access"]
    assert (tmp_path / "demo.html").is_file()
    got = CliRunner().invoke(
        main,
        ["access", "--principal", "eve.contractor@fabrikamdemo.onmicrosoft.com", "--min-c", "8"],
        env=env,
    )
    assert "kv-fab-prod-app" in got.output  # the demo user reaches a C9 vault
