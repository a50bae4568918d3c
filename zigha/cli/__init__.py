"""The ``zigha`` command line: argparse front end over the library, no logic of its own.

Each area lives in its own module here (``conf``, ``status``, ``lvs`` ...) and exposes
``register(subparsers)`` plus an ``ORDER`` number; :mod:`zigha.cli.main` discovers them.
"""
