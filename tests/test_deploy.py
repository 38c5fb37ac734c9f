"""The server setup runs as written: the systemd units' ExecStart, the Dockerfile's CMD and the
compose commands are read from the files and run against a temporary database.

They run from a fresh virtualenv (``python -m venv``), made the way the units expect
``/opt/allhub/.venv``: its ``bin/`` holds the console scripts the install would write (``allhub``
from pyproject.toml's ``[project.scripts]``, ``streamlit``); its packages are this checkout and
the project venv's dependencies (a ``.pth`` file), so nothing is downloaded. No container runtime
is needed: the image's paths (``/opt/allhub``, ``/data``) are mapped to this checkout and a
temporary folder.
"""

from __future__ import annotations

import configparser
import http.client
import importlib.metadata
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from allhub_core.automation.lease import acquire
from allhub_core.store import Store

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """#!{python}
import sys
from {module} import {func}
if __name__ == "__main__":
    sys.argv[0] = sys.argv[0].removesuffix(".exe")
    sys.exit({func}())
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtualenv with ``allhub`` and ``streamlit`` in its bin/, as the units expect."""
    home = tmp_path_factory.mktemp("venv") / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True, timeout=60)
    purelib = Path(subprocess.run([str(home / "bin" / "python"), "-c",
                                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "allhub-checkout.pth").write_text(f"{ROOT}\n{sysconfig.get_paths()['purelib']}\n")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    (streamlit,) = [e.value for e in importlib.metadata.entry_points(group="console_scripts", name="streamlit")]
    for name, target in {**scripts, "streamlit": streamlit}.items():
        module, func = target.split(":")
        path = home / "bin" / name
        path.write_text(SCRIPT.format(python=home / "bin" / "python", module=module, func=func))
        path.chmod(0o755)
    return home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # systemd keys are case-sensitive
    cp.read(ROOT / "deploy" / name)
    return cp


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            pending = ""
    return out


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def env_for(venv: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLHUB_")}
    env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"
    return {**env, **extra}


def run(argv: list[str], venv: Path, env: dict[str, str], timeout: float = 50) -> subprocess.CompletedProcess:
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def check_daemon(argv: list[str], venv: Path, env: dict[str, str], db: Path) -> None:
    """--help documents --once; --once runs what is due and exits 0; without it the daemon
    runs until SIGTERM and then exits 0 (so systemd's Restart=on-failure leaves it stopped)."""
    helped = run([*argv, "--help"], venv, env)
    assert helped.returncode == 0 and "--once" in helped.stdout, helped.stderr
    once = run([*argv, "--once"], venv, env)
    assert once.returncode == 0, (once.stdout, once.stderr)
    assert db.exists()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(3)
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, proc.stdout.read() if proc.stdout else ""
    finally:
        if proc.poll() is None:
            proc.kill()


def status(port: int, path: str, host: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": host})
        return conn.getresponse().status
    finally:
        conn.close()


def check_dashboard(argv: list[str], env: dict[str, str], port: int) -> None:
    """The dashboard starts, answers its own Host, and the origin guard refuses any other."""
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                if status(port, "/_stcore/health", f"127.0.0.1:{port}") == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the dashboard did not start"
            time.sleep(0.3)
        assert status(port, "/", f"localhost:{port}") == 200
        assert status(port, "/", f"evil.example:{port}") == 403
        assert status(port, "/", f"127.0.0.1:{port + 1}") == 403
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---- systemd -------------------------------------------------------------------------------------
def test_the_daemon_unit_runs_its_exec_start(venv, tmp_path):
    svc = unit("allhub-daemon.service")["Service"]
    assert svc["ExecStart"] == "/opt/allhub/.venv/bin/allhub daemon --db /var/lib/allhub/allhub.duckdb"
    assert (svc["User"], svc["Restart"], svc["StateDirectory"]) == ("allhub", "on-failure", "allhub")
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "CapabilityBoundingSet": ""}.items():
        assert svc[key] == value, key
    db = tmp_path / "allhub.duckdb"
    argv = [a.replace("/opt/allhub/.venv", str(venv)).replace("/var/lib/allhub", str(tmp_path))
            for a in shlex.split(svc["ExecStart"])]
    check_daemon(argv, venv, env_for(venv), db)
    assert (tmp_path / "allhub.secret.key").exists()  # the key file sits beside the database


def test_the_dashboard_unit_serves_on_loopback_behind_the_guard(venv, tmp_path):
    svc = unit("allhub-dashboard.service")["Service"]
    argv = shlex.split(svc["ExecStart"])
    assert argv[:4] == ["/opt/allhub/.venv/bin/streamlit", "run", "serve.py", "--server.address=127.0.0.1"]
    assert svc["WorkingDirectory"] == "/opt/allhub"
    env = dict(item.split("=", 1) for item in shlex.split(svc["Environment"]))
    assert env["ALLHUB_DB"] == "/var/lib/allhub/allhub.duckdb"
    port = free_port()
    argv = [a.replace("/opt/allhub/.venv", str(venv)).replace("--server.port=8501", f"--server.port={port}")
            for a in argv]
    check_dashboard(argv, env_for(venv, ALLHUB_DB=str(tmp_path / "allhub.duckdb"), HOME=str(tmp_path)), port)


# ---- Docker and compose --------------------------------------------------------------------------
def test_the_image_runs_the_daemon_as_a_user_with_its_data_in_a_volume(venv, tmp_path):
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    env = " ".join(arg for op, arg in steps if op == "ENV")
    assert "ALLHUB_DB=/data/allhub.duckdb" in env and "PATH=/opt/allhub/.venv/bin:$PATH" in env
    copied = " ".join(arg for op, arg in steps if op == "COPY")
    for needed in ("allhub_core", "app.py", "serve.py", "pages", ".streamlit"):
        assert needed in copied, needed
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"data", ".venv", "*.duckdb", "*.secret.key"} <= set(ignored)  # no database or key in the image
    (cmd,) = [json.loads(arg) for op, arg in steps if op == "CMD"]
    assert cmd == ["allhub", "daemon"]
    data = tmp_path / "data"
    data.mkdir()
    check_daemon(cmd, venv, env_for(venv, ALLHUB_DB=str(data / "allhub.duckdb")), data / "allhub.duckdb")


def test_compose_runs_daemon_and_dashboard_over_one_volume(venv, tmp_path):
    c = compose()
    daemon, dash = c["services"]["daemon"], c["services"]["dashboard"]
    assert daemon["image"] == dash["image"] and daemon["build"] == dash["build"] == "."
    assert daemon["volumes"] == dash["volumes"] == ["allhub-data:/data"] and "allhub-data" in c["volumes"]
    assert daemon["environment"]["ALLHUB_DB"] == dash["environment"]["ALLHUB_DB"] == "/data/allhub.duckdb"
    assert dash["ports"] == ["127.0.0.1:8501:8501"]  # published on the host's loopback only
    assert "ports" not in daemon
    assert dash["command"][:3] == ["streamlit", "run", "serve.py"]
    assert "--server.address=0.0.0.0" in dash["command"] and "--server.port=8501" in dash["command"]

    data = tmp_path / "data"
    data.mkdir()
    env = env_for(venv, ALLHUB_DB=str(data / "allhub.duckdb"))
    check_daemon(daemon["command"], venv, env, data / "allhub.duckdb")
    port = free_port()
    argv = [a.replace("--server.port=8501", f"--server.port={port}") for a in dash["command"]]
    check_dashboard(argv, {**env, "HOME": str(tmp_path)}, port)


def test_the_daemon_service_is_healthy_while_its_scheduler_beats(venv, tmp_path):
    """compose's health check for the daemon, run as written: healthy once the scheduler holds
    its lease, unhealthy once it has stopped, and unhealthy when the heartbeat is 5 minutes old."""


    daemon = compose()["services"]["daemon"]
    check = daemon["healthcheck"]
    assert check["test"][0] == "CMD" and "automation" in check["test"][-1]
    data = tmp_path / "data"
    data.mkdir()
    env = env_for(venv, ALLHUB_DB=str(data / "allhub.duckdb"))

    def healthy() -> bool:
        return run(check["test"][1:], venv, env).returncode == 0

    proc = subprocess.Popen(daemon["command"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 40
        while not healthy():
            assert proc.poll() is None and time.monotonic() < deadline, "the daemon never became healthy"
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not healthy()  # stopped: the lease was given up
    acquire(Store(data / "allhub.duckdb"), "elsewhere:1:gone", datetime.now(UTC) - timedelta(seconds=300),
            600)
    assert not healthy()  # a scheduler whose heartbeat stopped 5 minutes ago

