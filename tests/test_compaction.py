"""Compaction (newsloom.compaction, ``newsloom compact``) and the log it commits through (newsloom.tablelog):
the merged tables hold the same rows, readers list parts from the manifests, and a crash at any step of a
compaction leaves a table that readers see whole, which the next writer finishes."""
import json
import os
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import ROOT
from procs import kill_when_marked
from rootmaker import commit_runs, folder_rows, snapshot

from newsloom import schemas
from newsloom.compaction import (
    MANIFESTS_PER_CHECKPOINT,
    MEDIUM_PARTS,
    SHARED_NAMES,
    Policy,
    compact,
    fold_if_due,
    part_sizes,
    plan,
)
from newsloom.storage import Store

FAULTS = ROOT / "tests" / "faults"
PUBLIC = ("documents", "articles", "mentions", "quotes", "rejects")


def n_files(store, table):
    return len(store.committed_parts(table))


def test_compaction_keeps_every_row_and_merges_the_parts(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, 12)
    before = snapshot(store)
    summary = compact(store, Policy(8))
    assert summary["tables"]["mentions"] == {**summary["tables"]["mentions"], "parts_in": 12, "files_out": 1,
                                             "rows": 96}
    after = snapshot(store)
    for table in schemas.FACT_TABLES:
        assert after[table].equals(before[table]), table
        assert n_files(store, table) == (1 if table != "_feeds" else 0)
    for table in PUBLIC:  # an analyst reading the folder sees the same rows, once
        assert folder_rows(tmp_path, table).equals(before[table])
        assert len(list((tmp_path / table).glob("part-*.parquet"))) == 1
    assert not (tmp_path / "_staging").exists()
    manifest = store.manifests()[-1]
    assert manifest["kind"] == "compaction" and len(manifest["removed"]) == 7 * 12


def test_merged_files_are_sorted_and_keep_one_name_across_tables(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, 6)
    commit_runs(store, 100, 6)  # later runs whose article ids sort first
    compact(store, Policy(1))
    names = {t: [os.path.basename(p) for p in store.committed_parts(t)] for t in SHARED_NAMES}
    assert len({tuple(v) for v in names.values()}) == 1, names  # resolve-identity reads mentions and quotes by one name
    mentions = pq.read_table(store.committed_parts("mentions")[0]).to_pandas()
    keys = list(zip(mentions.article_id, mentions.start_char))
    assert keys == sorted(keys)


def test_only_groups_above_the_threshold_and_only_small_parts_are_merged(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, 3)
    assert plan(store, Policy(3)) == []  # three small parts: not more than three
    assert compact(store, Policy(3)) is None
    assert [len(m.names) for m in plan(store, Policy(2))] == [3, 3, 3]  # shared names, rejects, _statements
    # a file of half the target size or more is done: it is left as it is
    assert plan(store, Policy(1, target_bytes=4 * 1000)) == []


def test_medium_parts_wait_longer_than_small_ones(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, MEDIUM_PARTS)
    medium = Policy(1, target_bytes=64 * 1000)  # parts of 5 to 9 kB: over 1/16 of it, under half
    assert all(medium.small_bytes < size < medium.done_bytes
               for size in part_sizes(store, SHARED_NAMES).values())

    def merged(policy):  # the shared-name group's merges (rejects parts, about 3 kB, are small here)
        return [len(m.names) for m in plan(store, policy) if m.tables == SHARED_NAMES]

    assert merged(medium) == []
    commit_runs(store, MEDIUM_PARTS, 1)
    assert merged(medium) == [MEDIUM_PARTS + 1]
    assert merged(Policy(target_bytes=64 * 1000, whole=True)) == [MEDIUM_PARTS + 1]


def test_readers_list_parts_from_the_log_not_the_folder(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, 2)
    stray = tmp_path / "mentions" / "part-stray.parquet"  # a file that no commit made
    pq.write_table(pq.read_table(store.committed_parts("mentions")[0]), stray)
    assert str(stray) not in store.committed_parts("mentions")
    assert store.read_table("mentions").num_rows == 2 * 8


def test_a_root_without_a_log_is_read_from_its_folders(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, 2)
    for f in (tmp_path / "_manifests").iterdir():
        f.unlink()
    assert n_files(Store(tmp_path), "mentions") == 2


def test_folding_the_manifests_keeps_the_runs_and_the_files(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, 5)
    compact(store, Policy(1))
    commit_runs(store, 5, 2)
    runs, parts = store.manifests(), {t: store.committed_parts(t) for t in schemas.FACT_TABLES}
    assert store.fold_manifests() == 8
    assert [p.name for p in (tmp_path / "_manifests").iterdir()] == ["_checkpoint.json"]
    assert [(m["run_id"], m.get("kind", "run"), m["summary"]) for m in store.manifests()] == \
           [(m["run_id"], m["kind"], m["summary"]) for m in runs]
    assert {t: store.committed_parts(t) for t in schemas.FACT_TABLES} == parts
    commit_runs(store, 7, 1)
    assert len(store.manifests()) == 9 and n_files(store, "mentions") == 4


def test_a_fold_that_crashed_before_deleting_counts_nothing_twice(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, 3)
    kept = {p.name: p.read_bytes() for p in (tmp_path / "_manifests").iterdir()}
    store.fold_manifests()
    for name, data in kept.items():  # as if the fold died after the checkpoint, before the deletions
        (tmp_path / "_manifests" / name).write_bytes(data)
    assert len(store.manifests()) == 3 and n_files(store, "mentions") == 3
    commit_runs(store, 3, 1)
    assert store.fold_manifests() == 1
    assert len(store.manifests()) == 4 and n_files(store, "mentions") == 4


def test_manifests_are_folded_once_enough_wait(tmp_path):
    store = Store(tmp_path)
    commit_runs(store, 0, MANIFESTS_PER_CHECKPOINT)
    assert fold_if_due(store) == 0
    commit_runs(store, MANIFESTS_PER_CHECKPOINT, 1)
    assert fold_if_due(store) == MANIFESTS_PER_CHECKPOINT + 1
    assert len(store.manifests()) == MANIFESTS_PER_CHECKPOINT + 1


def compact_cli(out, env=None):
    env = {**os.environ, **(env or {})}
    if "NEWSLOOM_FAULT_AT" in env:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FAULTS), env.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-m", "newsloom.interfaces.cli", "compact", "--out", str(out)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def kill_at(out, point, marker):
    kill_when_marked(compact_cli(out, {"NEWSLOOM_FAULT_AT": point, "NEWSLOOM_FAULT_MARKER": str(marker)}),
                     marker, point, timeout=120)


STEPS = ["compact-stage", "compact-intent", "compact-move", "compact-manifest", "compact-retire", "compact-fold"]


def crash_then_finish(out, tmp_path, point):
    """Kill ``newsloom compact`` at ``point``; the Store still reads every row once; a second compact finishes
    (or redoes) the work; then the folders hold the same rows, merged."""
    store = Store(out)
    commit_runs(store, 0, 10)
    reference = snapshot(store)
    kill_at(out, point, tmp_path / "marker")
    crashed = snapshot(Store(out))
    for table in schemas.FACT_TABLES:
        assert crashed[table].equals(reference[table]), (point, table)
    if store.remote:  # the dead writer's lease outlives it: the operator unlocks (a local flock dies with it)
        assert "compaction" in store.break_lock()
    again = compact_cli(out)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    final = Store(out)
    for table in PUBLIC:
        assert folder_rows(out, table).equals(reference[table]), (point, table)
        assert n_files(final, table) == 1
    assert snapshot(final)["mentions"].equals(reference["mentions"])
    assert not final.exists(final.staging_dir("")) or not final.fs.ls(final._join("_staging"))
    return err


@pytest.mark.parametrize("point", STEPS)
def test_a_compaction_killed_at_any_step_leaves_a_whole_table(tmp_path, point):
    err = crash_then_finish(tmp_path / "out", tmp_path, point)
    if point in ("compact-move", "compact-manifest", "compact-retire"):
        assert "completed the commit" in err


@pytest.mark.slow
@pytest.mark.parametrize("point", STEPS)
def test_a_compaction_killed_at_any_step_on_s3_leaves_a_whole_table(s3, tmp_path, point):
    crash_then_finish(f"s3://news/compact-{point}", tmp_path, point)


def test_compact_command_says_what_it_merged(tmp_path):
    commit_runs(Store(tmp_path), 0, 4)
    p = compact_cli(tmp_path)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert "mentions: 4 parts merged into 1 files (32 rows" in err
    runs = pd.read_parquet(tmp_path / "runs.parquet")  # one row per run (CONTRACT.md): the compaction is in the log
    assert len(runs) == 4 and runs.compaction.isna().all()
    last = Store(tmp_path).manifests()[-1]
    assert last["kind"] == "compaction" and last["summary"]["tables"]["mentions"]["parts_in"] == 4


def recommitted_per_article(source: Store, store: Store) -> int:
    """A real run's rows committed again as one small run per article (many parts, as a schedule makes)."""
    import pyarrow.compute as pc

    tables = {t: source.read_table(t) for t in SHARED_NAMES}
    articles = tables["articles"]
    for i, (aid, doc) in enumerate(zip(articles.column("article_id").to_pylist(), articles.column("doc_id").to_pylist())):
        run_id = f"20260101T{i:06d}Z-r"
        for table, t in tables.items():
            key, value = ("doc_id", doc) if table == "documents" else ("article_id", aid)
            store.stage_part(run_id, table, t.filter(pc.equal(t.column(key), value)), "00000")
        store.commit(run_id, {"started_at": "2026-01-01T00:00:00+00:00"})
    return articles.num_rows


def comparable(table) -> pd.DataFrame:
    df = table.to_pandas().astype(str)
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def test_aggregates_are_equal_row_for_row_after_compaction(sample_run, tmp_path):
    from tasks.aggregate import compute_aggregates

    store = Store(tmp_path / "root")
    n = recommitted_per_article(Store(sample_run[0]), store)
    assert n_files(store, "articles") == n > 20
    before = compute_aggregates({t: store.committed_dataset(t) for t in schemas.FACT_TABLES})
    compact(store, Policy(1))
    assert n_files(store, "mentions") == 1 and n_files(store, "articles") == 1
    after = compute_aggregates({t: store.committed_dataset(t) for t in schemas.FACT_TABLES})
    for name in before:
        assert before[name].num_rows > 0 or name == "languages", name
        pd.testing.assert_frame_equal(comparable(before[name]), comparable(after[name]), obj=name)


@pytest.mark.slow
def test_a_run_compacts_as_its_last_step_and_says_so(tmp_path, prefect_harness):
    """Two real runs with compact_parts=1: the second finds two small parts and merges them; its summary and
    runs.parquet say what was merged, and the folders hold every row once."""
    from conftest import SAMPLE

    from flows.pipeline import news_pipeline

    files = sorted(p for p in SAMPLE.rglob("*") if p.is_file())
    halves = [tmp_path / "a", tmp_path / "b"]
    for half, chosen in zip(halves, (files[::2], files[1::2])):
        half.mkdir()
        for f in chosen:
            (half / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "out"
    first = news_pipeline(sources=[str(halves[0])], out=str(out), workers=1, settings={"compact_parts": 1})
    assert "compaction" not in first
    second = news_pipeline(sources=[str(halves[1])], out=str(out), workers=1, settings={"compact_parts": 1})
    assert second["compaction"]["tables"]["mentions"]["parts_in"] == 2
    store = Store(out)
    assert all(n_files(store, t) == 1 for t in ("documents", "articles", "mentions", "quotes"))
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 and pd.isna(runs.compaction.iloc[0])
    assert json.loads(runs.compaction.iloc[1])["mentions"]["files_out"] == 1
    assert len(pd.read_parquet(out / "articles")) == first["n_articles"] + second["n_articles"]
    assert not pd.read_parquet(out / "quotes").quote_id.duplicated().any()


def test_the_fold_does_not_depend_on_the_order_of_the_manifests(tmp_path):
    """Two compactions in one second sort by their ids' random suffix, the later one possibly first: the fold
    must not bring back a file that the later one merged away."""
    store = Store(tmp_path)
    commit_runs(store, 0, 3)
    first = compact(store, Policy(1))
    commit_runs(store, 3, 2)
    second = compact(store, Policy(1))
    manifests = tmp_path / "_manifests"
    (manifests / f"{first['op_id']}.json").rename(manifests / "20990101T000000Z-ffffff.json")  # now sorts last
    (manifests / f"{second['op_id']}.json").rename(manifests / "20990101T000000Z-000000.json")
    parts = store.committed_parts("mentions")
    assert len(parts) == 1 and store.fold_manifests() == 7
    assert store.committed_parts("mentions") == parts
    assert all(os.path.exists(p) for p in store.committed_parts("mentions"))
