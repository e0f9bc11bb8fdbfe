"""The differ's built-in sections, one module each; every module registers itself with
``@section`` (see ``snapdiff.diff.registry``). Importing this package imports them all;
``snapdiff.diff`` does so, so the registry is full whenever the differ is imported."""

import importlib
import pkgutil

for _mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_mod.name}")
