"""Refresh benchmark: 1,000 accounts on 50 sandbox sites, each figure printed against its target.

Run it directly (about 2-3 minutes; the machine has 2 cores, keep it otherwise idle):

    .venv/bin/python bench/bench_refresh.py [--sites 50] [--users 20] [--latency-ms 100]
        [--global-concurrency N] [--seq-sample 20] [--bucket-sites 2] [--bucket-users 6]
        [--skip-bucket] [--profile [--profile-out PATH]] [--no-shared-window]

What it measures (targets: refresh-all within 1.5x of its no-window bound (issue 17, since the
sites' requests go through ``httpx.AsyncClient`` again; real sites cap a client at a window, so
the windowed figure is the one users wait for), >= 10x faster than one account after another,
peak memory < 300 MB, default bucket within 1.1x of what it allows):

1. Starts the sandbox (``start_sandbox(sites, users_per_site, latency_ms)``) in a CHILD process
   (this file re-run with ``--serve-sandbox``); the child prints ``demo_accounts`` as JSON. The
   server's CPU therefore never counts against the client being measured, and this process's
   ``ru_maxrss`` is the client's alone. The bench checks the answer time on one kept-alive
   connection before measuring (the sandbox binds with IPPROTO_TCP, so Nagle is off).
2. Adds every account to a real DuckDB store in a temp dir with ``accounts.add_account``.
3. **Concurrent**: times ``sync.refresh(store, force=True, politeness=P)`` with
   ``P = Politeness(per_site_concurrency=2, window_requests=10_000, window_s=60, critical_requests=0,
   log_spacing_ms=0, shared_window_dir=<store>.requests)``: a window that never binds, but every
   request start is admitted through the shared window's file (issue 18: one budget per site,
   shared by every process on the store), so its cost is in the figure; ``--no-shared-window``
   measures the old in-memory path (``per_site_rpm=0``: no window at all) - the full user
   path: credentials read and decrypted from the store, one batch over the network, results
   written back in one transaction. ``log_spacing_ms=0`` on purpose: this run measures
   concurrency, and the 200 ms log spacing is a politeness bound of its own (it is exercised
   by the bucket run, step 5). ``global_concurrency`` is left at the Politeness default unless
   ``--global-concurrency`` is given.
   Ideal bound per site = ceil(accounts_on_site / 2) x requests_per_account x latency, where
   requests_per_account is the median ``RefreshResult.requests_made`` of the site's accounts
   (the one shared ``/api/status`` per site is counted by whichever account fetched it, so the
   median ignores it); overall bound = max over sites. Also printed: the "slot bound"
   ceil(all requests to the site / 2) x latency, status call included.
4. **Sequential**: one ``sync.refresh(store, ids=[id], force=True, politeness=P)`` call per
   account for a sample (one account from each of ``--seq-sample`` different sites, so every
   dialect is covered), extrapolated to all accounts with each dialect's share; ratio =
   sequential estimate / concurrent time.
5. **Bucket**: a second sandbox child (``--bucket-sites`` x ``--bucket-users``, same latency) and
   ``refresh`` with the DEFAULT ``Politeness()`` (50 per 180 s, 2 in flight, 200 ms log
   spacing; the window in the shared folder unless ``--no-shared-window``). Allowed time = max over origins of the window, slot and log-spacing bounds (see
   ``run_bucket``), N = the requests sent to that origin.
6. Prints ``figure | measured | bound/target | ratio | OK/MISS`` and exits 1 on a miss, plus
   diagnostics: client CPU seconds vs wall (a CPU-bound client cannot reach the bound), the
   sandbox process's CPU seconds, peak requests in flight per origin and overall (from the
   limiter), TCP connections the httpx pool opened, httpcore's async-library lookups (a failed
   ``import sniffio`` each when sniffio is missing), the store phases (read, network, write) and
   the server-side request timeline. All instrumentation is bench-local wrapping; the package is
   not modified. ``--profile`` adds a cProfile of the
   concurrent run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import importlib.util
import json
import math
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import print_load
from httpcore import _synchronization
from httpcore._async import connection_pool

import allhub_core.sync.refreshes as refreshes
from allhub_core import sync
from allhub_core.accounts import AccountInput, add_account
from allhub_core.net import _limiter
from allhub_core.sites import Politeness
from allhub_core.store import Store

CONC_FACTOR = 1.5      # refresh-all within 1.5x of the ideal (no-window) bound
SEQ_FACTOR = 10.0      # at least 10x faster than one after another
RSS_TARGET_MB = 300.0
BUCKET_FACTOR = 1.1    # within 1.1x of what the default bucket allows


# ---- the sandbox child ---------------------------------------------------------------------------
def serve_sandbox(args: argparse.Namespace) -> int:
    """Child mode: run the sandbox, print its accounts as one JSON line, serve until stdin closes."""
    # Only the child loads the server (uvicorn, starlette): the parent's ru_maxrss is the client's.
    from allhub_core.sandbox import demo_accounts, start_sandbox  # noqa: PLC0415 - see above

    sb = start_sandbox(sites=args.sites, users_per_site=args.users, latency_ms=args.latency_ms)
    try:
        print(json.dumps({"accounts": demo_accounts(sb), "sites": [s.url for s in sb.sites]}), flush=True)
        sys.stdin.read()  # the parent closes our stdin when it is done
    finally:
        sb.stop()
    return 0


class SandboxProcess:
    """``with SandboxProcess(sites, users, latency) as sp: sp.accounts, sp.cpu_seconds()``."""

    def __init__(self, sites: int, users: int, latency_ms: int) -> None:
        self.argv = [sys.executable, str(Path(__file__).resolve()), "--serve-sandbox", "--sites", str(sites),
                     "--users", str(users), "--latency-ms", str(latency_ms)]

    def __enter__(self) -> SandboxProcess:
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=str(ROOT))
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(10)
            raise RuntimeError(f"sandbox child exited with {self.proc.returncode} before printing its accounts")
        data = json.loads(line)
        self.accounts: list[dict[str, Any]] = data["accounts"]
        self.site_urls: list[str] = data["sites"]
        return self

    def cpu_seconds(self) -> float:
        """user + system CPU time of the sandbox process so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def answer_time_ms(self, n: int = 6) -> float:
        """Median time of ``n`` sequential GETs on ONE kept-alive connection (request log cleared
        afterwards): should be the configured latency plus ~1 ms."""
        url = self.site_urls[0]
        times = []
        with httpx.Client(timeout=30) as c:
            for _ in range(n + 1):
                t0 = time.perf_counter()
                c.get(url + "/api/status")
                times.append((time.perf_counter() - t0) * 1000)
            c.delete(url + "/__sandbox/requests")
        return statistics.median(times[1:])

    def request_log(self) -> dict[str, list[dict[str, Any]]]:
        """Recorded requests of every site (``/__sandbox/requests``), by site URL."""
        out = {}
        with httpx.Client(timeout=30) as c:
            for url in self.site_urls:
                out[url] = c.get(url + "/__sandbox/requests").json()
        return out

    def __exit__(self, *exc: object) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own child, by its handle
            self.proc.wait(5)


# ---- store -----------------------------------------------------------------------------------------
def build_store(tmp: Path, accounts: list[dict[str, Any]], name: str):
    """A real store with every sandbox account added through ``add_account``; (store, id -> row)."""
    store = Store(tmp / f"{name}.duckdb")
    rows: dict[int, dict[str, Any]] = {}
    with store.session():
        for row in accounts:
            aid = add_account(store, AccountInput(
                site_url=row["site_url"], site_name=f"{row['site_name']} · {row['username']}",
                site_type=row["site_type"], user_id=row["user_id"], username=row["username"],
                auth_type=row["auth_type"], access_token=row.get("access_token") or "",
                cookie=row.get("cookie") or "", refresh_token=row.get("refresh_token") or ""))
            rows[aid] = row
    return store, rows


# ---- instrumentation (bench-local wrappers; the package is not modified) ----------------------------
class Probe:
    """Wraps the limiter and the service phases to see what happened inside one refresh."""

    def __init__(self) -> None:
        self.services, self.limiter_mod = refreshes, _limiter
        self.limiters: list[Any] = []
        self.phases: dict[str, float] = defaultdict(float)
        self.peak_total = 0
        self.connections_opened = 0
        self.sniffio_lookups = 0
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> Probe:
        probe, lim_cls = self, self.limiter_mod.Limiter
        orig_init, orig_slot = lim_cls.__init__, lim_cls.slot

        def init(lim, *a, **kw):
            orig_init(lim, *a, **kw)
            probe.limiters.append(lim)

        @asynccontextmanager
        async def slot(lim, origin, path):
            async with orig_slot(lim, origin, path) as started:
                probe.peak_total = max(probe.peak_total, sum(lim.in_flight.values()))
                yield started

        self._patch(lim_cls, "__init__", init)
        self._patch(lim_cls, "slot", slot)
        # TCP connections the httpx pool opens, and httpcore's per-lock async-library lookup
        orig_create = connection_pool.AsyncConnectionPool.create_connection
        orig_lib = _synchronization.current_async_library

        def create_connection(pool, origin):
            probe.connections_opened += 1
            return orig_create(pool, origin)

        def current_async_library():
            probe.sniffio_lookups += 1
            return orig_lib()

        self._patch(connection_pool.AsyncConnectionPool, "create_connection", create_connection)
        self._patch(_synchronization, "current_async_library", current_async_library)
        for fn in ("account_names", "refresh_accounts", "write_refresh_results"):
            self._patch(self.services, fn, self._timed(fn, getattr(self.services, fn)))
        return self

    def _timed(self, name: str, fn):
        if asyncio.iscoroutinefunction(fn):
            async def wrapper(*a, **kw):
                t0 = time.perf_counter()
                try:
                    return await fn(*a, **kw)
                finally:
                    self.phases[name] += time.perf_counter() - t0
        else:
            def wrapper(*a, **kw):
                t0 = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    self.phases[name] += time.perf_counter() - t0
        return wrapper

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        self._saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def __exit__(self, *exc: object) -> None:
        for owner, name, value in reversed(self._saved):
            setattr(owner, name, value)

    def max_in_flight(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for lim in self.limiters:
            for origin, n in lim.max_in_flight.items():
                out[origin] = max(out.get(origin, 0), n)
        return out


def sniffio_lookup_cost_us() -> float | None:
    """Microseconds per ``httpcore._synchronization.current_async_library()`` call when ``sniffio``
    is not installed (each call is then a failed ``import sniffio``: a search of sys.path);
    None when sniffio is importable (the call is then a dict lookup)."""
    if importlib.util.find_spec("sniffio") is not None:
        return None
    n = 2000
    t0 = time.process_time()
    for _ in range(n):
        _synchronization.current_async_library()
    return (time.process_time() - t0) / n * 1e6


def cpu_now() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# ---- the three runs ----------------------------------------------------------------------------------
def run_concurrent(store, rows, politeness, latency_s: float, profile: bool) -> dict[str, Any]:
    cpu0, t_cpu = cpu_now(), None
    prof = None
    if profile:
        prof = cProfile.Profile()
    with Probe() as probe:
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        outcome = sync.refresh(store, force=True, politeness=politeness, sync_usage_when_due=False)
        if prof:
            prof.disable()
        wall = time.perf_counter() - t0
    t_cpu = cpu_now() - cpu0
    results = outcome.results
    by_site: dict[str, list[Any]] = defaultdict(list)
    for r in results:
        by_site[rows[int(r.account_id)]["site_url"]].append(r)
    sites = []
    for url, rs in by_site.items():
        reqs = [r.requests_made for r in rs]
        per_account = statistics.median(reqs)
        ideal = math.ceil(len(rs) / 2) * per_account * latency_s
        slot = math.ceil(sum(reqs) / max(1, politeness.per_site_concurrency)) * latency_s
        sites.append({"url": url, "dialect": rows[int(rs[0].account_id)]["dialect"], "accounts": len(rs),
                      "req_per_account": per_account, "requests": sum(reqs), "ideal": ideal, "slot": slot,
                      "failed": sum(not r.ok for r in rs)})
    return {"wall": wall, "cpu": t_cpu, "results": results, "sites": sites,
            "bound": max(s["ideal"] for s in sites), "slot_bound": max(s["slot"] for s in sites),
            "requests": sum(s["requests"] for s in sites), "failed": sum(not r.ok for r in results),
            "phases": dict(probe.phases), "max_in_flight": probe.max_in_flight(),
            "peak_total": probe.peak_total, "profile": prof, "connections": probe.connections_opened,
            "sniffio_lookups": probe.sniffio_lookups}


def seq_sample_ids(rows: dict[int, dict[str, Any]], n: int) -> list[int]:
    """One account from each of the first ``n`` sites (sites cycle through the dialects)."""
    first: dict[str, int] = {}
    for aid in sorted(rows):
        first.setdefault(rows[aid]["site_url"], aid)
    return list(first.values())[:n]


def run_sequential(store, rows, politeness, n: int) -> dict[str, Any]:
    per_dialect: dict[str, list[float]] = defaultdict(list)
    requests = 0
    t_all = time.perf_counter()
    for aid in seq_sample_ids(rows, n):
        t0 = time.perf_counter()
        out = sync.refresh(store, ids=[aid], force=True, politeness=politeness)
        per_dialect[rows[aid]["dialect"]].append(time.perf_counter() - t0)
        requests += sum(r.requests_made for r in out.results)
    sampled = time.perf_counter() - t_all
    share = Counter(r["dialect"] for r in rows.values())
    overall = statistics.mean(t for ts in per_dialect.values() for t in ts)
    estimate = sum(count * statistics.mean(per_dialect.get(d) or [overall]) for d, count in share.items())
    return {"sampled": sampled, "n": sum(len(v) for v in per_dialect.values()), "requests": requests,
            "per_account": overall, "estimate": estimate,
            "uncovered": sorted(d for d in share if d not in per_dialect)}


def run_bucket(tmp: Path, sites: int, users: int, latency_ms: int, shared: bool = True) -> dict[str, Any]:
    p = Politeness(shared_window_dir=str(tmp / "bucket.duckdb.requests") if shared else None)
    with SandboxProcess(sites, users, latency_ms) as sp:
        store, rows = build_store(tmp, sp.accounts, "bucket")
        with Probe() as probe:
            t0 = time.perf_counter()
            outcome = sync.refresh(store, force=True, politeness=p, sync_usage_when_due=False)
            wall = time.perf_counter() - t0
        log = sp.request_log()
    per_origin: Counter[str] = Counter()
    for r in outcome.results:
        per_origin[rows[int(r.account_id)]["site_url"]] += r.requests_made
    # What the default politeness allows per origin (N requests, L of them log pages): the N-th
    # start no earlier than floor((N-1)/window) windows, nor before N/2 answers of two slots, nor
    # before L-1 log spacings; the last answer one latency later.
    lat = latency_ms / 1000.0
    spans, allowed = {}, {}
    for url, items in log.items():
        ts = sorted(i["time"] for i in items)
        spans[url] = (len(ts), ts[-1] - ts[0] if ts else 0.0)
        n = len(ts)
        logs = sum(1 for i in items if str(i.get("path", "")).startswith("/api/log"))
        allowed[url] = max((n - 1) // p.window_requests * p.window_s if p.window_requests else 0.0,
                           math.ceil(n / p.per_site_concurrency) * lat,
                           max(0, logs - 1) * p.log_spacing_ms / 1000.0 + lat) + lat
    return {"wall": wall, "allowed": max(allowed.values()), "per_origin": dict(per_origin),
            "failed": sum(not r.ok for r in outcome.results), "phases": dict(probe.phases),
            "max_in_flight": probe.max_in_flight(), "server": spans, "politeness": p}


# ---- server-side timeline ------------------------------------------------------------------------------
def server_timeline(log: dict[str, list[dict[str, Any]]], latency_s: float) -> dict[str, Any]:
    """From the sandbox's request log: per-site arrival span and the overall request rate."""
    all_ts = sorted(i["time"] for items in log.values() for i in items)
    spans = []
    for url, items in log.items():
        ts = sorted(i["time"] for i in items)
        if ts:
            spans.append((ts[-1] - ts[0] + latency_s, url, len(ts)))
    spans.sort(reverse=True)
    # requests arriving per 0.5 s window: shows ramp-up, plateau and tail
    buckets: Counter[int] = Counter()
    if all_ts:
        for t in all_ts:
            buckets[int((t - all_ts[0]) / 0.5)] += 1
    return {"first_to_last": (all_ts[-1] - all_ts[0]) if all_ts else 0.0, "requests": len(all_ts),
            "slowest_sites": spans[:3], "rate_per_s": [buckets[i] * 2 for i in range(max(buckets) + 1)] if buckets else []}


# ---- report -------------------------------------------------------------------------------------------
def table(rows: list[tuple[str, str, str, str, str]]) -> str:
    head = ("figure", "measured", "bound/target", "ratio", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))  # noqa: E731
    return "\n".join([line(head), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=50)
    ap.add_argument("--users", type=int, default=20, help="users per site")
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--global-concurrency", type=int, default=None,
                    help="Politeness.global_concurrency for the concurrent run (default: the Politeness default)")
    ap.add_argument("--seq-sample", type=int, default=20, help="accounts refreshed one after another")
    ap.add_argument("--bucket-sites", type=int, default=2)
    ap.add_argument("--bucket-users", type=int, default=6)
    ap.add_argument("--skip-bucket", action="store_true")
    ap.add_argument("--profile", action="store_true", help="cProfile the concurrent run")
    ap.add_argument("--profile-out", metavar="PATH", help="with --profile: also save the stats there (pstats)")
    ap.add_argument("--no-shared-window", action="store_true",
                    help="no window in the concurrent run and the bucket's in memory (the path before issue 18)")
    ap.add_argument("--serve-sandbox", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_sandbox:
        return serve_sandbox(args)

    latency_s = args.latency_ms / 1000.0
    extra = {} if args.global_concurrency is None else {"global_concurrency": args.global_concurrency}
    shared = not args.no_shared_window
    if shared:
        conc_p = Politeness(per_site_concurrency=2, window_requests=10_000, window_s=60.0, critical_requests=0,
                            log_spacing_ms=0, **extra)
    else:
        conc_p = Politeness(per_site_concurrency=2, per_site_rpm=0, log_spacing_ms=0, **extra)
    print_load(" (a busy machine inflates every figure)")
    window = ("10000 per 60 s in the shared folder (never binds; every start goes through its file)" if shared
              else "none, per_site_rpm=0 (the in-memory path)")
    print(f"concurrent politeness: per_site_concurrency={conc_p.per_site_concurrency} window: {window} "
          f"log_spacing_ms=0 (not part of this bound) global_concurrency={conc_p.global_concurrency}")
    t_start = time.perf_counter()
    table_rows: list[tuple[str, str, str, str, str]] = []
    misses = 0

    def add(figure: str, measured: str, bound: str, ratio: float, ok: bool) -> None:
        nonlocal misses
        misses += not ok
        table_rows.append((figure, measured, bound, f"{ratio:.2f}x", "OK" if ok else "MISS"))

    with tempfile.TemporaryDirectory(prefix="allhub-bench-refresh-") as tmpdir:
        tmp = Path(tmpdir)
        if shared:
            conc_p = dataclasses.replace(conc_p, shared_window_dir=str(tmp / "accounts.duckdb.requests"))
        with SandboxProcess(args.sites, args.users, args.latency_ms) as sp:
            answer_ms = sp.answer_time_ms()
            print(f"sandbox answer time on a kept-alive connection: {answer_ms:.1f} ms (latency {args.latency_ms} ms)")
            t0 = time.perf_counter()
            store, rows = build_store(tmp, sp.accounts, "accounts")
            print(f"sandbox: {len(sp.site_urls)} sites, {len(rows)} accounts, latency {args.latency_ms} ms; "
                  f"store built in {time.perf_counter() - t0:.1f} s")
            rss_before = rss_mb()
            srv_cpu0 = sp.cpu_seconds()
            conc = run_concurrent(store, rows, conc_p, latency_s, args.profile)
            srv_cpu = sp.cpu_seconds() - srv_cpu0
            rss_peak = rss_mb()
            timeline = server_timeline(sp.request_log(), latency_s)
            seq = run_sequential(store, rows, conc_p, args.seq_sample)

        ratio = conc["wall"] / conc["bound"]
        add(f"refresh all {len(rows)} (wall, s)", f"{conc['wall']:.2f}", f"{conc['bound']:.2f} x{CONC_FACTOR}",
            ratio, ratio <= CONC_FACTOR and conc["failed"] == 0)
        seq_ratio = seq["estimate"] / conc["wall"]
        add(f"sequential est. {len(rows)} / concurrent", f"{seq['estimate']:.1f} s", f">= {SEQ_FACTOR:.0f}x",
            seq_ratio, seq_ratio >= SEQ_FACTOR)
        add("peak memory, client (ru_maxrss MB)", f"{rss_peak:.0f}", f"< {RSS_TARGET_MB:.0f}",
            rss_peak / RSS_TARGET_MB, rss_peak < RSS_TARGET_MB)
        bucket = None
        if not args.skip_bucket:
            bucket = run_bucket(tmp, args.bucket_sites, args.bucket_users, args.latency_ms, shared)
            b_ratio = bucket["wall"] / bucket["allowed"]
            add(f"default bucket {args.bucket_sites}x{args.bucket_users} (wall, s)", f"{bucket['wall']:.2f}",
                f"{bucket['allowed']:.2f} x{BUCKET_FACTOR}", b_ratio, b_ratio <= BUCKET_FACTOR and bucket["failed"] == 0)

    print()
    print(table(table_rows))
    print()
    # ---- diagnostics -------------------------------------------------------------------------------
    ph = conc["phases"]
    reqs = Counter(s["req_per_account"] for s in conc["sites"])
    worst = max(conc["sites"], key=lambda s: s["ideal"])
    print("concurrent run:")
    print(f"  {conc['requests']} requests, {conc['failed']} failed accounts; requests per account (median per site): "
          + ", ".join(f"{k:g} on {v} sites" for k, v in sorted(reqs.items())))
    print(f"  ideal bound {conc['bound']:.2f} s (site {worst['dialect']} {worst['url']}: {worst['accounts']} accounts "
          f"x {worst['req_per_account']:g} req); slot bound incl. the shared /api/status {conc['slot_bound']:.2f} s; "
          f"aggregate throughput needed {conc['requests'] / conc['bound']:.0f} req/s, "
          f"measured {conc['requests'] / conc['wall']:.0f} req/s")
    print(f"  phases: read+decrypt {ph.get('account_names', 0):.2f} s, network {ph.get('refresh_accounts', 0):.2f} s, "
          f"write {ph.get('write_refresh_results', 0):.2f} s (wall {conc['wall']:.2f} s)")
    print(f"  client CPU {conc['cpu']:.2f} s over {conc['wall']:.2f} s wall ({conc['cpu'] / conc['wall']:.0%} of one core); "
          f"sandbox process CPU {srv_cpu:.2f} s ({srv_cpu / conc['wall']:.0%} of one core)")
    mif = conc["max_in_flight"]
    print(f"  peak in flight: per origin max {max(mif.values()) if mif else 0}, overall {conc['peak_total']} "
          f"(global_concurrency {conc_p.global_concurrency}, {len(mif)} origins x {conc_p.per_site_concurrency} "
          f"= {len(mif) * conc_p.per_site_concurrency} wanted)")
    print(f"  TCP connections opened by the client: {conc['connections']} for {conc['requests']} requests "
          f"(one httpx client per origin, its pool {conc_p.per_site_concurrency} kept-alive connections)")
    cost = sniffio_lookup_cost_us()
    if cost is not None:
        print(f"  sniffio is not installed: httpcore looked the async library up {conc['sniffio_lookups']} times, each a "
              f"failed `import sniffio` of ~{cost:.0f} us -> ~{conc['sniffio_lookups'] * cost / 1e6:.1f} s of client CPU")
    print(f"  client CPU per request {conc['cpu'] / conc['requests'] * 1000:.2f} ms (store write included)")
    print(f"  server side: first to last arrival {timeline['first_to_last']:.2f} s for {timeline['requests']} requests; "
          "slowest sites " + ", ".join(f"{u.rsplit(':', 1)[1]} {span:.2f} s/{n} req" for span, u, n in timeline["slowest_sites"]))
    print(f"  server arrivals per second, 0.5 s windows: {timeline['rate_per_s']}")
    print(f"  peak memory before the refresh {rss_before:.0f} MB, after {rss_peak:.0f} MB")
    print("sequential sample:")
    print(f"  {seq['n']} accounts one refresh() call each in {seq['sampled']:.1f} s ({seq['per_account'] * 1000:.0f} ms "
          f"per account, {seq['requests'] / seq['n']:.1f} requests each incl. /api/status); estimate for "
          f"{len(rows)}: {seq['estimate']:.1f} s" + (f"; dialects not sampled: {seq['uncovered']}" if seq["uncovered"] else ""))
    if bucket:
        p = bucket["politeness"]
        print("default bucket run:")
        print(f"  Politeness() = {p.window_requests} per {p.window_s:g} s, {p.per_site_concurrency} in flight, "
              f"log spacing {p.log_spacing_ms} ms; requests per origin {bucket['per_origin']}; "
              f"{bucket['failed']} failed accounts")
        print("  allowed = max(floor((N-1)/window) x W, ceil(N/2) x latency, (logs-1) x spacing + latency) + latency; "
              "server arrival span per origin: "
              + ", ".join(f"{u.rsplit(':', 1)[1]} {n} req over {span:.1f} s" for u, (n, span) in bucket["server"].items()))
    if conc["profile"] is not None:
        print("\ncProfile of the concurrent refresh (top 25 by internal time):")
        pstats.Stats(conc["profile"]).sort_stats("tottime").print_stats(25)
        if args.profile_out:
            conc["profile"].dump_stats(args.profile_out)
        print("the limiter and the shared window (cumulative):")
        pstats.Stats(conc["profile"]).sort_stats("cumtime").print_stats(r"_limiter|_shared_window", 12)
    print(f"total bench time {time.perf_counter() - t_start:.0f} s")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
