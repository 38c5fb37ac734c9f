"""``allhub demo`` (issue 18): how long a newcomer waits for the demo database, target 20 s.

    .venv/bin/python bench/bench_demo.py [--runs 3] [--base /path/to/other/tree]

Runs ``allhub demo --no-dashboard`` as a user does (``python -m allhub_core demo`` in a fresh process,
the default politeness, a fresh ``--demo-db`` each time) and prints each run's wall time, CPU time
(user + system of the process, the sandbox's servers included: they run in it) and peak memory, then
the medians against the target.

``--base TREE`` makes it an A/B: the same command from another checkout (a ``git worktree`` of the
commit before a change), base and this tree taking turns so a change of the machine's load falls on
both; the ratio of the medians is printed (base / new: above 1 is faster).

Each tree's bytecode is compiled first, as ``make install`` leaves it (``PYTHONDONTWRITEBYTECODE``
is set on this machine: without it every run would compile allhub_core again). Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import print_load

TARGET_S = 20.0


def run_demo(tree: Path, folder: Path, port: int) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak MB, the demo's own sentence) of one ``allhub demo --no-dashboard`` from ``tree``."""
    db = folder / f"demo-{time.monotonic_ns()}.duckdb"
    argv = [sys.executable, "-m", "allhub_core", "demo", "--no-dashboard", "--demo-db", str(db),
            "--sandbox-port", str(port)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    if proc.returncode != 0:
        raise SystemExit(f"allhub demo in {tree} failed ({proc.returncode}): {err.strip()[-800:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.strip().splitlines()[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per tree (default 3)")
    ap.add_argument("--base", help="another checkout to compare with (A/B, taking turns)")
    ap.add_argument("--port", type=int, default=19400, help="first sandbox port (default 19400)")
    ap.add_argument("--show", action="store_true", help="print the demo's sentence of each run")
    args = ap.parse_args()
    trees = {"new": ROOT}
    if args.base:
        trees = {"base": Path(args.base).resolve(), "new": ROOT}
    for tree in trees.values():
        compileall.compile_dir(str(tree / "allhub_core"), quiet=1)  # as `make install` does
    print_load(" (before)")
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="allhub-bench-demo-") as tmp:
        for n in range(args.runs):
            for name, tree in trees.items():
                wall, cpu, mb, said = run_demo(tree, Path(tmp), args.port)
                samples[name].append((wall, cpu, mb))
                print(f"run {n + 1} {name:4s}: wall {wall:6.2f} s  cpu {cpu:6.2f} s  peak {mb:5.0f} MB", flush=True)
                if args.show:
                    print(f"    {said}")
    print_load(" (after)")
    med = {name: (statistics.median(w for w, _, _ in s), statistics.median(c for _, c, _ in s),
                  max(m for _, _, m in s)) for name, s in samples.items()}
    for name, (wall, cpu, mb) in med.items():
        print(f"{name:4s} median: wall {wall:6.2f} s  cpu {cpu:6.2f} s  peak {mb:5.0f} MB  (target wall {TARGET_S:.0f} s)")
    if "base" in med:
        (bw, bc, _), (nw, nc, _) = med["base"], med["new"]
        print(f"ratio base/new: wall {bw / nw:.2f}x  cpu {bc / nc:.2f}x")
    return 0 if med["new"][0] < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
