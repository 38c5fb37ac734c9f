"""Import/export speed: a 5,000-account All API Hub 4.0 backup, each figure against its target.

    .venv/bin/python bench/bench_transfer.py [--accounts 5000] [--runs 3]

Issue 9: "A 5,000-account extension backup: preview under 1 s, import under 3 s, export under
1 s, peak memory under 300 MB." The backup is built from the shape of the extension's 4.0 file
(tests/transfer/fixtures/extension_v4_full.json: every account field, tags, pins, order,
bookmarks, tombstones), with 5,000 distinct accounts over 250 sites and 20 tags. Each run is a
fresh child process on a fresh DuckDB file, so import times include the first write and the
peak memory (ru_maxrss) is that process's alone:

1. preview: ``parse_backup`` + ``preview_import`` (merge into an empty store);
2. import: ``apply_import`` (merge, one transaction);
3. export: ``build_extension_backup`` of the 5,000 accounts + ``json.dumps`` to text.

Prints median / worst of ``--runs`` children per figure and exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from _common import print_load

from allhub_core.store import Store
from allhub_core.transfer import apply_import, build_extension_backup, parse_backup, preview_import

FIXTURE = ROOT / "tests" / "transfer" / "fixtures" / "extension_v4_full.json"
TARGETS = {"preview_s": 1.0, "import_s": 3.0, "export_s": 1.0, "peak_mb": 300.0}


def build_backup(n: int) -> bytes:
    src = json.loads(FIXTURE.read_text())
    template = src["accounts"]["accounts"][0]
    tags = {f"tag-{i}": {"id": f"tag-{i}", "name": f"Tag {i}", "createdAt": 1711958400000,
                         "updatedAt": 1711958400000} for i in range(20)}
    accounts = []
    for i in range(n):
        a = copy.deepcopy(template)
        a["id"] = f"account-bench-{i:06d}"
        a["site_name"] = f"Relay {i % 250} · user{i}"
        a["site_url"] = f"https://relay{i % 250}.example.com"
        a["account_info"]["id"] = 1000 + i
        a["account_info"]["username"] = f"user{i}"
        a["account_info"]["access_token"] = f"bench-token-{i:06d}-abcdefghijklmnop"
        a["account_info"]["quota"] = 500_000 * (i % 40)
        a["tagIds"] = [f"tag-{i % 20}", f"tag-{(i * 7) % 20}"]
        a["notes"] = f"bench account {i}"
        accounts.append(a)
    src["accounts"]["accounts"] = accounts
    src["accounts"]["pinnedAccountIds"] = [a["id"] for a in accounts[:50]]
    src["accounts"]["orderedAccountIds"] = [a["id"] for a in accounts[:500]]
    src["tagStore"] = {"version": 1, "tagsById": tags}
    return json.dumps(src).encode()


def child(path: str) -> None:
    data = Path(path).read_bytes()
    with tempfile.TemporaryDirectory(prefix="allhub-bench-transfer-") as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        with store.read():
            pass
        t0 = time.perf_counter()
        bundle = parse_backup(data)
        preview = preview_import(store, bundle, "merge")
        t1 = time.perf_counter()
        report = apply_import(store, bundle, "merge")
        t2 = time.perf_counter()
        text = json.dumps(build_extension_backup(store, include_secrets=True))
        t3 = time.perf_counter()
        out = {"preview_s": t1 - t0, "import_s": t2 - t1, "export_s": t3 - t2,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "preview": preview.summary(), "import": report.summary(), "export_bytes": len(text)}
    print("@@RESULT@@" + json.dumps(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    print_load()
    with tempfile.TemporaryDirectory(prefix="allhub-bench-transfer-src-") as tmp:
        path = Path(tmp) / "all-api-hub-backup.json"
        path.write_bytes(build_backup(args.accounts))
        print(f"backup: {args.accounts} accounts, {path.stat().st_size / 1024 / 1024:.1f} MB")
        results = []
        for _ in range(args.runs):
            done = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True,
                                  cwd=ROOT)
            line = next((x for x in done.stdout.splitlines() if x.startswith("@@RESULT@@")), None)
            if done.returncode != 0 or line is None:
                print(done.stdout, done.stderr)
                return 1
            results.append(json.loads(line[len("@@RESULT@@"):]))
    print(f"preview: {results[0]['preview'][:160]}")
    print(f"import:  {results[0]['import'][:160]}")
    print(f"export:  {results[0]['export_bytes'] / 1024 / 1024:.1f} MB of JSON")
    print(f"\n{'figure':<28}{'median':>10}{'worst':>10}{'target':>10}{'ratio':>8}")
    misses = 0
    for key, target in TARGETS.items():
        values = [r[key] for r in results]
        med, worst = statistics.median(values), max(values)
        unit = "MB" if key == "peak_mb" else "s"
        ok = med <= target
        misses += not ok
        print(f"{key:<28}{med:>9.2f}{unit[0]}{worst:>9.2f}{unit[0]}{target:>9g}{unit[0]}{med / target:>7.2f}x "
              f"{'OK' if ok else 'MISS'}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
