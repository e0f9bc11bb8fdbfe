"""Azure naming rules shared by the collector, the builder and the differ.

``calls``: the names fetches are stored under and the per-resource calls; ``ids``: ARM id and
scope parsing; ``rbac``: reading stored role-assignment listings; ``scad``: the CIA tag parser.
Imports no Azure SDK and nothing from ``collect``, ``build`` or ``diff``.
"""
