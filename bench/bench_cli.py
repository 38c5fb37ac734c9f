"""CLI start-up (issue 18): fresh ``allhub`` processes as a user runs them, each figure against its target.

    .venv/bin/python bench/bench_cli.py [--accounts 10000] [--runs 5] [--db PATH] [--only list]

Times, as the median of ``--runs`` fresh processes (after one warm-up run each), with the target beside it
and the median CPU time of those processes (user + system, every thread: steadier on a busy machine):

- ``python -c pass``: the interpreter's own start-up, the floor every figure stands on (no target);
- ``allhub --help`` and ``allhub account --help`` (target 150 ms): the parser tree alone, no DuckDB;
- ``allhub account list`` and ``allhub account list --json`` on ``--accounts`` accounts (10,000; the
  table's target 400 ms, the JSON's 800 ms), on a store built by ``bench/_gen.py`` (``--db PATH``
  reuses or keeps one: built there when the file does not exist).

``--only WORD`` times only the figures whose label holds WORD (the floor always): ``--only list`` for an
A/B of the two list commands.

The package's bytecode is compiled first, as ``make install`` leaves it (``PYTHONDONTWRITEBYTECODE``
is set on this machine: without it each process would compile allhub_core again). Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from _common import print_load

HELP_TARGET_MS = 150
LIST_TARGET_MS = 400
JSON_TARGET_MS = 800


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU (user + system, every thread of the process) milliseconds of one run."""
    t0, c0 = time.perf_counter(), _children_cpu()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    return (time.perf_counter() - t0) * 1000, (_children_cpu() - c0) * 1000, done


def measure(argv: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of ``runs`` fresh processes, after one warm-up (the OS's file cache)."""
    samples, cpu = [], []
    for n in range(runs + 1):
        ms, cpu_ms, done = timed(argv, env)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        if n:
            samples.append(ms)
            cpu.append(cpu_ms)
    return samples, cpu


def build_store(db: Path, accounts: int) -> None:
    from _gen import generate  # noqa: PLC0415 - numpy and pandas load only when a store is built

    t0 = time.perf_counter()
    info = generate(str(db), n_accounts=accounts)
    print(f"built {db} in {time.perf_counter() - t0:.1f} s: {info}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--db", help="the store to time against (built there if missing, and kept)")
    ap.add_argument("--only", help="time only the figures whose label holds this word (and the floor)")
    args = ap.parse_args(argv)

    compileall.compile_dir(str(ROOT / "allhub_core"), quiet=1)  # as `make install` does
    allhub = str(Path(sys.executable).with_name("allhub"))
    print_load()
    with tempfile.TemporaryDirectory(prefix="allhub-bench-cli-") as tmpdir:
        db = Path(args.db).resolve() if args.db else Path(tmpdir) / "cli.duckdb"
        if not db.exists():
            build_store(db, args.accounts)
        env = {**os.environ, "ALLHUB_DB": str(db)}
        env.pop("ALLHUB_DEBUG", None)
        figures: list[tuple[str, list[str], int | None]] = [
            ("python -c pass (the floor)", [sys.executable, "-c", "pass"], None),
            ("allhub --help", [allhub, "--help"], HELP_TARGET_MS),
            ("allhub account --help", [allhub, "account", "--help"], HELP_TARGET_MS),
            (f"allhub account list ({args.accounts} accounts)", [allhub, "account", "list"], LIST_TARGET_MS),
            (f"allhub account list --json ({args.accounts} accounts)", [allhub, "account", "list", "--json"],
             JSON_TARGET_MS),
        ]
        if args.only:
            figures = [fig for fig in figures if fig[2] is None or args.only in fig[0]]
        rows, misses, floor = [], 0, 0.0
        for label, cmd, target in figures:
            samples, cpu = measure(cmd, env, args.runs)
            median = statistics.median(samples)
            floor = floor or median  # the first figure: the interpreter alone
            ok = target is None or median <= target
            misses += not ok
            rows.append((label, f"{median:.0f} ms", f"{median - floor:.0f} ms" if target else "-",
                         "-" if target is None else f"<= {target} ms",
                         "-" if target is None else f"{median / target:.2f}x",
                         "" if target is None else ("OK" if ok else "MISS"),
                         f"{statistics.median(cpu):.0f} ms", " ".join(f"{s:.0f}" for s in samples)))
    # "above the floor": what allhub adds to the interpreter's start-up (steadier on a busy machine)
    # "cpu": the median of the process's user + system time, all its threads (DuckDB's too): what the
    # command costs the machine, steadier than the wall time when other work shares the CPUs (an A/B
    # on a busy machine compares these)
    head = ("figure", f"median of {args.runs}", "above the floor", "target", "ratio", "", "cpu", "each run (ms)")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    print_load(" (after)")
    print("all targets met" if not misses else f"{misses} target(s) missed")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
