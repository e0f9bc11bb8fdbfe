"""The differ's sections, one module each; every module registers itself with ``@section``
(see ``snapdiff.diff.registry``) and is imported by ``load_builtin_sections``."""
