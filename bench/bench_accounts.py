"""Accounts benchmark: 10,000 generated accounts, each figure printed against its target.

Run it with ``make bench`` (which runs ``.venv/bin/python bench/bench_accounts.py``), or directly:

    .venv/bin/python bench/bench_accounts.py [--accounts 10000] [--runs 15] [--page-runs 7]
                                             [--keep PATH] [--profile]

What it does:
1. Builds a temporary DuckDB store with ``bench/_gen.py`` (bulk SQL into the real schema:
   10,000 accounts, 200 tags, 5% duplicates, pins, manual order, today's stats...), with every
   sort criterion enabled in the stored preferences.
2. Times each data call (median and p90 of ``--runs`` samples after 2 warm-ups) three ways:
   *own open*  - the default ``Store`` behaviour outside a session: the call opens and closes
                 the file itself (what a CLI command or a page without ``page_store`` pays);
   *session, cold* - the first call of a fresh ``with store.session():`` (file already open,
                 DuckDB's buffer cache empty: the first query of a page run);
   *session, warm* - repeated calls inside one session.
3. Runs the Accounts page script (``AppTest.from_file("app.py")`` with ``ALLHUB_DB`` = the
   generated store) in a fresh child process: one warm-up, then ``--page-runs`` runs of a new
   session (unfiltered and filtered) and of a rerun. Inside that process the data calls are
   wrapped with timers, so the page's own figures for ``list_accounts``/``totals``/... and the
   number of times the file was opened per run are measured in the real page run. The child
   reports its RSS high-water mark (``ru_maxrss``), so the generator's memory does not count.
4. Prints a table ``figure | measured | target | ratio | OK/MISS`` for the path the page really
   uses (read from the instrumented run) and exits 1 when a target is missed. ``--profile``
   adds per-statement SQL timings and a cProfile of one page run's main thread.

Targets (issue): a filtered, fully sorted page of accounts, the duplicate scan and the filtered
totals < 50 ms median each; the Accounts page script run < 1.5 s; its peak memory < 400 MB.
The machine is shared: a high load average (printed) inflates every figure.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MS_TARGET = 50.0
PAGE_TARGET_S = 1.5
RSS_TARGET_MB = 400.0
FILTER_TAGS = ["vip", "gemini"]
FILTER_STATUS = "enabled"
FILTER_SEARCH = "a"
#: data calls wrapped with timers inside the page run: (module, function)
# Pages take these names from the accounts facade at every run, so that is where they are wrapped.
PAGE_CALLS = [("allhub_core.accounts", name) for name in (
    "get_preferences", "facet_counts", "list_tags", "totals", "count_accounts", "list_accounts", "grid_frame",
    "scan_duplicates")]


# ---- helpers ---------------------------------------------------------------------------------
def _p90(samples: list[float]) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]


def stats(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), _p90(samples)


def sample(fn: Callable[[], Any], runs: int, warmup: int = 2) -> list[float]:
    """ms of ``runs`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def sample_cold(store, fn: Callable[[], Any], runs: int, warmup: int = 2) -> list[float]:
    """ms of ``fn`` as the first call of a fresh session (open not counted, cache cold)."""
    out = []
    for i in range(warmup + runs):
        with store.session():
            t0 = time.perf_counter()
            fn()
            dt = (time.perf_counter() - t0) * 1000
        if i >= warmup:
            out.append(dt)
    return out


def bench_filter():
    from allhub_core.accounts import AccountFilter  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed

    return AccountFilter(tags=list(FILTER_TAGS), status=FILTER_STATUS, search=FILTER_SEARCH)


def all_criteria_prefs(store) -> dict[str, Any]:
    """Store preferences with every sort criterion enabled (the page reads them from the store)."""
    from allhub_core.accounts import SORT_CRITERIA, get_preferences, set_preference  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed

    set_preference(store, "sorting_priority", [{"id": c, "enabled": True} for c in SORT_CRITERIA])
    set_preference(store, "sort_field", "balance")
    set_preference(store, "sort_order", "desc")
    prefs = get_preferences(store)
    assert all(c["enabled"] for c in prefs["sorting_priority"])
    return prefs


# ---- data calls --------------------------------------------------------------------------------
def data_calls(store, prefs) -> list[tuple[str, str, Callable[[], Any]]]:
    """(key, label, call): the data calls of the Accounts page, and the duplicate scan."""
    from allhub_core.accounts import (  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed
        AccountFilter,
        count_accounts,
        facet_counts,
        get_preferences,
        list_accounts,
        list_tags,
        scan_duplicates,
        totals,
    )
    from allhub_core.accounts.status import todays_checkins  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed
    from allhub_core.history import overview  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed

    f = bench_filter()
    none = AccountFilter()
    return [
        ("list_f", "list_accounts, filtered, fully sorted, 100 rows", lambda: list_accounts(store, f, prefs, limit=100)),
        ("list_u", "list_accounts, unfiltered, fully sorted, 100 rows", lambda: list_accounts(store, none, prefs, limit=100)),
        ("scan", "scan_duplicates('pinned')", lambda: scan_duplicates(store, "pinned")),
        ("totals_f", "totals, filtered", lambda: totals(store, f)),
        ("totals_u", "totals, unfiltered", lambda: totals(store, none)),
        ("facets_f", "facet_counts, filtered (5 queries)", lambda: facet_counts(store, f)),
        ("facets_u", "facet_counts, unfiltered (5 queries)", lambda: facet_counts(store, none)),
        ("count_f", "count_accounts, filtered", lambda: count_accounts(store, f)),
        ("tags", "list_tags", lambda: list_tags(store)),
        ("prefs", "get_preferences", lambda: get_preferences(store)),
        # today's check-in state and "needs attention" (issue 17): the filters, the Check-in
        # page's rows and the Overview read the check-in log
        ("checked", "count_accounts, checked in today", lambda: count_accounts(store, AccountFilter(checkin=["checked"]))),
        ("attention", "count_accounts, needs attention", lambda: count_accounts(store, AccountFilter(attention=True))),
        ("checkin_page", "todays_checkins (Check-in page rows)", lambda: todays_checkins(store)),
        ("overview", "overview (the Overview's figures)", lambda: overview(store)),
    ]


# ---- page run (child process) -----------------------------------------------------------------
def page_child(db: str, runs: int, profile: bool) -> None:
    """Runs in a fresh interpreter: time AppTest runs of the Accounts page, report JSON."""

    os.environ["ALLHUB_DB"] = db
    os.chdir(ROOT)
    t_import = time.perf_counter()
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415 - timed: the page child measures Streamlit's import
    import_s = time.perf_counter() - t_import

    from allhub_core.store import Store  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed

    rec: dict[str, list[float]] = defaultdict(list)

    def wrap(owner: Any, name: str, key: str) -> None:
        orig = getattr(owner, name)

        def timed_call(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return orig(*a, **k)
            finally:
                rec[key].append((time.perf_counter() - t0) * 1000)
        setattr(owner, name, timed_call)

    # Pages import these names at every run, so patching the modules reaches the page.
    for mod, name in PAGE_CALLS:
        wrap(importlib.import_module(mod), name, name)
    wrap(Store, "_connect", "file opens")
    wrap(Store, "__init__", "Store()")
    try:  # AppTest scans installed packages for components once per AppTest (a server: once)
        from streamlit.components.v2.component_manager import BidiComponentManager  # noqa: PLC0415 - Streamlit internals, wrapped only where they exist
        wrap(BidiComponentManager, "discover_and_register_components", "harness: component scan")
    except (ImportError, AttributeError):
        pass

    def one(at: Any | None, filtered: bool) -> tuple[float, dict[str, list[float]], Any]:
        if at is None:
            # The landing page is Overview: open the app, then go to Accounts (the timed run).
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
            at.run()
            at.switch_page("pages/accounts.py")
            if filtered:
                at.session_state["f_tags"] = list(FILTER_TAGS)
                at.session_state["f_status"] = FILTER_STATUS
                at.session_state["f_search"] = FILTER_SEARCH
        rec.clear()
        t0 = time.perf_counter()
        at.run()
        dt = time.perf_counter() - t0
        if at.exception:
            raise SystemExit(f"page raised: {at.exception[0].value}")
        if [t.value for t in at.title] != ["Accounts"]:
            raise SystemExit(f"unexpected page: {[t.value for t in at.title]}")
        return dt, {k: list(v) for k, v in rec.items()}, at

    out: dict[str, Any] = {"import_s": import_s}
    dt, calls, at = one(None, False)  # warm-up: page module imports, first DuckDB open
    out["first_run"] = {"s": dt, "calls": calls}
    for kind, filtered in (("unfiltered", False), ("filtered", True)):
        out[kind] = []
        for _ in range(runs):
            dt, calls, at = one(None, filtered)
            out[kind].append({"s": dt, "calls": calls})
        out[kind + "_shown"] = [m.value for m in at.metric][:1]
        out[kind + "_rows"] = len(at.dataframe[0].value) if len(at.dataframe) else 0
    out["rerun"] = []
    for _ in range(runs):
        dt, calls, at = one(at, True)
        out["rerun"].append({"s": dt, "calls": calls})
    # a new session of the Duplicate cleanup page (the scan's own page), same process
    dup = []
    for _ in range(runs):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        at.run()
        rec.clear()
        at.switch_page("pages/duplicates.py")
        t0 = time.perf_counter()
        at.run()
        dup.append({"s": time.perf_counter() - t0, "calls": {k: list(v) for k, v in rec.items()}})
        if at.exception:
            raise SystemExit(f"duplicates page raised: {at.exception[0].value}")
    out["duplicates_page"] = dup
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if profile:

        pr = cProfile.Profile()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        pr.enable()
        at.run()
        pr.disable()
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(20)
        out["profile"] = buf.getvalue()
    print("@@RESULT@@" + json.dumps(out))


def run_page_child(db: str, runs: int, profile: bool) -> dict[str, Any]:
    env = {**os.environ, "ALLHUB_DB": db}
    cmd = [sys.executable, __file__, "--page-child", db, "--page-runs", str(runs)] + (["--profile"] if profile else [])
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@"):])
    raise SystemExit(f"page child failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def per_run(runs: list[dict[str, Any]], key: str) -> list[float]:
    """Total ms of one wrapped call per page run (summed when the page calls it twice)."""
    return [sum(r["calls"].get(key, [])) for r in runs if key in r["calls"]]


# ---- SQL-level profile ----------------------------------------------------------------------------
def sql_profile(store, prefs, runs: int) -> list[tuple[str, float]]:
    """Median ms of the statements behind the targeted figures, file held open and warm."""
    from allhub_core.accounts.query import ACCOUNT_VIEW, GRID_COLUMNS, order_by_sql, where_sql  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed

    f = bench_filter()
    rows: list[tuple[str, float]] = []
    with store.session(), store.read() as con:
        def q(label: str, sql: str, params: list[Any] | None = None, df: bool = False) -> None:
            run = (lambda: con.execute(sql, params or []).df()) if df else (lambda: con.execute(sql, params or []).fetchall())
            rows.append((label, statistics.median(sample(run, runs))))

        params: list[Any] = []
        w = where_sql(f, params)
        q("view, no filter: count(*)", f"{ACCOUNT_VIEW} SELECT count(*) FROM v")
        q("view + filter: count(*)", f"{ACCOUNT_VIEW} SELECT count(*) FROM v {w}", list(params))
        q("view + filter + ORDER BY + LIMIT 100, ids only",
          f"{ACCOUNT_VIEW} SELECT v.id FROM v {w} {order_by_sql(prefs)} LIMIT 100", list(params))
        q("view + filter + ORDER BY + LIMIT 100, grid columns, fetchall()",
          f"{ACCOUNT_VIEW} SELECT {GRID_COLUMNS} FROM v {w} {order_by_sql(prefs)} LIMIT 100", list(params))
        q("view + filter + ORDER BY + LIMIT 100, grid columns, .df() (as list_accounts)",
          f"{ACCOUNT_VIEW} SELECT {GRID_COLUMNS} FROM v {w} {order_by_sql(prefs)} LIMIT 100", list(params), df=True)
        q("dedupe window query (as scan_duplicates, 'pinned')", """
            WITH base AS (SELECT a.id, a.site_name, a.username, a.site_url, trim(a.user_id) AS uid, a.site_type,
                   a.disabled, a.updated_at, a.created_at, a.health_status, a.quota,
                   EXISTS (SELECT 1 FROM pins p WHERE p.account_id = a.id) AS pinned
                   FROM accounts a WHERE trim(a.user_id) <> ''),
            ranked AS (SELECT *, count(*) OVER w AS n, row_number() OVER (PARTITION BY site_url, uid
                   ORDER BY pinned DESC, (NOT disabled) DESC, updated_at DESC, created_at DESC, id ASC) AS rk
                   FROM base WINDOW w AS (PARTITION BY site_url, uid))
            SELECT * FROM ranked WHERE n > 1 ORDER BY site_url, uid, rk""")
        q("dedupe unscannable count", "SELECT count(*) FROM accounts WHERE trim(user_id) = ''")
    return rows


def fill_checkin_log(store) -> int:
    """Give the check-in log what a year of daily runs leaves (unless it has rows already): for
    each of the last 30 days one attempt per account able to check in, most of them done, some
    failed or needing the user; "checked in today" and "needs attention" read today's rows."""
    with store.write() as con:
        have = con.execute("SELECT count(*) FROM checkin_log").fetchone()[0]
        if have:
            return int(have)
        con.execute("""
            INSERT INTO checkin_log (account_id, day, attempted_at, result, message)
            SELECT a.id, current_date - d.n, CAST(current_date - d.n AS TIMESTAMP) + INTERVAL 9 HOUR,
                   CASE WHEN hash(a.id, d.n) % 20 = 0 THEN 'failed'
                        WHEN hash(a.id, d.n) % 20 = 1 THEN 'needs_browser'
                        WHEN hash(a.id, d.n) % 3 = 0 THEN 'already_checked' ELSE 'success' END, 'bench'
            FROM accounts a, (SELECT CAST(range AS INTEGER) AS n FROM range(0, 30)) d
            WHERE coalesce(a.checkin_supported, true) AND hash(a.id) % 10 < 7""")
        return int(con.execute("SELECT count(*) FROM checkin_log").fetchone()[0])


def open_cost(path: str, runs: int) -> float:
    """Median ms of opening and closing the file once (``duckdb.connect`` + ``close``)."""
    import duckdb  # noqa: PLC0415 - the page child runs this file too and times Streamlit's import before anything heavy

    return statistics.median(sample(lambda: duckdb.connect(path).close(), runs))


# ---- main --------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--tags", type=int, default=200)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--page-runs", type=int, default=7)
    ap.add_argument("--keep", help="build the store at this path and keep it (an existing one is reused)")
    ap.add_argument("--profile", action="store_true", help="also print SQL timings and a cProfile")
    ap.add_argument("--calls-only", action="store_true", help="time the data calls only, not the page runs")
    ap.add_argument("--page-child", metavar="DB", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.page_child:
        page_child(args.page_child, args.page_runs, args.profile)
        return 0

    import duckdb  # noqa: PLC0415 - the page child runs this file too and times Streamlit's import before anything heavy
    import streamlit  # noqa: PLC0415 - the page child runs this file too and times Streamlit's import before anything heavy
    from _gen import generate  # noqa: PLC0415 - the page child runs this file too and times Streamlit's import before anything heavy

    from allhub_core.accounts import count_accounts, scan_duplicates  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed
    from allhub_core.store import Store  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed

    tmp = None
    if args.keep:
        db = str(Path(args.keep).resolve())
    else:
        tmp = tempfile.TemporaryDirectory(prefix="allhub-bench-")
        db = str(Path(tmp.name) / "bench.duckdb")

    print(f"allhub accounts bench · DuckDB {duckdb.__version__} · Streamlit {streamlit.__version__} · "
          f"Python {sys.version.split()[0]} · {os.cpu_count()} CPU(s) · load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    t0 = time.perf_counter()
    if Path(db).exists():
        store = Store(db)
        print(f"reusing {db}: {count_accounts(store, None)} accounts")
    else:
        info = generate(db, n_accounts=args.accounts, n_tags=args.tags)
        print(f"generated in {time.perf_counter() - t0:.2f} s: {info}")
        store = Store(db)
    print(f"check-in log: {fill_checkin_log(store)} rows")
    prefs = all_criteria_prefs(store)
    f = bench_filter()
    print(f"filter: tags={FILTER_TAGS} status={FILTER_STATUS} search={FILTER_SEARCH!r} -> "
          f"{count_accounts(store, f)} of {args.accounts} accounts match; duplicate scan -> "
          f"{scan_duplicates(store).summary()}")
    print(f"sort: all {len(prefs['sorting_priority'])} criteria enabled, sort field "
          f"{prefs['sort_field']} {prefs['sort_order']}")

    # -- data calls, three ways ------------------------------------------------------------------
    print(f"\nData calls: median / p90 ms of {args.runs} samples after 2 warm-ups")
    print(f"{'call':52} {'own open':>15} {'session, cold':>15} {'session, warm':>15}")
    calls: dict[str, dict[str, Any]] = {}
    for key, label, fn in data_calls(store, prefs):
        own = stats(sample(fn, args.runs))
        cold = stats(sample_cold(store, fn, args.runs))
        with store.session():
            warm = stats(sample(fn, args.runs))
        calls[key] = {"label": label, "own": own, "cold": cold, "warm": warm}
        print(f"{label:52} " + " ".join(f"{m:7.1f} /{p:6.1f}" for m, p in (own, cold, warm)))
    oc = open_cost(db, args.runs)
    print(f"{'open + close the file (duckdb.connect, no query)':52} {oc:7.1f}")

    if args.calls_only:
        return 0
    # -- page runs --------------------------------------------------------------------------------
    print(f"\nAccounts page script run (AppTest, fresh child process, 1 warm-up + {args.page_runs} runs each) ...")
    page = run_page_child(db, args.page_runs, args.profile)
    fil = page["filtered"]
    opens = statistics.median([len(r["calls"].get("file opens", [])) for r in fil])
    reads = statistics.median([sum(len(r["calls"].get(k, [])) for _, k in PAGE_CALLS) for r in fil])
    holds_session = opens <= 2 and reads > opens
    path_name = ("session (app.py wraps each run in pages/_ui.page_store(): one Store, file held open)"
                 if holds_session else "own open (no session: every data call opens and closes the file)")
    print(f"page path: {path_name}; per filtered run the file was opened {opens:g} time(s) "
          f"for {reads:g} data call(s)")
    print(f"streamlit import {page['import_s']:.2f} s; first run in the process {page['first_run']['s']:.2f} s; "
          f"grid rows shown: unfiltered {page['unfiltered_rows']}, filtered {page['filtered_rows']} "
          f"({page['filtered_shown']} accounts shown)")
    harness = per_run(page["unfiltered"], "harness: component scan")
    for kind in ("unfiltered", "filtered", "rerun"):
        secs = [r["s"] for r in page[kind]]
        m, p = stats(secs)
        label = {"unfiltered": "new session, unfiltered", "filtered": "new session, filtered",
                 "rerun": "rerun of a filtered session"}[kind]
        print(f"  {label:30} median {m:.3f} s  p90 {p:.3f} s")
    if harness:
        print(f"  (each new-session run includes AppTest's component manifest scan, median "
              f"{statistics.median(harness):.0f} ms, which a real server does once at start)")
    print("  time inside the page run per data call, filtered new session (median / p90 ms):")
    for _, key in [*PAGE_CALLS, (None, "Store()"), (None, "file opens")]:
        xs = per_run(fil, key)
        if xs:
            m, p = stats(xs)
            print(f"    {key:24} {m:7.1f} / {p:6.1f}")
    dxs = [r["s"] for r in page["duplicates_page"]]
    dscan = per_run(page["duplicates_page"], "scan_duplicates")
    print(f"  Duplicate cleanup page run (new session): median {statistics.median(dxs):.3f} s; "
          f"scan_duplicates inside it median {statistics.median(dscan):.1f} ms")

    # -- table ------------------------------------------------------------------------------------------
    where = "in the page run" if holds_session else "own open"
    table: list[tuple[str, float, float, str]] = [
        (f"filtered, fully sorted page: list_accounts ({where})",
         statistics.median(per_run(fil, "list_accounts")), MS_TARGET, "ms"),
        ("duplicate scan: scan_duplicates (in the Duplicate cleanup page run)",
         statistics.median(dscan), MS_TARGET, "ms"),
        (f"filtered totals: totals ({where})", statistics.median(per_run(fil, "totals")), MS_TARGET, "ms"),
    ]
    for kind, label in (("unfiltered", "new session, unfiltered"), ("filtered", "new session, filtered"),
                        ("rerun", "rerun, filtered")):
        table.append((f"Accounts page script run, {label}", statistics.median([r["s"] for r in page[kind]]),
                      PAGE_TARGET_S, "s"))
    table.append(("Peak RSS of the page-run process (ru_maxrss)", page["maxrss_mb"], RSS_TARGET_MB, "MB"))
    other: list[tuple[str, float, float, str]] = []
    for key in ("list_f", "scan", "totals_f"):
        for mode, label in (("own", "own open"), ("cold", "session, first call"), ("warm", "session, warm")):
            other.append((f"{calls[key]['label']} ({label})", calls[key][mode][0], MS_TARGET, "ms"))
    w = max(len(t[0]) for t in table + other)

    def show(rows: list[tuple[str, float, float, str]]) -> list[str]:
        print(f"{'figure':{w}}  {'measured':>11}  {'target':>9}  {'ratio':>6}  result")
        print("-" * (w + 45))
        missed = []
        for name, value, target, unit in rows:
            ok = value < target
            fmt = "{:.3f}" if unit == "s" else "{:.1f}"
            print(f"{name:{w}}  {fmt.format(value) + ' ' + unit:>11}  {'< ' + format(target, 'g') + ' ' + unit:>9}  "
                  f"{value / target:6.2f}  {'OK' if ok else 'MISS'}")
            if not ok:
                missed.append(name)
        return missed

    print(f"\nTargets, on the path the page uses ({path_name.split(' (')[0]}):")
    missed = show(table)
    print(f"{len(table) - len(missed)}/{len(table)} figures within target" + (f"; missed: {missed}" if missed else ""))
    print("\nFor information, the same calls on the bench's own paths (not what the page pays):")
    show(other)

    if args.profile or missed:
        print("\nPer-statement timings (file held open, warm; median ms):")
        for label, ms in sql_profile(store, prefs, args.runs):
            print(f"  {ms:8.1f}  {label}")
        print(f"  {oc:8.1f}  open + close the file (paid by every call outside a session)")
    if args.profile and page.get("profile"):
        print("\ncProfile of one new-session page run, main thread (the script itself runs in "
              "AppTest's script thread; see the per-call times above):")
        print(page["profile"])
    if tmp is not None:
        tmp.cleanup()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
