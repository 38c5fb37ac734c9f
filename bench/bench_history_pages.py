"""History pages on a large store: each page run against the 2 s target, and the page process's
peak memory against 500 MB.

    .venv/bin/python bench/bench_history_pages.py [--accounts 1000] [--days 365] [--usage-rows 1000000] [--runs 3]

Issue 10: "each page run under 2 s, peak memory of the page process under 500 MB". The store is
built as ``bench_history.py`` builds it (1,000 accounts x 365 days of snapshots, 1,000,000 usage
rows over 200 accounts' worth of keys and models); then a CHILD process (its own ru_maxrss) runs
each page with Streamlit's AppTest: the app once (Overview, the landing page), then Balance
history and Usage by ``switch_page``, ``--runs`` times each after one warm-up. Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_load

PAGES = {"Overview": None, "Balance history": "pages/balance_history.py", "Usage": "pages/usage.py"}
PAGE_TARGET_S, MEMORY_TARGET_MB = 2.0, 500.0


def child(db: str, runs: int) -> None:
    os.environ["ALLHUB_DB"] = db
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415 - only the child process runs the pages

    sys.path.insert(0, str(ROOT))
    from pages._ui import navigation_only  # noqa: PLC0415 - the dashboard's own module, in the child only
    navigation_only()  # through app.py's navigation, as the server runs them (not the legacy mode)

    out: dict[str, list[float]] = {}
    for name, page in PAGES.items():
        times = []
        for i in range(runs + 1):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            if page is None:
                t0 = time.perf_counter()
                at.run()
            else:
                at.run()
                at.switch_page(page)
                t0 = time.perf_counter()
                at.run()
            dt = time.perf_counter() - t0
            if at.exception:
                raise SystemExit(f"{name} raised: {at.exception[0].value}")
            if i:
                times.append(dt)
        out[name] = times
    print("@@RESULT@@" + json.dumps({"pages": out, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--usage-rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.runs)
        return 0
    from bench_history import build  # noqa: PLC0415 - a sibling script, found on sys.path only when run from bench/

    print_load()
    with tempfile.TemporaryDirectory(prefix="allhub-bench-pages-") as tmp:
        db = str(Path(tmp) / "history.duckdb")
        t0 = time.perf_counter()
        build(db, args.accounts, args.days, args.usage_rows)
        print(f"store: {args.accounts} accounts x {args.days} days, {args.usage_rows:,} usage rows, "
              f"built in {time.perf_counter() - t0:.1f} s")
        done = subprocess.run([sys.executable, __file__, "--child", db, "--runs", str(args.runs)],
                              capture_output=True, text=True, cwd=ROOT, env={**os.environ, "ALLHUB_DB": db})
    line = next((x for x in done.stdout.splitlines() if x.startswith("@@RESULT@@")), None)
    if done.returncode != 0 or line is None:
        print(done.stdout[-3000:], done.stderr[-3000:])
        return 1
    res = json.loads(line[len("@@RESULT@@"):])
    misses = 0
    print(f"\n{'figure':<36}{'median':>9}{'worst':>9}{'target':>9}{'ratio':>8}")
    for name, times in res["pages"].items():
        med = statistics.median(times)
        ok = med <= PAGE_TARGET_S
        misses += not ok
        print(f"{name + ' page run (s)':<36}{med:>9.2f}{max(times):>9.2f}{PAGE_TARGET_S:>9g}{med / PAGE_TARGET_S:>7.2f}x "
              f"{'OK' if ok else 'MISS'}")
    ok = res["peak_mb"] <= MEMORY_TARGET_MB
    misses += not ok
    print(f"{'page process peak memory (MB)':<36}{res['peak_mb']:>9.0f}{'':>9}{MEMORY_TARGET_MB:>9g}"
          f"{res['peak_mb'] / MEMORY_TARGET_MB:>7.2f}x {'OK' if ok else 'MISS'}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
