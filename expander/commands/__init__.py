"""Subcommands of the ``expander`` CLI; each module has ``add_parser(subparsers)``."""

from expander.commands import check, control, expand, listing, run, simulate, sources, test

COMMANDS = [run, control, check, listing, simulate, expand, test, sources]
