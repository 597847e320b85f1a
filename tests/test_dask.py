"""One path of execution: the sample corpus on a 2-process Dask LocalCluster gives the tables of the serial run
(the same tasks, one after the other in the flow's process)."""
import pandas as pd
import pytest
from conftest import SAMPLE

pytestmark = pytest.mark.slow

# run_id names the run; fetched_at is when a file was read: both differ between any two runs
VOLATILE = {"run_id", "fetched_at", "started_at", "finished_at", "stage_seconds"}
SORT = {"documents": ["source"], "articles": ["article_id"], "mentions": ["article_id", "start_char", "end_char"],
        "quotes": ["quote_id"], "rejects": ["source", "stage", "reason"], "entities": ["entity_id"],
        "entity_daily": ["date", "entity_id"], "cooccurrence": ["entity_a", "entity_b"], "speakers": ["entity_id"], "quote_clusters": ["cluster_id"],
        "speaker_mentions": ["speaker_entity_id", "entity_id"]}


def table(out, name):
    path = out / name if (out / name).is_dir() else out / f"{name}.parquet"
    df = pd.read_parquet(path)
    df = df[[c for c in df.columns if c not in VOLATILE]]
    return df.sort_values(SORT[name]).reset_index(drop=True)


def test_local_cluster_equals_serial_run(sample_run, tmp_path, prefect_harness, monkeypatch):
    """The cluster starts in the background while the flow's process cleans (flows.pipeline.hand_over).  The
    workers are made to come up after the first clean part, as they do on heavy pages (the real workers,
    waited for), so that clean's parts are split between the two: every part runs once, and the tables are
    the serial run's."""
    from flows.cluster import Cluster
    from flows.pipeline import news_pipeline

    asked = []

    def up_after_the_first_part(cluster) -> bool:
        asked.append(cluster)
        if len(asked) == 1:
            return False
        cluster.address()  # waits for the real cluster to finish starting
        return True

    monkeypatch.setattr(Cluster, "ready", up_after_the_first_part)
    local_out, _ = sample_run
    out = tmp_path / "dask"
    summary = news_pipeline(sources=[str(SAMPLE)], out=str(out), workers=2)
    assert summary["n_articles"] == 27
    assert summary["stage_runners"]["clean"] == "flow, then dask"
    assert summary["stage_runners"]["entity-extract"] == "dask"
    for name in SORT:
        a, b = table(local_out, name), table(out, name)
        if "aliases" in a:  # list columns compare as tuples
            for col in ("aliases", "alias_counts"):
                a[col], b[col] = a[col].map(tuple), b[col].map(tuple)
        pd.testing.assert_frame_equal(a, b, check_dtype=True, obj=name)
    # the work really was split into several parts (which the run's automatic compaction may have merged since)
    from newsloom.storage import Store

    [run] = [m for m in Store(out).manifests() if m.get("kind", "run") == "run"]
    assert len([f for f in run.get("files", []) if f.startswith("articles/")]) >= 2
