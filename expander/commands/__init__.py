"""Subcommands of the ``expander`` CLI; each module has ``add_parser(subparsers)``."""

from expander.commands import check, expand, listing, simulate, sources, test

COMMANDS = [check, listing, simulate, expand, test, sources]
