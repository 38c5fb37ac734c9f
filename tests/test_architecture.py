"""The rule of docs/architecture.md, checked on the code as it is.

import-linter's contracts in pyproject.toml check the layers (run by ``make lint``); these
tests check what it cannot: every module imports cleanly on its own without pulling in the UI
libraries, and no module reaches into another package's private modules.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import allhub_core

ROOT = Path(__file__).resolve().parents[1]


def _all_modules() -> list[str]:
    names = ["allhub_core"]
    for info in pkgutil.walk_packages(allhub_core.__path__, prefix="allhub_core."):
        if info.name != "allhub_core.__main__":
            names.append(info.name)
    return names


def test_every_module_imports_alone_without_streamlit_or_plotly():
    modules = _all_modules()
    assert len(modules) > 40, modules  # the walk really found the rooms
    code = (
        "import importlib, json, sys\n"
        f"mods = {modules!r}\n"
        "bad = {}\n"
        "for m in mods:\n"
        "    importlib.import_module(m)\n"
        "    loaded = sorted(x for x in ('streamlit', 'plotly') if x in sys.modules)\n"
        "    if loaded: bad[m] = loaded; break\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {}


#: A parent loads the third-party libraries once, then forks a child per module: the child starts
#: with none of allhub_core loaded (what a fresh interpreter sees of it), without paying each
#: time for DuckDB, pandas and httpx, whose own imports cannot hide a cycle inside allhub_core.
_FORK_EACH = """
import json, os, sys, traceback
for lib in ("duckdb", "httpx", "pandas", "numpy", "cryptography", "apprise"):
    try:
        __import__(lib)
    except ImportError:
        pass
assert not any(m == "allhub_core" or m.startswith("allhub_core.") for m in sys.modules)
failures = {}
for name in json.loads(sys.argv[1]):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            __import__(name)
        except BaseException:
            os.write(w, traceback.format_exc().strip().splitlines()[-1].encode())
            code = 1
        os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        err = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    if status:
        failures[name] = err
print(json.dumps(failures))
"""


def test_each_module_imports_in_a_fresh_interpreter():
    # Each module imported first, on its own: catches the import cycles that only show when a
    # module is the first of its room to load (one interpreter for all would hide them)
    modules = _all_modules()
    proc = subprocess.run([sys.executable, "-c", _FORK_EACH, json.dumps(modules)], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {}


def test_the_fresh_import_check_catches_a_cycle(tmp_path: Path):
    # the check above really imports each module first: a cycle that breaks only when the second
    # module is imported first is found
    pkg = tmp_path / "cyc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyc.b import B\nA = 1\n")
    (pkg / "b.py").write_text("from cyc.a import A\nB = 2\n")
    proc = subprocess.run([sys.executable, "-c", _FORK_EACH, json.dumps(["cyc.a", "cyc.b"])],
                          capture_output=True, text=True, cwd=tmp_path, check=True)
    failures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(failures) == {"cyc.a", "cyc.b"}
    assert "ImportError" in failures["cyc.a"]


def _private_part(module: str) -> str | None:
    """The package that owns the first private segment of ``module``, if any."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def test_no_module_imports_another_packages_private_modules():
    graph = grimp.build_graph("allhub_core")
    offenders = []
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            owner = _private_part(imported)
            if owner is None:
                continue
            # Allowed: a module of the owning package (or below it) using its own private modules.
            if importer == owner or importer.startswith(owner + "."):
                continue
            offenders.append(f"{importer} -> {imported}")
    assert offenders == []


FACADES = {"allhub_core.accounts", "allhub_core.history", "allhub_core.sync", "allhub_core.transfer",
           "allhub_core.store", "allhub_core.errors", "allhub_core.vocab", "allhub_core.origin",
           "allhub_core.automation", "allhub_core.automation.notify", "allhub_core.keys",
           "allhub_core.prices", "allhub_core.notices", "allhub_core.redeem", "allhub_core.credentials"}


def _imports(path: Path) -> list[str]:

    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "allhub_core":
                found += [f"allhub_core.{a.name}" for a in node.names]
            else:
                found.append(node.module)
    return found


def test_pages_use_only_facades_and_never_the_database_or_the_network():
    pages = [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]
    assert len(pages) >= 7
    offenders = []
    for page in pages:
        for mod in _imports(page):
            top = mod.split(".")[0]
            if top in ("duckdb", "httpx", "httpcore"):
                offenders.append(f"{page.name}: {mod}")
            elif top == "allhub_core" and mod not in FACADES:
                offenders.append(f"{page.name}: {mod}")
    assert offenders == []


def _lint_imports_on_a_copy(tmp_path: Path, change) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on a copy of the package with one change made to it."""
    import shutil  # noqa: PLC0415 - only these two tests copy the tree

    for name in ("allhub_core", "tools"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    change(tmp_path / "allhub_core")
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)})


def test_a_new_package_without_a_floor_breaks_the_import_contracts(tmp_path: Path):
    def add_room(pkg: Path) -> None:
        (pkg / "newroom").mkdir()
        (pkg / "newroom" / "__init__.py").write_text('"""A room nobody gave a floor."""\n')

    result = _lint_imports_on_a_copy(tmp_path, add_room)
    assert result.returncode != 0
    assert "allhub_core.newroom" in result.stdout


def test_an_l0_module_importing_a_third_party_package_breaks_the_allow_list(tmp_path: Path):
    def import_pandas(pkg: Path) -> None:
        with (pkg / "errors.py").open("a") as fh:
            fh.write("\nimport pandas  # noqa\n")

    result = _lint_imports_on_a_copy(tmp_path, import_pandas)
    assert result.returncode != 0
    assert "allhub_core.errors imports pandas, which is not on the allow-list." in result.stdout


def test_the_import_contracts_hold_on_the_code_as_it_is(tmp_path: Path):
    result = _lint_imports_on_a_copy(tmp_path, lambda pkg: None)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


LAZY_FACADES = ("allhub_core.sync", "allhub_core.automation")


def _type_checking_imports(module_name: str) -> dict[str, tuple[str, str]]:
    """What the ``if TYPE_CHECKING:`` block of a module imports: name -> (module, attribute)."""
    tree = ast.parse(Path(importlib.import_module(module_name).__file__).read_text())
    found: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in ast.walk(node):
                if isinstance(imp, ast.ImportFrom):
                    found.update({(a.asname or a.name): (str(imp.module), a.name) for a in imp.names})
    return found


@pytest.mark.parametrize("facade", LAZY_FACADES)
def test_a_lazy_facade_imports_what_its_type_checked_imports_name(facade):
    # the facade's table of homes and its TYPE_CHECKING imports (what mypy and import-linter read)
    # are two lists of the same names: a name in one only would pass the type check and fail when used
    module = importlib.import_module(facade)
    assert module._HOME == _type_checking_imports(facade)
    assert set(module.__all__) == set(module._HOME)
    for name in module.__all__:
        home, attr = module._HOME[name]
        assert getattr(module, name) is getattr(importlib.import_module(home), attr), name
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        module.not_a_name  # noqa: B018 - the attribute access is the test


def test_a_lazy_name_that_is_also_a_submodule_is_refused():
    # importing allhub_core.sync.refreshes binds the submodule to sync.refreshes: a facade name of
    # that spelling would hand out the module once anything imported it
    from allhub_core.lazy import lazy_facade  # noqa: PLC0415 - the module under test

    with pytest.raises(ImportError, match="refreshes would be shadowed"):
        lazy_facade("allhub_core.sync", {"refreshes": ("allhub_core.sync.refreshes", "refresh")})
