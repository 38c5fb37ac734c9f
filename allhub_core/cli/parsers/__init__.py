"""The parser tree of ``allhub``: one module per command group, each with ``register(sub)``.

These modules import the standard library, L0 (``allhub_core.vocab``, ``allhub_core.errors``) and
``allhub_core.cli.terminal`` only, so ``allhub --help`` and ``allhub <cmd> --help`` load no room,
no DuckDB and no pandas (tests/cli/test_cli_parsers.py checks it). A choice or bound that a room
owns is written here as a literal, with a test that it equals the room's value.

Each command names its implementation as a string, ``set_defaults(run="allhub_core.cli.<group>:cmd_x")``;
``allhub_core.cli.main`` imports that module only when the command runs.
"""
