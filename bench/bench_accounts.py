"""Accounts benchmark: generated stores of 10,000 (and 100,000) accounts, every page and the
Accounts page's data calls, each figure printed against its target.

Run it with ``make bench`` (10,000 accounts) or ``make bench-100k`` (the pages at 100,000), or:

    .venv/bin/python bench/bench_accounts.py [--accounts 10000[,100000]] [--runs 15] [--page-runs 3]
                                             [--keep PATH] [--calls-only | --pages-only]
                                             [--profile] [--profile-page NAME]

What it does, for each size:
1. Builds a DuckDB store with ``bench/_gen.py`` (bulk SQL into the real schema: accounts, 200
   tags, 5% duplicates, pins, manual order, today's stats...), then the history a month of use
   leaves: 30 days of the check-in log (in day order, as the daily runs append it), 30 days of
   balance snapshots and 10 usage rows per account over 90 days (``_gen.fill_history``). Every
   sort criterion is enabled in the stored preferences. ``--keep`` keeps (and reuses) the store.
2. Times each data call of the Accounts page (median and p90 of ``--runs`` samples after 2
   warm-ups) three ways: *own open* (the call opens and closes the file, as the CLI does),
   *session, cold* (the first call of a fresh ``store.session()``), *session, warm*.
3. Times every page the way a user reaches it, through ``app.py``'s navigation (AppTest:
   ``AppTest.from_file("app.py")``, ``switch_page``, ``run``; ``ALLHUB_DB`` = the store,
   ``ALLHUB_NO_BACKGROUND`` set: the made-up sites are never called): Overview, Accounts,
   Check-in, Duplicate cleanup, Balance history, Usage, Models, Keys, Announcements (the store has
   two keys and ten priced models a refreshed account and three announcements a site: ``_gen.fill_rooms``).
   Each page runs in its own fresh child
   process: one warm-up (the page's imports, once per process as on a server), then
   ``--page-runs`` new sessions, each timed on its *first visit* (a new tab opening the page,
   app.py's frame included) and its *second visit* (the same session going there again: what
   every click costs). A first visit includes AppTest's scan of the installed packages for
   components, which a server does once at start (printed apart as "of which scan"). The
   child's peak RSS (``VmHWM``: Streamlit, pandas, plotly and
   DuckDB included) after all its sessions is the page's memory; the peak after the first
   session is printed beside it. Between sessions the child runs the cyclic garbage collector:
   a finished AppTest session, and a run's page namespace (the functions defined in a page point
   back at it), are reference cycles that only it frees.
4. Prints ``figure | measured | target | ratio | OK/MISS`` and exits 1 on a miss.

Targets (issue 18): each page's first and second visit < 1 s (median) and its process < 500 MB,
at 10,000 and at 100,000 accounts; at 10,000 accounts also the data calls of issue 13 (a
filtered, fully sorted page of accounts, the duplicate scan, the filtered totals < 50 ms in a
session). The machine is shared: a high load average (printed with each page) inflates every
figure.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MS_TARGET = 50.0
CALL_TARGET_ACCOUNTS = 10_000
PAGE_TARGET_S = 1.0
RSS_TARGET_MB = 500.0
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
        checkin_page,
        count_accounts,
        facet_counts,
        get_preferences,
        list_accounts,
        list_tags,
        scan_duplicates,
        totals,
    )
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
        ("checkin_page", "checkin_page (Check-in counts, 200 rows)", lambda: checkin_page(store, limit=200)),
        ("overview", "overview (the Overview's figures, 100 attention rows)",
         lambda: overview(store, attention_limit=100)),
    ]


# ---- page runs (child process) -----------------------------------------------------------------
#: the pages of the issue, reached through app.py's navigation: (name, file, title)
PAGES = [("Overview", "pages/overview.py", "Overview"), ("Accounts", "pages/accounts.py", "Accounts"),
         ("Check-in", "pages/checkin.py", "Check-in"), ("Duplicate cleanup", "pages/duplicates.py", "Duplicate cleanup"),
         ("Balance history", "pages/balance_history.py", "Balance history"), ("Usage", "pages/usage.py", "Usage"),
         ("Models", "pages/models.py", "Models"), ("Keys", "pages/keys.py", "Keys"),
         ("Announcements", "pages/announcements.py", "Announcements")]


def peak_rss_mb() -> float:
    """This process's peak RSS: ``VmHWM`` (Linux; reset by exec, unlike ``ru_maxrss``, which a
    child started with fork and exec inherits from the bench that generated the store), else
    ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def page_child(db: str, runs: int, profile: str | None, only: str | None = None) -> None:
    """Runs in a fresh interpreter: each page (or the page ``only``) through app.py's navigation,
    report JSON.

    Per page: one untimed-for-the-table process warm-up (the page's modules import, Streamlit
    compiles the script), then ``runs`` new sessions, each timed twice: the *first visit*
    (``AppTest.from_file("app.py")``, ``switch_page``, ``run``: a user opening the page's address
    in a new tab, app.py's frame included) and the *second visit* (the same session goes to the
    page again: what every click on it costs). ``ru_maxrss`` after each page is the process's
    high-water mark so far (Streamlit, pandas, plotly and DuckDB included)."""

    os.environ["ALLHUB_DB"] = db
    os.environ["ALLHUB_NO_BACKGROUND"] = "1"  # no scheduler, no refresh on open: the sites are made up
    os.chdir(ROOT)
    t_import = time.perf_counter()
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415 - timed: the page child measures Streamlit's import
    import_s = time.perf_counter() - t_import
    # as the server (serve.py) runs them: through app.py's navigation, never Streamlit's legacy
    # "pages/ folder" mode, which AppTest would otherwise choose again before every run
    sys.path.insert(0, str(ROOT))
    from pages._ui import navigation_only  # noqa: PLC0415 - the dashboard's own module, in the child only
    navigation_only()

    harness: list[float] = []
    # AppTest scans the installed packages for components once per AppTest (a server: once at
    # start): timed apart, so the first visits can be read without it
    from streamlit.components.v2.component_manager import BidiComponentManager  # noqa: PLC0415 - Streamlit internals, in the child only
    scans: list[float] = []
    scan = BidiComponentManager.discover_and_register_components

    def timed_scan(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return scan(*a, **k)
        finally:
            scans.append(time.perf_counter() - t0)
    BidiComponentManager.discover_and_register_components = timed_scan  # type: ignore[method-assign]

    forgets: list[Any] = []
    if os.environ.get("BENCH_COMPUTED"):  # --computed: every visit as right after a write
        import importlib  # noqa: PLC0415 - only with --computed
        for name in ("allhub_core.history.memo", "allhub_core.prices.memo"):
            with contextlib.suppress(ImportError):  # a tree from before the memos computes anyway
                forgets.append(importlib.import_module(name).forget)

    def visit(at: Any, path: str, title: str) -> float:
        at.switch_page(path)
        for forget in forgets:
            forget()
        scans.clear()
        t0 = time.perf_counter()
        at.run()
        dt = time.perf_counter() - t0
        harness.append(sum(scans))
        if at.exception:
            raise SystemExit(f"{path} raised: {at.exception[0].value}")
        if [t.value for t in at.title][:1] != [title]:
            raise SystemExit(f"{path}: unexpected page {[t.value for t in at.title]}")
        return dt

    def new_session() -> Any:
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)

    out: dict[str, Any] = {"import_s": import_s, "pages": {}}
    for name, path, title in PAGES:
        if only and name != only:
            continue
        first_session = new_session()
        warm_up = visit(first_session, path, title)
        visit(first_session, path, title)
        one_session_mb = peak_rss_mb()
        # An AppTest session, and each run's page namespace (its functions point back at it), are
        # reference cycles: freed by the cyclic collector, which a server runs now and then; here
        # sessions follow each other in a tight loop, so collect between them as the server would
        del first_session
        gc.collect()
        firsts, seconds, scan_s = [], [], []
        for _ in range(runs):
            at = new_session()
            firsts.append(visit(at, path, title))
            scan_s.append(harness[-1])
            seconds.append(visit(at, path, title))
            del at
            gc.collect()
        out["pages"][name] = {"process_first": warm_up, "first": firsts, "second": seconds,
                              "one_session_mb": one_session_mb, "scan": scan_s,
                              "rss_mb": peak_rss_mb()}
    if profile:
        path, title = next((p, t) for n, p, t in PAGES if n == profile)
        at = new_session()
        visit(at, path, title)
        # the page runs in the script runner's own thread: profile that thread's run, not the
        # test thread (which only waits for it)
        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner  # noqa: PLC0415 - Streamlit internals, in the child only
        pr = cProfile.Profile()
        run_script = ScriptRunner._run_script

        def profiled(self: Any, rerun_data: Any) -> Any:
            pr.enable()
            try:
                return run_script(self, rerun_data)
            finally:
                pr.disable()
        ScriptRunner._run_script = profiled  # type: ignore[method-assign]
        visit(at, path, title)
        ScriptRunner._run_script = run_script  # type: ignore[method-assign]
        buf = io.StringIO()
        stats = pstats.Stats(pr, stream=buf).sort_stats("cumulative")
        stats.print_stats(70)
        if os.environ.get("BENCH_CALLERS"):  # who calls these (a regular expression)
            stats.print_callers(os.environ["BENCH_CALLERS"])
        out["profile"] = buf.getvalue()
    print("@@RESULT@@" + json.dumps(out))


def run_page_child(db: str, runs: int, profile: str | None, only: str) -> dict[str, Any]:
    env = {**os.environ, "ALLHUB_DB": db, "ALLHUB_NO_BACKGROUND": "1"}
    cmd = [sys.executable, __file__, "--page-child", db, "--page-runs", str(runs), "--only-page", only] + (
        ["--profile-page", profile] if profile == only else [])
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@"):])
    raise SystemExit(f"page child failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


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
    """Give the check-in log what 30 days of daily runs leave (unless it has rows already): for
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
            WHERE coalesce(a.checkin_supported, true) AND hash(a.id) % 10 < 7
            ORDER BY d.n DESC, a.id""")  # appended in time order, as the daily runs write it
        return int(con.execute("SELECT count(*) FROM checkin_log").fetchone()[0])


def open_cost(path: str, runs: int) -> float:
    """Median ms of opening and closing the file once (``duckdb.connect`` + ``close``)."""
    import duckdb  # noqa: PLC0415 - the page child runs this file too and times Streamlit's import before anything heavy

    return statistics.median(sample(lambda: duckdb.connect(path).close(), runs))


# ---- main --------------------------------------------------------------------------------------
Row = tuple[str, float, float, str]


def show(rows: list[Row], width: int) -> list[str]:
    """Print ``figure | measured | target | ratio | result``; the names of the misses."""
    print(f"{'figure':{width}}  {'measured':>11}  {'target':>9}  {'ratio':>6}  result")
    print("-" * (width + 45))
    missed = []
    for name, value, target, unit in rows:
        ok = value < target
        fmt = "{:.3f}" if unit == "s" else "{:.1f}"
        print(f"{name:{width}}  {fmt.format(value) + ' ' + unit:>11}  {'< ' + format(target, 'g') + ' ' + unit:>9}  "
              f"{value / target:6.2f}  {'OK' if ok else 'MISS'}")
        if not ok:
            missed.append(name)
    return missed


def bench_size(n: int, args: argparse.Namespace) -> tuple[list[Row], list[Row]]:
    """Build (or reuse) a store of ``n`` accounts; time the data calls and the pages.
    Returns (page rows with targets, data-call rows with targets)."""
    from _gen import fill_history, fill_rooms, generate  # noqa: PLC0415 - the page child runs this file too and times Streamlit's import before anything heavy

    from allhub_core.accounts import count_accounts, scan_duplicates  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed
    from allhub_core.store import Store  # noqa: PLC0415 - the page child runs this file too: allhub_core loads only after Streamlit's import is timed

    tmp = None
    if args.keep:
        keep = Path(args.keep).resolve()
        db = str(keep if len(args.sizes) == 1 else keep.with_name(f"{keep.stem}-{n}{keep.suffix}"))
    else:
        tmp = tempfile.TemporaryDirectory(prefix="allhub-bench-")
        db = str(Path(tmp.name) / "bench.duckdb")
    print(f"\n==== {n:,} accounts · {db} · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    t0 = time.perf_counter()
    if Path(db).exists():
        store = Store(db)
        print(f"reusing {db}: {count_accounts(store, None)} accounts")
    else:
        info = generate(db, n_accounts=n, n_tags=args.tags)
        print(f"generated in {time.perf_counter() - t0:.1f} s: {info}")
        store = Store(db)
    t1 = time.perf_counter()
    print(f"check-in log: {fill_checkin_log(store)} rows; history: {fill_history(store, days=args.history_days)} "
          f"({time.perf_counter() - t1:.1f} s; whole store {time.perf_counter() - t0:.1f} s)")
    print(f"keys, models and announcements: {fill_rooms(store)}")
    prefs = all_criteria_prefs(store)
    f = bench_filter()
    print(f"filter: tags={FILTER_TAGS} status={FILTER_STATUS} search={FILTER_SEARCH!r} -> "
          f"{count_accounts(store, f)} of {n} accounts match; duplicate scan -> "
          f"{scan_duplicates(store).summary()}")
    print(f"sort: all {len(prefs['sorting_priority'])} criteria enabled, sort field "
          f"{prefs['sort_field']} {prefs['sort_order']}")

    # -- data calls, three ways ------------------------------------------------------------------
    call_rows: list[Row] = []
    if not args.pages_only:
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
        print(f"{'open + close the file (duckdb.connect, no query)':52} {open_cost(db, args.runs):7.1f}")
        if n <= CALL_TARGET_ACCOUNTS:  # the 50 ms targets of the Accounts page's calls hold at 10,000
            call_rows = [(f"{n:,}: {calls[k]['label']} (in a session)", calls[k]["warm"][0], MS_TARGET, "ms")
                         for k in ("list_f", "scan", "totals_f")]
        if args.profile:
            print("\nPer-statement timings (file held open, warm; median ms):")
            for label, ms in sql_profile(store, prefs, args.runs):
                print(f"  {ms:8.1f}  {label}")

    page_rows: list[Row] = []
    if not args.calls_only:
        print(f"\nPages through app.py's navigation (AppTest; each page in a fresh child process: 1 warm-up, "
              f"then {args.page_runs} new sessions: first visit, second visit; RSS: the child's peak) ...")
        print(f"{'page':20} {'process 1st':>11} {'first visit med/max':>20} {'of which scan':>13} "
              f"{'second visit med/max':>21} {'RSS 1 session':>13} {'peak RSS':>9}  load")
        for name, _, _ in PAGES:
            res = run_page_child(db, args.page_runs, args.profile_page, name)
            r = res["pages"][name]
            fm, sm = statistics.median(r["first"]), statistics.median(r["second"])
            print(f"{name:20} {r['process_first']:10.3f}s {fm:9.3f} / {max(r['first']):6.3f} s "
                  f"{statistics.median(r['scan']):11.3f} s {sm:10.3f} / {max(r['second']):6.3f} s {r['one_session_mb']:10.0f} MB {r['rss_mb']:6.0f} MB  "
                  f"{os.getloadavg()[0]:.2f}")
            page_rows.append((f"{n:,}: {name}, first visit (new session)", fm, PAGE_TARGET_S, "s"))
            page_rows.append((f"{n:,}: {name}, second visit", sm, PAGE_TARGET_S, "s"))
            page_rows.append((f"{n:,}: {name}, peak RSS of its process ({args.page_runs + 1} sessions)", r["rss_mb"],
                              RSS_TARGET_MB, "MB"))
            if res.get("profile"):
                print(f"\ncProfile of a second visit of {args.profile_page}:")
                print(res["profile"])
    if tmp is not None:
        tmp.cleanup()
    return page_rows, call_rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", default="10000", help="comma-separated store sizes, e.g. 10000,100000")
    ap.add_argument("--tags", type=int, default=200)
    ap.add_argument("--history-days", type=int, default=30, help="days of balance snapshots per account")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--page-runs", type=int, default=3)
    ap.add_argument("--keep", help="build the store at this path and keep it (an existing one is reused); "
                                   "with several sizes the size goes into the name")
    ap.add_argument("--profile", action="store_true", help="also print per-statement SQL timings")
    ap.add_argument("--profile-page", metavar="NAME", choices=[p[0] for p in PAGES],
                    help="also print a cProfile of one second visit of this page")
    ap.add_argument("--calls-only", action="store_true", help="time the data calls only, not the pages")
    ap.add_argument("--pages-only", action="store_true", help="time the pages only, not the data calls")
    ap.add_argument("--computed", action="store_true",
                    help="forget the results the process keeps (history.memo, prices.memo) before every visit: "
                         "each page as right after a write (a refresh), not as a rerun with nothing written")
    ap.add_argument("--page-child", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--only-page", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.computed:
        os.environ["BENCH_COMPUTED"] = "1"  # read by the page children
    if args.page_child:
        page_child(args.page_child, args.page_runs, args.profile_page, args.only_page)
        return 0
    args.sizes = [int(x) for x in str(args.accounts).split(",") if x.strip()]

    import duckdb  # noqa: PLC0415 - the page child runs this file too and times Streamlit's import before anything heavy
    import streamlit  # noqa: PLC0415 - the page child runs this file too and times Streamlit's import before anything heavy

    print(f"allhub accounts bench · DuckDB {duckdb.__version__} · Streamlit {streamlit.__version__} · "
          f"Python {sys.version.split()[0]} · {os.cpu_count()} CPU(s) · load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    pages: list[Row] = []
    calls: list[Row] = []
    for n in args.sizes:
        p, c = bench_size(n, args)
        pages += p
        calls += c
    rows = pages + calls
    if not rows:
        return 0
    print(f"\nTargets (load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}; a busy machine "
          "inflates every figure):")
    missed = show(rows, max(len(r[0]) for r in rows))
    print(f"{len(rows) - len(missed)}/{len(rows)} figures within target" + (f"; missed: {missed}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
