"""Crash safety: SIGKILL the CLI at several points of a run, rerun, and get exactly the rows of an
uninterrupted run (same ids, no duplicates).  A second run on a locked output root stops with a message."""
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE
from procs import kill_when_marked

pytestmark = pytest.mark.slow

KEYS = {
    "documents": ["source", "doc_id"],
    "articles": ["article_id", "dup_of"],
    "mentions": ["article_id", "entity_id", "start_char", "end_char"],
    "quotes": ["quote_id"],
    "rejects": ["source", "stage", "reason"],
}


FAULTS = ROOT / "tests" / "faults"  # sitecustomize: the fault points, wrapped around the store from outside
# the runs read part of the sample, in both languages and all three input folders, with a story two outlets
# tell: crash safety is about the commit, not the corpus, and every run here is a whole CLI run
CRASH_INPUT = ["html/dunmere-ledger-2026-03-02-port-strike.html", "html/harbor-watch-2026-03-03-strike-day-two.html",
               "html/courrier-port-laurier-2026-03-02-greve-dockers.html", "text/kestria-today-2026-03-03-union-vote.txt",
               "text/vws-2026-03-05-okhotin-harbour.txt", "text/kestria-today-okhotin-harbour.txt",
               "feeds/wire-2026-03.jsonl"]


def crash_sources() -> list[str]:
    return [str(SAMPLE / name) for name in CRASH_INPUT]


def cli(out, env=None, **kw):
    env = {**os.environ, **(env or {})}
    if "NEWSLOOM_FAULT_AT" in env:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAULTS), env.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-m", "newsloom.interfaces.cli", "run", *crash_sources(), "--out", str(out)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def rows(out):
    got = {}
    for table, key in KEYS.items():
        df = pd.read_parquet(out / table)[key]
        assert not df.duplicated().any(), f"duplicate rows in {table}"
        got[table] = set(map(tuple, df.astype(str).values))
    ent = pd.read_parquet(out / "entities.parquet")
    got["entities"] = set(zip(ent.entity_id, ent.n_mentions))
    return got


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out"
    p = cli(out)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err[-2000:]
    return rows(out)


@pytest.mark.parametrize("point", ["fetch", "entity-extract", "commit", "aggregate"])
def test_killed_run_then_rerun_equals_uninterrupted(tmp_path, reference, point):
    out, marker = tmp_path / "out", tmp_path / "marker"
    kill_when_marked(cli(out, env={"NEWSLOOM_FAULT_AT": point, "NEWSLOOM_FAULT_MARKER": str(marker)}), marker, point)
    # a reader looking now sees only committed, complete files
    for table in KEYS:
        if (out / table).exists():
            pd.read_parquet(out / table)
    rerun = cli(out)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-2000:]
    assert rows(out) == reference
    if point in ("commit",):
        assert "completed the commit" in err


def test_second_writer_is_refused(tmp_path):
    from newsloom.storage import Store

    out = tmp_path / "out"
    holder = Store(out)
    holder.acquire("holding-run")
    try:
        p = cli(out)
        _, err = p.communicate(timeout=300)
        assert p.returncode == 3
        assert "another newsloom run is writing" in err and "holding-run" in err
    finally:
        holder.release()


def s3_rows(url):
    """rows() of an output root on S3."""
    got = {}
    for table, key in KEYS.items():
        df = pd.read_parquet(f"{url}/{table}")[key]
        assert not df.duplicated().any(), f"duplicate rows in {table}"
        got[table] = set(map(tuple, df.astype(str).values))
    ent = pd.read_parquet(f"{url}/entities.parquet")
    got["entities"] = set(zip(ent.entity_id, ent.n_mentions))
    return got


def test_a_killed_writer_on_s3_holds_its_lock_only_for_its_lease(s3, tmp_path, reference):
    """SIGKILL a run writing to S3 in the middle of entity-extract: the next run is refused while the dead
    run's lease lasts, then takes the lock over; the dead run's parts never appear, and the tables equal an
    uninterrupted run's."""
    url, marker = "s3://news/killed-writer", tmp_path / "marker"
    # the dead writer renewed its lease every 10 s, so it expires 20 to 30 s after the kill; the next run asks
    # for the lock well before that (after Prefect's start-up, a few seconds)
    lease = ["--set", "lock_lease=30"]

    def run(*extra, env=None):
        env = {**os.environ, **(env or {})}
        if "NEWSLOOM_FAULT_AT" in env:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAULTS), env.get("PYTHONPATH")]))
        return subprocess.Popen([sys.executable, "-m", "newsloom.interfaces.cli", "run", *crash_sources(), "--out", url, *lease,
                                 *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)

    p = run(env={"NEWSLOOM_FAULT_AT": "entity-extract", "NEWSLOOM_FAULT_MARKER": str(marker)})
    deadline = time.time() + 240
    while not marker.exists():
        assert p.poll() is None, p.stderr.read()[-2000:]
        assert time.time() < deadline, "never reached entity-extract"
        time.sleep(0.1)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    killed_at = time.time()
    refused = run("--workers", "1")
    _, err = refused.communicate(timeout=300)
    assert refused.returncode == 3 and "lease until" in err, err[-2000:]
    time.sleep(max(0.0, killed_at + 31 - time.time()))
    rerun = run("--workers", "1")
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-2000:]
    assert s3_rows(url) == reference
