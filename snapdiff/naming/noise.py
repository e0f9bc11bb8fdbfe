"""Ignore rules: which resource field changes are noise.

A rule is ``<resource type glob> <field path glob>``. Paths are dotted keys with list indices in
brackets (``properties.securityRules[0].properties.access``); a key holding a dot or a bracket
is quoted (``tags["hidden-link:/x.y"]``). In a path glob, ``*`` matches one segment or part of
one (``lastModified*``), ``[*]`` any list index and ``**`` any number of segments. A rule that
matches a path also matches everything below it. Matching is case-insensitive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SnapdiffError
from ..explain import explain

IGNORE_FILE = ".snapdiffignore"
_TOKEN = re.compile(r'\["(?:[^"\\]|\\.)*"\]|\[[^\]]*\]|[^.\[\]]+')
_PLAIN_KEY = re.compile(r"^[^.\[\]\"\s]+$")

Token = str | int


@dataclass(frozen=True)
class Rule:
    """One ignore rule; ``reason`` is documentation only."""

    type_glob: str
    path_glob: str
    reason: str = ""
    origin: str = "user"  # "default", "user" (--ignore), or the ignore file's name

    def __str__(self) -> str:
        return f"{self.type_glob} {self.path_glob}"


# Decided from real Azure samples (ARG rows, ARM GETs, the recorded cassettes/): fields
# that change without anyone changing the resource. Creation timestamps are NOT here: they are
# constant for a resource's life, so a change means it was deleted and recreated.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        "*",
        "**.etag",
        "concurrency token; changes on every write, also on sub-resources (NSG rules, subnets)",
        "default",
    ),
    Rule(
        "*",
        "**.provisioningState",
        "state of the last operation (Succeeded/Updating); the real change shows in other fields",
        "default",
    ),
    Rule(
        "*",
        "**.lastModified*",
        "last-write time and actor: systemData.lastModifiedAt/By/ByType, web lastModifiedTimeUtc",
        "default",
    ),
    Rule("*", "**.updatedAt", "last-touched timestamp (Service Bus, Cosmos DB)", "default"),
    Rule("*", "**.updatedOn", "last-touched timestamp", "default"),
    Rule("*", "**.lastUpdated*", "last-touched timestamp (retention policies, ...)", "default"),
    Rule("*", "**.lastSyncTime", "geo-replication progress of storage accounts", "default"),
    Rule(
        "*",
        "**.instanceView",
        "runtime view: power state, agent and extension statuses, patch status",
        "default",
    ),
    Rule(
        "*",
        "**.powerState",
        "running/stopped/deallocated state (VMs, AKS clusters and pools), not configuration",
        "default",
    ),
    Rule(
        "microsoft.storage/storageaccounts",
        "properties.statusOf*",
        "health of the primary/secondary region (available/unavailable)",
        "default",
    ),
    Rule(
        "microsoft.web/sites",
        "properties.*availabilityState",
        "health of the site and its content/runtime",
        "default",
    ),
    Rule(
        "microsoft.web/sites",
        "properties.usageState",
        "quota usage state (Normal/Exceeded)",
        "default",
    ),
    Rule(
        "*",
        "properties.earliestRestoreDate",
        "point-in-time-restore window of database servers; moves forward every day",
        "default",
    ),
    Rule(
        "microsoft.network/connections",
        "properties.*BytesTransferred",
        "traffic counters of VPN and ExpressRoute connections",
        "default",
    ),
    Rule(
        "microsoft.network/connections",
        "properties.connectionStatus",
        "tunnel up/down at the moment of collection",
        "default",
    ),
    Rule(
        "microsoft.compute/disks",
        "properties.diskState",
        "flips Attached/Reserved as the VM starts or deallocates; attachment itself shows in managedBy",
        "default",
    ),
)


def format_path(tokens: Sequence[Token]) -> str:
    """``['properties', 'rules', 0, 'a.b']`` → ``properties.rules[0]["a.b"]``."""
    out = ""
    for t in tokens:
        if isinstance(t, int):
            out += f"[{t}]"
        elif _PLAIN_KEY.match(t):
            out += ("." if out else "") + t
        else:
            out += "[" + json.dumps(t) + "]"
    return out


def _split(path: str) -> tuple[str, ...]:
    """Tokens of a path or a path glob, as lower-cased strings (indices stay ``[n]``)."""
    out = []
    for tok in _TOKEN.findall(path):
        if tok.startswith('["'):
            out.append(json.loads(tok[1:-1]).lower())
        else:
            out.append(tok.lower())
    return tuple(out)


def _path_tokens(tokens: Sequence[Token]) -> tuple[str, ...]:
    return tuple(f"[{t}]" if isinstance(t, int) else str(t).lower() for t in tokens)


@lru_cache(maxsize=4096)
def _match(pat: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """True if ``pat`` matches ``path`` or a prefix of it."""
    if not pat:
        return True
    head, rest = pat[0], pat[1:]
    if head == "**":
        return any(_match(rest, path[i:]) for i in range(len(path) + 1))
    if not path:
        return False
    seg = path[0]
    if head == "*":
        ok = True
    elif head.startswith("[") and head.endswith("]"):  # a list index pattern: [*], [0]
        ok = seg.startswith("[") and fnmatchcase(seg[1:-1], head[1:-1])
    else:
        ok = not seg.startswith("[") and fnmatchcase(seg, head)
    return _match(rest, path[1:]) if ok else False


_SEGMENT = re.compile(r'\["(?:[^"\\]|\\.)*"\]|\[[^\[\]"]*\]|[^.\[\]"\s]+')
_INDEX = re.compile(r"^\[[0-9*?]+\]$")
_TYPE_GLOB = re.compile(r"^[A-Za-z0-9.*?/_\-\[\]!]+$")


def _path_problem(glob: str) -> str | None:
    """Why ``glob`` is not a field path glob (``a.b[*].c``, ``tags["x.y"]``, ``**.etag``)."""
    pos, n = 0, len(glob)
    while pos < n:
        if glob[pos] == ".":
            if pos == 0 or pos == n - 1 or glob[pos + 1] in ".[":
                return "a '.' must sit between two keys"
            pos += 1
        m = _SEGMENT.match(glob, pos)
        if not m:
            return f"unexpected {glob[pos]!r} at character {pos + 1}"
        tok = m.group(0)
        if tok.startswith('["'):
            try:
                json.loads(tok[1:-1])
            except ValueError:
                return f"{tok} is not a quoted key"
        elif tok.startswith("[") and not _INDEX.match(tok):
            return f"{tok}: a list index is a number, [*] or a glob of digits"
        pos = m.end()
        if pos < n and glob[pos] not in ".[":
            return f"unexpected {glob[pos]!r} at character {pos + 1}"
    return None


def parse_rule(line: str, origin: str = "user") -> Rule:
    """``"<type glob> <path glob>"`` or a lone ``"<path glob>"`` (any type). A rule that could
    never match as meant (an unclosed bracket, an empty key, a stray quote) is refused."""
    parts = line.split()
    if len(parts) == 1:
        parts = ["*", parts[0]]
    if len(parts) != 2:
        raise SnapdiffError(
            f"bad ignore rule {line!r}: expected '<resource type glob> <field path glob>'"
        )
    type_glob, path_glob = parts
    if not _TYPE_GLOB.match(type_glob):
        raise SnapdiffError(
            f"bad ignore rule {line!r}: {type_glob!r} is not a resource type glob"
            " (like microsoft.web/sites or microsoft.network/*)"
        )
    why = _path_problem(path_glob)
    if why:
        raise SnapdiffError(f"bad ignore rule {line!r}: field path {path_glob!r}: {why}")
    return Rule(type_glob, path_glob, origin=origin)


MAX_IGNORE_FILE = 1 << 20  # an ignore file holds rules, a few lines each: 1 MiB is plenty


def read_ignore_file(path: str | Path) -> list[Rule]:
    """Rules of an ignore file: one a line, ``#`` comments and blank lines skipped."""
    p = Path(path)
    try:
        with p.open("rb") as f:  # bounded: /dev/zero or a log named by mistake
            data = f.read(MAX_IGNORE_FILE + 1)
        if len(data) > MAX_IGNORE_FILE:
            raise SnapdiffError(
                f"ignore file {p} is larger than {MAX_IGNORE_FILE >> 20} MiB: not an ignore file"
            )
        text = data.decode("utf-8")
    except OSError as e:
        raise SnapdiffError(f"cannot read ignore file: {explain(e)}") from None
    except UnicodeDecodeError:
        raise SnapdiffError(f"cannot read ignore file {p}: not UTF-8 text") from None
    rules = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            rules.append(parse_rule(line, origin=p.name))
        except SnapdiffError as e:
            raise SnapdiffError(f"{p}:{n}: {e}") from None
    return rules


class IgnoreSet:
    """The active rules; ``match`` returns the first rule that covers a field change."""

    def __init__(self, rules: Iterable[Rule | str] = (), *, defaults: bool = True):
        chosen = list(DEFAULT_RULES) if defaults else []
        for r in rules:
            chosen.append(parse_rule(r) if isinstance(r, str) else r)
        self.rules = chosen
        self._compiled = [(r, r.type_glob.lower(), _split(r.path_glob)) for r in chosen]
        self._by_type: dict[str, list[tuple[Rule, tuple[str, ...]]]] = {}
        self._strippers: dict[str, _Stripper] = {}

    def _for_type(self, rtype: str) -> list[tuple[Rule, tuple[str, ...]]]:
        rules = self._by_type.get(rtype)
        if rules is None:
            rules = [(r, pat) for r, tg, pat in self._compiled if fnmatchcase(rtype, tg)]
            self._by_type[rtype] = rules
        return rules

    def match(self, rtype: str, tokens: Sequence[Token]) -> Rule | None:
        path = _path_tokens(tokens)
        for rule, pat in self._for_type(rtype.lower()):
            if _match(pat, path):
                return rule
        return None

    def strip(self, rtype: str, obj: Any) -> Any:
        """A copy of ``obj`` without the fields the rules cover (what ``match`` answers, walked
        as one automaton per type, so each key costs a dictionary lookup)."""
        rtype = rtype.lower()
        st = self._strippers.get(rtype)
        if st is None:
            st = self._strippers[rtype] = _Stripper([pat for _, pat in self._for_type(rtype)])
        return st.walk(obj, st.start)

    def strip_by_match(self, rtype: str, obj: Any, _path: tuple[Token, ...] = ()) -> Any:
        """``strip`` spelled with ``match`` on every path: the reference it is tested against."""
        if isinstance(obj, dict):
            return {
                k: self.strip_by_match(rtype, v, _path + (k,))
                for k, v in obj.items()
                if self.match(rtype, _path + (k,)) is None
            }
        if isinstance(obj, list):
            return [self.strip_by_match(rtype, v, _path + (i,)) for i, v in enumerate(obj)]
        return obj


State = frozenset[tuple[int, int]]


class _Stripper:
    """The path globs of one resource type as an automaton: a state is the set of (rule,
    position) pairs still alive; a rule that reached its end stays (it covers everything
    below); a key is dropped when its state holds an ended rule. States are numbered and each
    has a table key -> next state (-1: dropped), filled as keys are met."""

    def __init__(self, pats: list[tuple[str, ...]]):
        self.pats = pats
        self.states: list[State] = []
        self.ids: dict[State, int] = {}
        self.tables: list[dict[Any, int]] = []
        self.start = self._id(self._closure({(r, 0) for r in range(len(pats))}))
        self._walk = self._make_walk()

    def _id(self, state: State) -> int:
        n = self.ids.get(state)
        if n is None:
            n = self.ids[state] = len(self.states)
            self.states.append(state)
            self.tables.append({})
        return n

    def _closure(self, states: set[tuple[int, int]]) -> State:
        out, todo = set(states), list(states)
        while todo:
            r, p = todo.pop()
            if p < len(self.pats[r]) and self.pats[r][p] == "**" and (r, p + 1) not in out:
                out.add((r, p + 1))
                todo.append((r, p + 1))
        return frozenset(out)

    def step(self, state: int, key: Any) -> int:
        """The state after ``key`` (a dict key, or an int list index), -1 when it is dropped."""
        nxt_id = self.tables[state].get(key)
        if nxt_id is not None:
            return nxt_id
        seg = f"[{key}]" if isinstance(key, int) else str(key).lower()
        nxt = set()
        for r, p in self.states[state]:
            pat = self.pats[r]
            if p >= len(pat):
                nxt.add((r, p))
                continue
            head = pat[p]
            if head == "**":
                nxt.add((r, p))
                continue
            if head == "*":
                ok = True
            elif head.startswith("[") and head.endswith("]"):
                ok = seg.startswith("[") and fnmatchcase(seg[1:-1], head[1:-1])
            else:
                ok = not seg.startswith("[") and fnmatchcase(seg, head)
            if ok:
                nxt.add((r, p + 1))
        closed = self._closure(nxt)
        dropped = any(p >= len(self.pats[r]) for r, p in closed)
        nxt_id = self._id(closed)
        # A dropped dict key goes; a "dropped" list index keeps its element, whose keys go.
        self.tables[state][key] = -1 if dropped and not isinstance(key, int) else nxt_id
        return self.tables[state][key]

    def walk(self, obj: Any, state: int) -> Any:
        return self._walk(obj, state)

    def _make_walk(self) -> Callable[[Any, int], Any]:
        """``walk`` as a closure over the tables (the row index strips every resource row:
        local names instead of attribute lookups are a third of its time)."""
        tables, states, step = self.tables, self.states, self.step

        def walk(obj: Any, state: int) -> Any:
            if not states[state]:
                return obj  # no rule can match below: nothing to strip
            table = tables[state]
            if type(obj) is dict:
                out = {}
                for k, v in obj.items():
                    n = table.get(k)
                    if n is None:
                        n = step(state, k)
                    if n >= 0:
                        t = type(v)
                        out[k] = walk(v, n) if t is dict or t is list else v
                return out
            if type(obj) is list:
                out_list = []
                for i, v in enumerate(obj):
                    t = type(v)
                    if t is dict or t is list:
                        n = table.get(i)
                        if n is None:
                            n = step(state, i)
                        out_list.append(walk(v, n))
                    else:
                        out_list.append(v)
                return out_list
            if isinstance(obj, (dict, list)):  # subclasses: walk a plain copy
                return walk(dict(obj) if isinstance(obj, dict) else list(obj), state)
            return obj

        return walk
