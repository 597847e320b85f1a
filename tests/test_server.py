"""A production-shaped Prefect server on 127.0.0.1 (PostgreSQL behind it, the scheduler on): the pool,
`prefect deploy --all` from prefect.yaml, a worker, a schedule that fires on its own and writes the tables,
two overlapping runs on one output root that take turns, and a backfill.  Every process is started here and
stopped by its PID."""
import json
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import ROOT
from newsserver import write_warc
from procs import PREFECT, stop

pytestmark = pytest.mark.slow

# run in a client process (the test process keeps its own, ephemeral Prefect): the flow runs of a deployment
RUNS = """
import json, sys
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
with get_client(sync_client=True) as c:
    runs = c.read_flow_runs(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[sys.argv[1]])))
    out = []
    for r in runs:
        states = [s.name for s in c.read_flow_run_states(r.id)]
        out.append({"id": str(r.id), "state": r.state.type.value, "name": r.state.name, "states": states,
                    "start": r.start_time.timestamp() if r.start_time else None,
                    "end": r.end_time.timestamp() if r.end_time else None,
                    "auto": r.auto_scheduled, "out": r.parameters.get("out")})
    print(json.dumps(out))
"""
# a schedule due in ``delay`` seconds whose runs write to ``out`` (a schedule may carry its own parameters)
SCHEDULE = """
import datetime, sys
from prefect.client.orchestration import get_client
from prefect.client.schemas.schedules import IntervalSchedule
with get_client(sync_client=True) as c:
    d = c.read_deployment_by_name("news-pipeline/news-pipeline")
    anchor = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=float(sys.argv[2]))
    c.create_deployment_schedules(d.id, [(IntervalSchedule(interval=datetime.timedelta(hours=1), anchor_date=anchor),
                                          True)], parameters={"out": sys.argv[1]})
"""


@pytest.fixture(scope="module")
def server(prefect_server):
    return prefect_server


def run(cmd, env, timeout=300):
    r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def flow_runs(env, deployment="news-pipeline"):
    return json.loads(run([sys.executable, "-c", RUNS, deployment], env))


def wait_for(env, done, what, timeout=300, deployment="news-pipeline"):
    deadline = time.time() + timeout
    while True:
        runs = flow_runs(env, deployment)
        if done(runs):
            return runs
        assert not [r for r in runs if r["state"] in ("FAILED", "CRASHED")], runs
        assert time.time() < deadline, f"{what}: {runs}"
        time.sleep(3)


def test_deploy_schedule_overlap_and_backfill(server, tmp_path):
    env = server
    run([*PREFECT, "work-pool", "create", "newsloom", "--type", "process"], env)
    out = run([*PREFECT, "--no-prompt", "deploy", "--all"], env)
    assert "news-pipeline" in out and "news-backfill" in out
    inspect = run([*PREFECT, "deployment", "inspect", "news-pipeline/news-pipeline"], env)
    assert "interval" in inspect and "3600" in inspect and "sources.yaml" in inspect
    assert "concurrency_limit" in inspect and "ENQUEUE" in inspect and "lock_wait" in inspect
    inspect = run([*PREFECT, "deployment", "inspect", "news-backfill/news-backfill"], env)
    assert "flows/backfill.py:news_backfill" in inspect
    # the hourly schedule would write into the repository's data/processed: the test schedules its own runs
    run([*PREFECT, "deployment", "schedule", "clear", "news-pipeline/news-pipeline", "-y"], env)
    scheduled = tmp_path / "scheduled"
    run([sys.executable, "-c", SCHEDULE, str(scheduled), "20"], env)
    worker = subprocess.Popen([*PREFECT, "worker", "start", "--pool", "newsloom"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # 1. the schedule fires on its own: the scheduler creates the run, the worker picks it up when due
        runs = wait_for(env, lambda rs: any(r["auto"] and r["state"] == "COMPLETED" for r in rs),
                        "the scheduled run did not complete", timeout=240)
        # every run the scheduler made is the test schedule's (the next hours' are made ahead and wait)
        assert {r["out"] for r in runs if r["auto"]} == {str(scheduled)}
        assert sum(r["auto"] and r["state"] == "COMPLETED" for r in runs) == 1
        assert len(pd.read_parquet(scheduled / "articles")) == 27
        assert pd.read_parquet(scheduled / "runs.parquet").status.tolist() == ["completed"]
        # 2. two runs on one output root at once: the second waits for the first (concurrency limit 1).  Both
        # are created while no worker polls, so that the next poll finds both due together
        stop(worker)
        overlap = tmp_path / "overlap"
        params = json.dumps({"out": str(overlap)})
        for _ in range(2):
            run([*PREFECT, "deployment", "run", "news-pipeline/news-pipeline", "--params", params], env)
        worker = subprocess.Popen([*PREFECT, "worker", "start", "--pool", "newsloom"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        runs = wait_for(env, lambda rs: sum(r["out"] == str(overlap) and r["state"] == "COMPLETED" for r in rs) == 2,
                        "the two overlapping runs did not both complete", timeout=300)
        pair = sorted((r for r in runs if r["out"] == str(overlap)), key=lambda r: r["start"])
        assert pair[0]["end"] <= pair[1]["start"], pair  # one after the other, never side by side
        assert any("AwaitingConcurrencySlot" in r["states"] for r in pair), pair  # and the state says why
        assert len(pd.read_parquet(overlap / "articles")) == 27  # written once: the second run found nothing new
        assert pd.read_parquet(overlap / "runs.parquet").n_articles.tolist() == [27, 0]
        # 3. a backfill of a WARC archive into another output root
        warc = tmp_path / "crawl.warc.gz"
        write_warc(warc, gz=True)
        params = json.dumps({"path": str(warc), "out": str(tmp_path / "backfill")})
        out = run([*PREFECT, "deployment", "run", "news-backfill/news-backfill", "--params", params,
                   "--watch", "--watch-timeout", "300"], env, timeout=360)
        assert "Completed" in out
    finally:
        stop(worker)
    backfilled = pd.read_parquet(tmp_path / "backfill" / "articles")
    assert backfilled["source"].tolist() == ["https://harbor-ledger.example/news/ferry-timetable.html"]
