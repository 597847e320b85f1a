"""A small scheduled run with and without a long-lived Dask cluster (docs/operations.md, "A long-lived
cluster for schedules").

    python -m bench.warm_cluster            # 3 runs each way

Both ways run against a real Prefect server on 127.0.0.1 (as a scheduled deployment does) and bring the 4
new articles of bench/schedule.py into a copy of its 100-article template root.  Without: ``newsloom run``
as the deployment runs it (one part: in the flow's process, which loads the model every run).  With:
``--dask-address`` of a scheduler and two ``dask worker --preload flows.cluster`` processes started once,
whose models stay loaded between runs.  Reports wall seconds and the run's own seconds (its stage_seconds).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from procs import port_open, start_prefect_server, stop, wait_until  # noqa: E402  (the tests' real servers)

from bench._shared import ROOT  # noqa: E402
from bench.schedule import template_root  # noqa: E402

RUNS = 3
WORKERS = 2


def timed(cmd: list[str], env: dict, out: Path) -> dict:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    last = pd.read_parquet(out / "runs.parquet").iloc[-1]
    return {"wall_s": round(wall, 1), "own_s": round(sum(json.loads(last.stage_seconds).values()), 2)}


def scheduled_runs(env: dict, template: Path, new_in: Path, extra: list[str]) -> list[dict]:
    results = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "root"
            shutil.copytree(template, out)
            cmd = [sys.executable, "-m", "newsloom.interfaces.cli", "run", str(new_in), "--out", str(out), *extra]
            results.append(timed(cmd, env, out))
    return results


def start_cluster(env: dict, logs: Path) -> tuple[list, str]:
    from procs import BIN, free_port, start

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                   env, logs / "scheduler.log", ROOT)]
    wait_until(lambda: port_open(port), procs[0], logs / "scheduler.log", "dask scheduler")
    for i in range(WORKERS):
        procs.append(start([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--name", f"w{i}",
                            "--no-dashboard", "--host", "127.0.0.1", "--preload", "flows.cluster"], env,
                           logs / f"worker-{i}.log", ROOT))
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(WORKERS, timeout=120)
    return procs, address


def main() -> None:
    template, new_in = template_root()
    home = Path(tempfile.mkdtemp(prefix="newsloom-warm-"))
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PYTHONPATH": str(ROOT)}
    server, url = start_prefect_server(home, env)
    env["PREFECT_API_URL"] = url
    procs = []
    try:
        cold = scheduled_runs(env, template, new_in, [])
        print(json.dumps({"without": cold}), flush=True)
        procs, address = start_cluster(env, home)
        warm = scheduled_runs(env, template, new_in, ["--dask-address", address])
        print(json.dumps({"with_long_lived_cluster": warm}), flush=True)
    finally:
        for p in reversed(procs):
            stop(p)
        stop(server)


if __name__ == "__main__":
    main()
