"""Real servers for the tests, each a separate OS process on 127.0.0.1, stopped by its PID:
a Prefect server, a moto S3 server, a Dask scheduler and its workers."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PREFECT = [sys.executable, "-m", "prefect"]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """``sig`` (SIGTERM) to the process group of ``proc``, then SIGKILL after 15 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def start(cmd: list[str], env: dict, log: Path, cwd: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_until(ready, proc: subprocess.Popen, log: Path, what: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while not ready():
        assert proc.poll() is None, f"{what} exited:\n{log.read_text()[-3000:]}"
        assert time.time() < deadline, f"{what} not ready after {timeout}s:\n{log.read_text()[-3000:]}"
        time.sleep(0.3)


def kill_when_marked(proc: subprocess.Popen, marker: Path, point: str, timeout: float = 240) -> None:
    """Wait until a process under fault injection (tests/faults) writes ``marker`` at ``point``, then SIGKILL
    its process group, as a crash would end it."""
    deadline = time.time() + timeout
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        assert time.time() < deadline, f"never reached {point}"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_prefect_server(home: Path, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = home / "server.log"
    proc = start([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui",
                  "--analytics-off"], env, log)
    url = f"http://127.0.0.1:{port}/api"
    wait_until(lambda: http_ok(f"{url}/health"), proc, log, "Prefect server")
    return proc, url


def start_moto(log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = start([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], dict(os.environ), log)
    wait_until(lambda: port_open(port), proc, log, "moto S3 server", timeout=60)
    return proc, f"http://127.0.0.1:{port}"


def start_dask(env: dict, n_workers: int, logs: Path, cwd: Path) -> tuple[list[subprocess.Popen], str]:
    """``dask scheduler`` and ``n_workers`` ``dask worker`` processes (one single-threaded worker each)."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                       "--no-dashboard"], env, logs / "scheduler.log", cwd)
    procs = [scheduler]
    wait_until(lambda: port_open(port), scheduler, logs / "scheduler.log", "dask scheduler")
    for i in range(n_workers):
        procs.append(start([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                            "--name", f"w{i}", "--no-dashboard", "--host", "127.0.0.1"], env,
                           logs / f"worker-{i}.log", cwd))
    return procs, address


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server binaries (the newest installed), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def start_postgres() -> tuple[subprocess.Popen, str, Path]:
    """A throw-away PostgreSQL cluster on 127.0.0.1 with a database ``prefect``: (process, SQLAlchemy URL for
    Prefect, its folder).  As root, the server runs as the ``postgres`` user (it refuses root), through
    setpriv, which execs, so the process is the postmaster itself."""
    import shutil
    import tempfile

    bindir = postgres_bin()
    base = Path(tempfile.mkdtemp(prefix="newsloom-pg-"))
    data, sock, log = base / "data", base / "sock", base / "postgres.log"
    sock.mkdir()
    as_postgres = []
    if os.geteuid() == 0:
        as_postgres = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
        for p in (base, sock):
            shutil.chown(p, "postgres", "postgres")
    r = subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "prefect", "--auth=trust",
                        "-E", "UTF8", "--no-sync"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    port = free_port()
    proc = start([*as_postgres, str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sock),
                  "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"], dict(os.environ), log)

    def ready() -> bool:
        return subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                              capture_output=True).returncode == 0

    wait_until(ready, proc, log, "PostgreSQL", timeout=60)
    r = subprocess.run([str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "prefect", "-d", "postgres",
                        "-c", "CREATE DATABASE prefect"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return proc, f"postgresql+asyncpg://prefect@127.0.0.1:{port}/prefect", base


def stop_postgres(proc: subprocess.Popen, base: Path) -> None:
    """Fast shutdown (SIGINT: the postmaster ends its sessions, then stops); then remove its folder."""
    import shutil

    stop(proc, signal.SIGINT)
    shutil.rmtree(base, ignore_errors=True)
