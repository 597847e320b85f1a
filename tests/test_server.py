"""A real Prefect server on 127.0.0.1: pool, `prefect deploy --all` from prefect.yaml, a worker, a deployment
run on the sample corpus, the tables read back.  Every process is started here and stopped by its PID."""
import json
import subprocess

import pandas as pd
import pytest
from conftest import ROOT
from newsserver import write_warc
from procs import PREFECT, stop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(prefect_server):
    return prefect_server


def run(cmd, env, timeout=300):
    r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def test_deploy_schedule_worker_and_run(server, tmp_path):
    env = server
    run([*PREFECT, "work-pool", "create", "newsloom", "--type", "process"], env)
    out = run([*PREFECT, "--no-prompt", "deploy", "--all"], env)
    assert "news-pipeline" in out and "news-backfill" in out
    inspect = run([*PREFECT, "deployment", "inspect", "news-pipeline/news-pipeline"], env)
    assert "interval" in inspect and "3600" in inspect and "sources.yaml" in inspect
    inspect = run([*PREFECT, "deployment", "inspect", "news-backfill/news-backfill"], env)
    assert "flows/backfill.py:news_backfill" in inspect
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, gz=True)
    worker = subprocess.Popen([*PREFECT, "worker", "start", "--pool", "newsloom"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # the scheduled deployment's own sources: sources.yaml, which lists data/raw
        params = json.dumps({"out": str(tmp_path / "out")})
        out = run([*PREFECT, "deployment", "run", "news-pipeline/news-pipeline", "--params", params,
                   "--watch", "--watch-timeout", "300"], env, timeout=360)
        assert "Completed" in out
        # a backfill of a WARC archive into another output root
        params = json.dumps({"path": str(warc), "out": str(tmp_path / "backfill")})
        out = run([*PREFECT, "deployment", "run", "news-backfill/news-backfill", "--params", params,
                   "--watch", "--watch-timeout", "300"], env, timeout=360)
        assert "Completed" in out
    finally:
        stop(worker)
    articles = pd.read_parquet(tmp_path / "out" / "articles")
    quotes = pd.read_parquet(tmp_path / "out" / "quotes")
    assert len(articles) == 17 and len(quotes) >= 10
    assert pd.read_parquet(tmp_path / "out" / "runs.parquet").status.tolist() == ["completed"]
    backfilled = pd.read_parquet(tmp_path / "backfill" / "articles")
    assert backfilled["source"].tolist() == ["https://harbor-ledger.example/news/ferry-timetable.html"]
