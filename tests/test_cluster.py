"""A real Dask cluster and S3: `dask scheduler` and two `dask worker` processes, a moto S3 server and a Prefect
server, all separate OS processes on 127.0.0.1 and stopped by PID.  `newsloom run --dask-address ... --out
s3://...` over the sample corpus (itself read from S3) gives the tables of the local run, apart from run ids."""
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE
from procs import start_dask, stop
from test_dask import SORT, VOLATILE

pytestmark = pytest.mark.slow


def frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    df = df[[c for c in df.columns if c not in VOLATILE]].sort_values(SORT[name]).reset_index(drop=True)
    for col in ("aliases", "alias_counts"):  # list columns compare as tuples
        if col in df:
            df[col] = df[col].map(tuple)
    return df


def read(root: str, name: str) -> pd.DataFrame:
    path = f"{root}/{name}" if name in ("documents", "articles", "mentions", "quotes", "rejects") else f"{root}/{name}.parquet"
    return frame(pd.read_parquet(path), name)


@pytest.fixture(scope="module")
def cluster(s3, prefect_server, tmp_path_factory):
    env = {**prefect_server, **s3}
    logs = tmp_path_factory.mktemp("dask-logs")
    procs, address = start_dask(env, 2, logs, ROOT)
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address, env
    finally:
        for p in reversed(procs):
            stop(p)


def test_cluster_run_on_s3_equals_local_run(cluster, sample_run):
    import s3fs

    address, env = cluster
    local_out, _ = sample_run
    fs = s3fs.S3FileSystem()
    fs.put(str(SAMPLE), "news/cluster-raw", recursive=True)
    out = "s3://news/cluster-out"
    r = subprocess.run([sys.executable, "-m", "newsloom.interfaces.cli", "run", "s3://news/cluster-raw", "--out", out,
                        "--dask-address", address], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "2 worker threads" in r.stdout + r.stderr  # the batches were sized for the cluster it found
    for name in SORT:
        local = frame(pd.read_parquet(local_out / name if (local_out / name).is_dir() else
                                      local_out / f"{name}.parquet"), name)
        if name == "documents":  # read from S3, the sources have the same relative names
            assert (read(out, name)["source"] == local["source"]).all()
        pd.testing.assert_frame_equal(read(out, name), local, check_dtype=True, obj=name)
    runs = pd.read_parquet(f"{out}/runs.parquet")
    assert runs.status.tolist() == ["completed"]

    from distributed import Client

    with Client(address, timeout=60) as client:
        # both workers did NLP work, and each loaded a language's model (English, French) at most once for all
        # its parts: no load was ever evicted and repeated
        infos = client.run(lambda: tuple(__import__("newsloom.nlp", fromlist=["x"]).load_nlp.cache_info()))
    loads = {w: (info[1], info[3]) for w, info in infos.items()}  # (misses, currsize)
    assert all(1 <= misses <= 2 and misses == size for misses, size in loads.values()), loads
    # the parts were written by the workers straight to S3, several per table (the run's manifest names them;
    # its automatic compaction may have merged them since)
    from newsloom.storage import Store

    [run] = [m for m in Store(out).manifests() if m.get("kind", "run") == "run"]
    assert len([f for f in run["files"] if f.startswith("articles/")]) >= 2
    assert not fs.exists("news/cluster-out/_staging") and not fs.exists("news/cluster-out/_lock")
