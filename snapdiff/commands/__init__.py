"""CLI commands. Each module exposes ``COMMANDS``, a list of click commands that ``snapdiff.cli``
adds to the main group; a command is a thin layer over the library API."""
