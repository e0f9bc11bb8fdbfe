"""The builders of securiCAD resource kinds, one module per family; every module registers its
builders with ``@kind`` (see ``snapdiff.securicad.registry``)."""

import importlib
import pkgutil


def load_builtin_kinds() -> None:
    """Import every module of this package so that its builders register (idempotent)."""
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{mod.name}")
