"""``expander status | toggle | reload``: talk to the running instance over its socket."""

from __future__ import annotations


def add_parser(sub) -> None:
    for name, text in (
        ("status", "show whether the running expander is enabled, its sets and errors"),
        ("toggle", "enable or disable expansion in the running expander"),
        ("reload", "make the running expander re-read its config and snippet files"),
    ):
        p = sub.add_parser(name, help=text)
        p.set_defaults(func=run, control_command=name)


def run(args) -> int:
    from expander.commands.run import socket_path
    from expander.control_socket import run_client_command

    return run_client_command(args.control_command, socket_path())
