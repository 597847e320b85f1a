"""A schedule of small runs on one output root: how many files the tables hold, what reading them costs, and
what each run's commit and upkeep cost, through the real commit and compaction code.

    python -m bench.schedule                                  # 720 hourly runs of 4 articles, compact_parts 8
    python -m bench.schedule --compact-parts 0 2 4 8 16       # the thresholds compared (0: no compaction)
    python -m bench.schedule --log-runs 10000                 # the log alone after 10,000 runs, folded or not
    python -m bench.schedule --pipeline                       # + real runs of 4 new articles: fresh root vs 720 runs

The runs are synthesised, as fast as they can be: a real ``newsloom run`` over 100 articles of the bench
corpus (bench.corpus) makes a template root once.  Each simulated run takes 4 of its original articles, gives
them new ids, stages their rows in every fact table (Store.stage_part) and commits them (Store.commit), then
does what the flow does after its commit: ``auto_compact``, ``update_manifest``, ``fold_if_due`` and
``write_runs``.  Only the NLP stages and the aggregates are left out.

``--pipeline`` then times ``newsloom run`` (``--workers 1``) of 4 articles the template never saw, into a
fresh root and into a copy of the scheduled root (after one settling run of 4 other articles: see
``pipeline_runs``), twice each: wall seconds, and the run's own seconds (the sum of its stage_seconds in
runs.parquet).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._shared import OUT  # noqa: E402
from bench.corpus import ensure  # noqa: E402
from bench.pipeline import bench_env  # noqa: E402

TEMPLATE_ARTICLES = 100
NEW_ARTICLES = 4  # the articles a scheduled run brings, as the hourly schedule does
START = datetime(2025, 1, 1, tzinfo=timezone.utc)  # before any real run, which then sorts last
READS = 7  # reads per timing: the median is reported
ID_COLUMNS = {"documents": ("doc_id",), "articles": ("article_id", "doc_id", "dup_of"), "mentions": ("article_id",),
              "quotes": ("article_id", "quote_id"), "_signatures": ("article_id",), "_statements": ("quote_id",)}


def template_root() -> tuple[Path, Path]:
    """(the template root, a folder of 4 articles it never saw), made once under bench/out."""
    corpus = ensure(TEMPLATE_ARTICLES + NEW_ARTICLES, seed=11)
    base = OUT / "schedule"
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    inputs, fresh, root = base / "template-in", base / "new-in", base / "template-root"
    if not (root / "runs.parquet").exists() or not (root / "_statements").exists():
        shutil.rmtree(base, ignore_errors=True)
        for folder, chosen in ((inputs, files[:TEMPLATE_ARTICLES]), (fresh, files[TEMPLATE_ARTICLES:])):
            folder.mkdir(parents=True)
            for f in chosen:
                shutil.copy(f, folder / f.name)
        cmd = [sys.executable, "-m", "newsloom.interfaces.cli", "run", str(inputs), "--out", str(root), "--workers", "1"]
        subprocess.run(cmd, check=True, env=bench_env(), capture_output=True)
    return root, fresh


class Synthesiser:
    """Runs of ``per_run`` articles cut from the template root's original articles, with new ids."""

    def __init__(self, root: Path, per_run: int):
        self.per_run = per_run
        articles = pd.read_parquet(root / "articles")
        originals = articles[articles.dup_of.isna()]
        self.ids = sorted(originals.article_id)
        doc_of = dict(zip(originals.article_id, originals.doc_id))
        self.rows: dict[str, dict[str, pd.DataFrame]] = {}
        for table in ID_COLUMNS:
            df = pd.read_parquet(root / table)
            if table == "_statements":  # keyed by quote: each quote's article, to cut them by article
                df = df.merge(pd.read_parquet(root / "quotes", columns=["quote_id", "article_id"]), on="quote_id")
            key = "doc_id" if table == "documents" else "article_id"
            wanted = {doc_of[a] for a in self.ids} if table == "documents" else set(self.ids)
            self.rows[table] = {k: g for k, g in df[df[key].isin(wanted)].groupby(key)}
        self.doc_of = doc_of

    def tables(self, i: int, run_id: str) -> dict[str, pa.Table]:
        from newsloom import schemas

        chosen = [self.ids[(i * self.per_run + j) % len(self.ids)] for j in range(self.per_run)]
        out = {}
        for table, columns in ID_COLUMNS.items():
            keys = [self.doc_of[a] for a in chosen] if table == "documents" else chosen
            df = pd.concat([self.rows[table][k] for k in keys if k in self.rows[table]]).copy()
            if table == "_statements":
                df = df.drop(columns=["article_id"])
            for c in columns:
                df[c] = df[c].where(df[c].isna(), df[c].astype(str) + f"~{i}")
            df["run_id"] = run_id
            if "source" in df:
                df["source"] = df["source"] + f"#{i}"
            out[table] = schemas.conform(pa.Table.from_pandas(df, preserve_index=False), schemas.FACT_TABLES[table])
        return out


def one_run(store, synth: Synthesiser, config, i: int) -> dict[str, float]:
    """Commit simulated run ``i`` and do the flow's upkeep after it; seconds of each step."""
    from newsloom.compaction import auto_compact, fold_if_due
    from tasks.aggregate import write_runs

    at = START + timedelta(hours=i)
    run_id = at.strftime("%Y%m%dT%H%M%SZ") + f"-{i:06x}"
    for table, t in synth.tables(i, run_id).items():
        store.stage_part(run_id, table, t, "00000")
    t0 = time.perf_counter()
    store.commit(run_id, {"started_at": at.isoformat(), "finished_at": at.isoformat(), "status": "completed",
                          "n_articles": synth.per_run})
    t1 = time.perf_counter()
    compaction = auto_compact(store, config)
    t2 = time.perf_counter()
    store.update_manifest(run_id, compaction=compaction)
    fold_if_due(store)
    write_runs(store)
    t3 = time.perf_counter()
    return {"commit": t1 - t0, "compact": t2 - t1, "log": t3 - t2}


def median_read(read) -> float:
    times = []
    for _ in range(READS):
        t0 = time.perf_counter()
        read()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def files_and_reads(root: Path) -> dict:
    """Files per fact table (as an analyst's folder listing sees them) and pandas' read of mentions: the
    folder against one file of the same rows.  ``schedule`` keeps the worst of the runs before a mark."""
    files = {t: len(list((root / t).glob("*.parquet"))) for t in ("documents", "articles", "mentions", "quotes",
                                                                   "rejects")}
    one = Path(tempfile.mkdtemp()) / "mentions.parquet"
    pq.write_table(pq.read_table(root / "mentions"), one, compression="zstd")
    folder_s, one_s = median_read(lambda: pd.read_parquet(root / "mentions")), median_read(lambda: pd.read_parquet(one))
    return {"files": files, "read_folder_ms": round(folder_s * 1e3, 1), "read_one_file_ms": round(one_s * 1e3, 1),
            "read_ratio": round(folder_s / one_s, 2), "manifests": len(list((root / "_manifests").glob("*.json")))}


def log_costs(root: Path) -> dict:
    """A cold reader's listing of a table's parts, and the runs table, in ms."""
    from newsloom import tablelog
    from newsloom.storage import Store
    from tasks.aggregate import runs_table

    def cold_listing():
        tablelog._COMMITTED_FILES.clear()
        tablelog._CHECKPOINTS.clear()
        Store(root).committed_parts("mentions")

    return {"list_parts_cold_ms": round(median_read(cold_listing) * 1e3, 1),
            "runs_table_ms": round(median_read(lambda: runs_table(Store(root))) * 1e3, 1)}


def schedule(n_runs: int, compact_parts: int, synth: Synthesiser, root: Path) -> dict:
    from newsloom.config import Config
    from newsloom.storage import Store

    shutil.rmtree(root, ignore_errors=True)
    store, config = Store(root), Config(compact_parts=compact_parts)
    costs, at = [], {}
    window = compact_parts + 1  # the runs before a checkpoint cover every count of waiting parts
    for i in range(n_runs):
        costs.append(one_run(store, synth, config, i))
        for mark in (30, n_runs):
            if mark - window <= i + 1 <= mark:
                seen = files_and_reads(root)
                worst = at.get(mark)
                at[mark] = seen if worst is None or seen["read_ratio"] > worst["read_ratio"] else worst
    step = {k: [c[k] for c in costs] for k in costs[0]}
    total = [sum(c.values()) for c in costs]
    return {"runs": n_runs, "compact_parts": compact_parts, "after": at, "log": log_costs(root),
            "upkeep_ms_first_30": round(statistics.mean(total[:30]) * 1e3, 1),
            "upkeep_ms_last_30": round(statistics.mean(total[-30:]) * 1e3, 1),
            "compact_ms_max": round(max(step["compact"]) * 1e3, 1),
            "compactions": sum(1 for m in store.manifests() if m.get("kind") == "compaction")}


def log_only(n_runs: int, fold: bool, root: Path) -> dict:
    """``n_runs`` commits of one rejects row each (the log, not the tables, is measured), with the flow's fold
    after each or never; then a cold listing and the runs table."""
    from newsloom import schemas
    from newsloom.compaction import fold_if_due
    from newsloom.storage import Store

    shutil.rmtree(root, ignore_errors=True)
    store = Store(root)
    t0 = time.perf_counter()
    for i in range(n_runs):
        at = START + timedelta(hours=i)
        run_id = at.strftime("%Y%m%dT%H%M%SZ") + f"-{i:06x}"
        row = {"source": f"feed/{i}.pdf", "stage": "fetch", "reason": "unsupported_type", "run_id": run_id}
        store.stage_part(run_id, "rejects", schemas.from_rows([row], schemas.REJECTS), "fetch-00000")
        store.commit(run_id, {"started_at": at.isoformat(), "finished_at": at.isoformat(), "status": "completed"})
        if fold:
            fold_if_due(store)
    return {"runs": n_runs, "folded": fold, "seconds": round(time.perf_counter() - t0, 1), **log_costs(root),
            "manifest_files": len(list((root / "_manifests").glob("*.json")))}


def timed_run(new_in: Path, out: Path) -> dict:
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "newsloom.interfaces.cli", "run", str(new_in), "--out", str(out), "--workers", "1"]
    subprocess.run(cmd, check=True, env=bench_env(), capture_output=True)
    wall = time.perf_counter() - t0
    last = pd.read_parquet(out / "runs.parquet").iloc[-1]
    stages = json.loads(last.stage_seconds)
    return {"wall_s": round(wall, 1), "own_s": round(sum(stages.values()), 2), "stages": stages}


def settling_articles() -> Path:
    """4 articles of another seed, which neither the template nor the timed runs hold."""
    corpus = ensure(NEW_ARTICLES, seed=12)
    folder = OUT / "schedule" / "settle-in"
    if not folder.exists():
        folder.mkdir(parents=True)
        for f in sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")):
            shutil.copy(f, folder / f.name)
    return folder


def pipeline_runs(new_in: Path, scheduled: Path, repeats: int = 2) -> dict:
    """Real runs of the 4 new articles into a fresh root and into a copy of the scheduled root.  On the copy,
    a first real run (of 4 other articles) settles the root: the synthesised runs skipped the stages that
    decide over the corpus, so their rows are not yet what those stages decide, and their runs recorded no
    rule (runs.rules).  A scheduled root has both after every run; the run after the settling one is timed."""
    settle_in = settling_articles()
    results = {"fresh": [], "settling": [], "scheduled": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            results["fresh"].append(timed_run(new_in, Path(tmp) / "fresh"))
            shutil.copytree(scheduled, Path(tmp) / "copy")
            results["settling"].append(timed_run(settle_in, Path(tmp) / "copy"))
            results["scheduled"].append(timed_run(new_in, Path(tmp) / "copy"))
    return results


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=720)
    ap.add_argument("--compact-parts", type=int, nargs="+", default=[8])
    ap.add_argument("--pipeline", action="store_true", help="also time real runs of 4 new articles")
    ap.add_argument("--reuse", action="store_true", help="with --pipeline: time on the scheduled root left by the last "
                    "run of this bench, without simulating the schedule again")
    ap.add_argument("--log-runs", type=int, help="measure the log alone after this many runs, folded and not")
    args = ap.parse_args(argv)
    if args.log_runs:
        for fold in (True, False):
            print(json.dumps(log_only(args.log_runs, fold, OUT / "schedule" / f"log-{args.log_runs}-{fold}")))
        return
    template, new_in = template_root()
    synth = Synthesiser(template, NEW_ARTICLES)
    for n in args.compact_parts:
        root = OUT / "schedule" / f"root-{args.runs}-{n}"
        if not (args.reuse and (root / "runs.parquet").exists()):
            print(json.dumps(schedule(args.runs, n, synth, root)), flush=True)
        if args.pipeline:
            print(json.dumps({"compact_parts": n, "pipeline": pipeline_runs(new_in, root)}), flush=True)


if __name__ == "__main__":
    main()
