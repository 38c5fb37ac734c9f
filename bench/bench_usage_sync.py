"""Usage-log sync speed: 10,000 new log rows from the sandbox, against the issue's 10 s target.

    .venv/bin/python bench/bench_usage_sync.py [--sites 10] [--rows-per-account 1000] [--latency-ms 100]

Issue 10: "sync of 10,000 new log rows from the sandbox under 10 s (politeness as configured
for the bench, stated in the output)". The sandbox runs ``--sites`` New API sites with one
account each, and each account gets ``--rows-per-account`` extra consume-log rows spread over
the last 30 days (added to the seeded user before the run). The sync is ``sync_usage`` of all
accounts into a fresh DuckDB file with the DEFAULT politeness except the per-site request
window, which is off (0) so the run measures the sync, not a deliberate wait: 2 requests in
flight per site, 200 ms between log pages per site (the extension's spacing), 100 rows per
page. A second run must add nothing (no duplicates). Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from _common import print_load

from allhub_core.accounts import AccountInput, add_account, set_preference
from allhub_core.net import Politeness
from allhub_core.sandbox import LogRow, start_sandbox
from allhub_core.store import Store
from allhub_core.sync import sync_usage

TARGET_S = 10.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=10)
    ap.add_argument("--rows-per-account", type=int, default=1000)
    ap.add_argument("--latency-ms", type=int, default=100)
    args = ap.parse_args(argv)


    print_load()
    politeness = dataclasses.replace(Politeness(), window_requests=0, critical_requests=0)
    print(f"politeness: {politeness.per_site_concurrency} in flight per site, no request window, "
          f"{politeness.log_spacing_ms} ms between log pages per site; {args.sites} sites x 1 account, "
          f"latency {args.latency_ms} ms")
    rng = random.Random(7)
    with start_sandbox(dialects=["new-api"], sites=args.sites, users_per_site=1,
                       latency_ms=args.latency_ms) as sb, tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        set_preference(store, "usage_sync_row_limit", max(5000, args.rows_per_account * 2))
        set_preference(store, "usage_sync_page_limit", 1000)
        now = int(time.time())
        for site in sb.sites:
            user = site.users[0]
            extra = [LogRow(id=0, user_id=user.id, username=user.username,
                            created_at=now - rng.randint(3600, 29 * 86400), type=2,
                            token_name=f"key-{rng.randint(1, 3)}", model_name=rng.choice(["gpt-4o", "claude", "qwen"]),
                            quota=rng.randint(100, 60_000), prompt_tokens=rng.randint(10, 4000),
                            completion_tokens=rng.randint(10, 2000), use_time=rng.randint(1, 30))
                     for _ in range(args.rows_per_account)]
            for row in extra:
                row.id = site.ids.next_log()
            user.logs = sorted(user.logs + extra, key=lambda r: r.created_at)
            add_account(store, AccountInput(site_url=site.url, site_name=site.url, site_type="new-api",
                                            user_id=str(user.id), access_token=user.access_token))
        t0 = time.perf_counter()
        first = sync_usage(store, politeness=politeness)
        elapsed = time.perf_counter() - t0
        rows = sum(first.added.values())
        t1 = time.perf_counter()
        second = sync_usage(store, politeness=politeness)
        again = time.perf_counter() - t1
        print(first.summary())
        print(f"second run: {second.summary()} in {again:.2f} s")
        print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
              "(this process also runs the sandbox)")
    ok = elapsed <= TARGET_S and rows >= args.sites * args.rows_per_account and sum(second.added.values()) == 0
    print(f"\n{'figure':<40}{'measured':>12}{'target':>10}{'ratio':>8}")
    print(f"{f'sync of {rows:,} new log rows':<40}{elapsed:>11.2f}s{TARGET_S:>9g}s{elapsed / TARGET_S:>7.2f}x "
          f"{'OK' if ok else 'MISS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
