"""The database's files: owner-only modes, paths that are not regular files, a damaged file.

Each case runs the real command in a fresh process started with the common umask 022, so what
is checked is what a user's shell gets, not what an earlier test left in this process.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(argv: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("ALLHUB_DB", "ALLHUB_SECRET_KEY")}
    environment.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=environment, timeout=120,
                          preexec_fn=lambda: os.umask(0o022))


def _cli(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "allhub_core", *argv], cwd)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _one_sentence_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


def test_default_store_folder_and_files_are_for_the_owner_only(tmp_path):
    proc = _cli(tmp_path, "account", "add", "--url", "https://relay.example.com", "--user-id", "7",
                "--token", "sk-FILES-0123456789", "--no-refresh")
    assert proc.returncode == 0, proc.stderr
    data = tmp_path / "data"
    assert _mode(data) == 0o700
    assert _mode(data / "allhub.duckdb") == 0o600
    assert _mode(data / "allhub.secret.key") == 0o600


def test_the_write_ahead_log_is_created_for_the_owner_only(tmp_path):
    """DuckDB makes a new WAL after every checkpoint; each one is 0600."""
    script = (
        "import os, stat, sys\n"
        "from allhub_core.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "modes = []\n"
        "with store.session():\n"
        "    for n in range(2):\n"
        "        with store.write() as con:\n"
        "            con.execute(\"INSERT INTO meta (key, value) VALUES (?, 'x')\", [f'wal-test-{n}'])\n"
        "        modes.append(oct(stat.S_IMODE(os.stat(sys.argv[1] + '.wal').st_mode)))\n"
        "        with store.write() as con:\n"
        "            con.execute('CHECKPOINT')\n"
        "print(' '.join(modes))\n"
    )
    db = tmp_path / "wal.duckdb"
    proc = _run([sys.executable, "-c", script, str(db)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0o600", "0o600"]
    assert _mode(db) == 0o600


def test_a_symlink_to_an_empty_file_is_followed_not_replaced(tmp_path):
    target = tmp_path / "real.duckdb"
    target.touch()
    link = tmp_path / "link.duckdb"
    link.symlink_to(target)
    proc = _cli(tmp_path, "--db", str(link), "account", "add", "--url", "https://relay.example.com",
                "--user-id", "7", "--token", "sk-FILES-0123456789", "--no-refresh")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.stat().st_size > 0
    listed = _cli(tmp_path, "--db", str(link), "account", "list")  # the key stays beside the link
    assert "relay.example.com" in listed.stdout, listed.stderr


def test_paths_that_are_not_regular_files_are_refused_and_left_alone(tmp_path):
    fifo = tmp_path / "pipe.duckdb"
    os.mkfifo(fifo)
    err = _one_sentence_error(_cli(tmp_path, "--db", str(fifo), "account", "list"))
    assert "not a regular file" in err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)

    link = tmp_path / "null.duckdb"
    link.symlink_to("/dev/null")
    err = _one_sentence_error(_cli(tmp_path, "--db", str(link), "account", "list"))
    assert "not a regular file" in err
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not (tmp_path / "null.secret.key").exists()


def test_a_store_cut_short_is_named_damaged_with_the_way_back(tmp_path):
    db = tmp_path / "s.duckdb"
    proc = _cli(tmp_path, "--db", str(db), "account", "add", "--url", "https://relay.example.com",
                "--user-id", "7", "--token", "sk-FILES-0123456789", "--no-refresh")
    assert proc.returncode == 0, proc.stderr
    for size in (db.stat().st_size // 2, 20000):
        os.truncate(db, size)
        err = _one_sentence_error(_cli(tmp_path, "--db", str(db), "account", "list"))
        assert "is damaged" in err and "backup" in err and "IO Error" not in err, err
        assert db.stat().st_size == size  # nothing was rewritten
