"""Moved to ``snapdiff.naming.scad``; this name stays for old imports."""

from ..naming.scad import Scad, find_scad_tag, parse_scad, parse_scad_bug_compatible

__all__ = ["Scad", "find_scad_tag", "parse_scad", "parse_scad_bug_compatible"]
