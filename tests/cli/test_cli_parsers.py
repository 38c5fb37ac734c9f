"""The parser tree stands apart from the commands (issue 18, CLI start-up): ``allhub --help`` and
every ``allhub <cmd> --help`` load no room, no DuckDB and no pandas; each command named by a parser
resolves; the choices and bounds the parsers write as literals equal the rooms' own."""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from allhub_core.cli.main import build_parser, command

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "allhub_core" / "cli"

#: What a help must not load: the store's engine and frames, the network, and every room.
HEAVY = ("duckdb", "pandas", "numpy", "httpx", "allhub_core.store", "allhub_core.net", "allhub_core.sites",
         "allhub_core.accounts", "allhub_core.history", "allhub_core.transfer", "allhub_core.sync",
         "allhub_core.automation", "allhub_core.sandbox", "allhub_core.cli.output")


def _heavy(names) -> list[str]:
    return sorted(n for n in names if any(n == h or n.startswith(h + ".") for h in HEAVY))


def _paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _paths(child, (*prefix, name))


@pytest.mark.parametrize("argv", [["--help"], ["account", "--help"], ["account", "list", "--help"]])
def test_help_through_the_console_entry_imports_nothing_heavy(argv):
    """``python -m allhub_core ... --help`` as a user runs it, its imports read from ``-X importtime``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "allhub_core", *argv], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage: allhub" in proc.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "allhub_core.cli.main" in imported
    assert _heavy(imported) == []


def test_every_help_imports_nothing_heavy():
    """Every command's and subcommand's help, in one fresh interpreter, then its ``sys.modules``."""
    code = (
        "import argparse, contextlib, io, json, sys\n"
        "from allhub_core.cli.main import build_parser, main\n"
        "def paths(p, pre=()):\n"
        "    yield pre\n"
        "    for a in p._actions:\n"
        "        if isinstance(a, argparse._SubParsersAction):\n"
        "            for n, c in a.choices.items():\n"
        "                yield from paths(c, (*pre, n))\n"
        "seen = 0\n"
        "for path in paths(build_parser()):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main([*path, '--help'])\n"
        "        except SystemExit as exc:\n"
        "            assert exc.code == 0, path\n"
        "    seen += 1\n"
        "print(json.dumps({'seen': seen, 'modules': sorted(sys.modules)}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["seen"] > 30
    assert _heavy(out["modules"]) == []


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_parser_modules_import_only_the_standard_library_and_l0():
    allowed = {"allhub_core", "allhub_core.vocab", "allhub_core.errors", "allhub_core.cli.terminal",
               "allhub_core.cli.parsers"}
    files = [CLI / "main.py", CLI / "terminal.py", *sorted((CLI / "parsers").glob("*.py"))]
    assert len(files) > 5
    for f in files:
        for name in _imports(f):
            top = name.split(".")[0]
            ok = top in sys.stdlib_module_names or name in allowed or name.startswith("allhub_core.cli.parsers.")
            assert ok, f"{f.relative_to(ROOT)} imports {name}"


def test_every_command_a_parser_names_resolves():
    targets = {}
    for path, parser in _paths(build_parser()):
        has_sub = any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
        run = parser._defaults.get("run")
        if not has_sub:
            assert run, f"allhub {' '.join(path)} names no command"
        if run:
            targets[path] = run
    assert len(targets) >= 30
    for path, target in targets.items():
        assert target.startswith("allhub_core.cli."), (path, target)
        assert callable(command(target)), (path, target)


def test_the_parsers_literals_equal_the_rooms_values():
    from allhub_core.accounts import KEEP_RULES, WHOLE_NUMBER_LIMITS  # noqa: PLC0415 - the rooms load only in this test
    from allhub_core.automation import JOBS  # noqa: PLC0415 - the rooms load only in this test
    from allhub_core.automation.daemon import LOG_LEVELS  # noqa: PLC0415 - the rooms load only in this test
    from allhub_core.automation.notify.channels import CHANNEL_KINDS, POLICIES  # noqa: PLC0415 - the rooms load only in this test
    from allhub_core.automation.settings import WEBDAV_MODES  # noqa: PLC0415 - the rooms load only in this test
    from allhub_core.cli.parsers import automation, history, notify, sites  # noqa: PLC0415 - next to the rooms' values
    from allhub_core.history import USAGE_BY  # noqa: PLC0415 - the rooms load only in this test

    assert sites.MAX_CONCURRENCY == WHOLE_NUMBER_LIMITS["per_site_concurrency"][1]
    assert sites.MAX_RPM == float(WHOLE_NUMBER_LIMITS["per_site_rpm"][1])
    assert automation.JOBS == tuple(j.value for j in JOBS)
    assert automation.LOG_LEVELS == tuple(LOG_LEVELS)
    assert automation.WEBDAV_MODES == tuple(WEBDAV_MODES)
    assert set(history.USAGE_BY) == {*USAGE_BY, "key"}  # key: cli.md's word for token
    assert notify.CHANNEL_KINDS == {k: v.label for k, v in CHANNEL_KINDS.items()}
    fields = {f.name: f for kind in CHANNEL_KINDS.values() for f in kind.fields}
    assert notify.FIELDS == {n: (f.label, f.placeholder, f.secret) for n, f in fields.items()}
    assert notify.POLICIES == tuple(POLICIES)
    dedupe = next(a for a in build_parser()._subparsers._group_actions[0].choices["dedupe"]._actions
                  if a.dest == "keep")
    assert set(dedupe.choices) == set(KEEP_RULES)


def _help_of(parser: argparse.ArgumentParser, argv: list[str]) -> str:
    out = __import__("io").StringIO()
    with __import__("contextlib").redirect_stdout(out), pytest.raises(SystemExit):
        parser.parse_args(argv)
    return out.getvalue()


@pytest.mark.parametrize("argv", [["--help"], ["account", "--help"], ["keys", "list", "--help"], ["demo", "--help"],
                                  ["refresh", "--help"]])
def test_the_tree_built_for_a_command_helps_as_the_whole_tree(argv):
    """``main`` builds in full only the groups its command names (the others are one help line):
    every help a user can ask reads exactly as the whole tree's."""
    assert _help_of(build_parser(argv), argv) == _help_of(build_parser(), argv)


@pytest.mark.parametrize("argv", [["refresh", "3", "--force", "--db", "x.duckdb"], ["--db", "x.duckdb", "account", "list"],
                                  ["keys", "list", "--account", "2", "--json"], ["account", "add", "--url", "https://a.example",
                                                                                 "--name", "refresh"]])
def test_the_tree_built_for_a_command_parses_it_as_the_whole_tree(argv):
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))
