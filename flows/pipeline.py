"""The news-pipeline flow: fetch -> clean -> deduplicate -> entity-extract -> aggregate.

Tasks pass paths of staged Parquet parts, never DataFrames.  The run holds the output root's
lock from start to end, commits its fact tables in one step after extraction, then recomputes
the aggregates and records itself in ``runs.parquet``.
"""
from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.compute as pc
from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from newsloom.config import DEFAULT_MODEL, DEFAULT_OUT, Config, make_config
from newsloom.storage import Store, new_run_id
from newsloom.util import get_logger, merge_part_results
from tasks.aggregate import aggregate, write_runs
from tasks.clean import clean, clean_part_task
from tasks.clusters import cluster_quotes_task
from tasks.dedup import deduplicate
from tasks.extraction import extract, extract_part_task, resolve_surnames_task
from tasks.fetch import fetch

PART_TASKS = {"clean": clean_part_task, "entity-extract": extract_part_task}


def prefect_api_url() -> str | None:
    """The API this process talks to: PREFECT_API_URL, or the temporary local server it started."""
    from prefect.settings import PREFECT_API_URL

    if url := PREFECT_API_URL.value():
        return url
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    return server.api_url if server.running else None


class Cluster:
    """The run's Dask cluster: the one at ``dask_address``, or a LocalCluster of ``workers``
    single-threaded processes, started on first use and shared by every parallel stage of the run
    (so worker processes import the code and load the model once per run, not once per stage).

    Local workers talk to the run's own Prefect API: without this, each worker process of an
    ephemeral-mode run starts a temporary Prefect server of its own (about 12 s of CPU each)."""

    def __init__(self, config: Config):
        self.config, self._local = config, None

    def address(self) -> str:
        if self.config.dask_address:
            return self.config.dask_address
        if self._local is None:
            from distributed import LocalCluster

            env = {"PREFECT_API_URL": url} if (url := prefect_api_url()) else {}
            self._local = LocalCluster(n_workers=self.config.workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, env=env)
        return self._local.scheduler_address

    def threads(self) -> int:
        """Worker threads of the cluster: what the batches are sized to keep busy."""
        if not self.config.dask_address:
            return self.config.workers or 1
        from distributed import Client

        with Client(self.config.dask_address, timeout=60) as client:
            return max(1, sum(client.nthreads().values()))

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None


@flow(name="news-pipeline-parts")
def parallel_stage(stage: str, config: Config, run_id: str, parts: list[str]) -> dict:
    """Run one stage's parts as concurrent tasks (on the Dask runner given with with_options)."""
    futures = [PART_TASKS[stage].submit(config, run_id, p) for p in parts]
    return merge_part_results(stage, [f.result() for f in futures])


def run_stage(stage: str, config: Config, run_id: str, parts: list[str], cluster: Cluster) -> dict:
    if config.parallel and parts:
        from prefect_dask import DaskTaskRunner

        runner = DaskTaskRunner(address=cluster.address())
        return parallel_stage.with_options(task_runner=runner)(stage, config, run_id, parts)
    return {"clean": clean, "entity-extract": extract}[stage](config, run_id, parts)


def _rejects_by_reason(store: Store, run_id: str) -> dict[str, int]:
    t = store.read_table("rejects", columns=["reason", "run_id"])
    t = t.filter(pc.equal(t.column("run_id"), run_id))
    return dict(sorted(Counter(t.column("reason").to_pylist()).items()))


@flow(name="news-pipeline", log_prints=True)
def news_pipeline(
    sources: list[str] | None = None,
    out: str = DEFAULT_OUT,
    model: str = DEFAULT_MODEL,
    dedup: bool = True,
    batch_size: int | None = None,
    aliases_file: str | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    refetch: bool = False,
    settings: dict | None = None,
) -> dict:
    """Run every stage over ``sources`` into the output root ``out``; return the run summary.

    ``settings`` sets any other field of ``newsloom.config.Config`` (timeouts, ``allow_private``,
    ``respect_robots``, ``concurrency``, ...); unknown names and bad values fail before any work.
    """
    given = dict(sources=sources, out=out, model=model, dedup=dedup, batch_size=batch_size, aliases_file=aliases_file,
                 workers=workers, dask_address=dask_address, refetch=refetch or None)
    config = make_config(**{**(settings or {}), **{k: v for k, v in given.items() if v is not None}})
    log = get_logger()
    store = Store.of(config)
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    store.acquire(run_id)
    cluster = Cluster(config)
    try:
        if config.dask_address and not config.workers:  # size the batches for the cluster as it is now
            config = config.model_copy(update={"workers": cluster.threads()})
            log.info(f"Dask cluster at {config.dask_address}: {config.workers} worker threads")
        for action in store.recover():
            log.warning(action)
        timings: dict[str, float] = {}

        def timed(name, fn, *args):
            t0 = time.perf_counter()
            result = fn(*args)
            timings[name] = round(time.perf_counter() - t0, 3)
            return result

        fetched = timed("fetch", fetch, config, run_id)
        cleaned = timed("clean", run_stage, "clean", config, run_id, fetched["parts"], cluster)
        deduped = timed("deduplicate", deduplicate, config, run_id, cleaned["parts"])
        extracted = timed("entity-extract", run_stage, "entity-extract", config, run_id, deduped["parts"], cluster)
        cluster.close()  # the workers' memory goes back before the single-process steps
        if extracted["counts"]["rows_out"]:
            timed("resolve-surnames", resolve_surnames_task, config, run_id)
        if extracted["counts"].get("quotes"):
            timed("cluster-quotes", cluster_quotes_task, config, run_id)
        xc = extracted["counts"]
        n_rejects = sum(sum(r["counts"]["rejects"].values()) for r in (fetched, cleaned, extracted))
        summary = {
            "started_at": started.isoformat(), "finished_at": None, "status": "committed",
            "sources": list(config.sources),
            "n_documents": fetched["counts"]["rows_out"], "n_articles": deduped["counts"]["rows_out"],
            "n_duplicates": deduped["counts"].get("duplicates", 0),
            "n_mentions": xc.get("mentions", 0), "n_quotes": xc.get("quotes", 0), "n_rejects": n_rejects,
            "already_seen": fetched["counts"].get("already_seen", 0),
            "fetch": {k: v for k, v in fetched["counts"].items() if k not in ("stage", "rejects")},
            "stage_seconds": timings,
        }
        t0 = time.perf_counter()
        store.commit(run_id, summary)
        timings["commit"] = round(time.perf_counter() - t0, 3)
        timed("aggregate", aggregate, config, run_id)
        summary.update(finished_at=datetime.now(timezone.utc).isoformat(), status="completed", stage_seconds=timings)
        store.update_manifest(run_id, **summary)
        write_runs(store)
    except BaseException:
        store.discard(run_id)  # a committed run keeps its rows; only uncommitted staging goes
        raise
    finally:
        cluster.close()
        store.release()
    summary["run_id"] = run_id
    summary["out"] = store.url
    summary["rejects_by_reason"] = _rejects_by_reason(store, run_id)
    summary["table_rows"] = table_rows(store)
    _publish_artifacts(store, summary)
    log.info(f"run {run_id} completed: {summary['n_documents']} documents, {summary['n_articles']} articles, "
             f"{summary['n_duplicates']} duplicates, {summary['n_mentions']} mentions, {summary['n_quotes']} quotes, "
             f"rejects {summary['rejects_by_reason'] or 'none'}")
    return summary


def table_rows(store: Store) -> dict[str, int]:
    """Rows in every table of the output root (fact tables in total, aggregates as written)."""
    import pyarrow.parquet as pq

    rows = {}
    for name in ("documents", "articles", "mentions", "quotes", "rejects"):
        rows[name] = sum(store.num_rows(p) for p in store.committed_parts(name))
    for name in ("entities", "entity_daily", "cooccurrence", "speakers", "quote_clusters", "speaker_mentions", "runs"):
        rows[name] = store.num_rows(store.aggregate_path(name)) if store.has_aggregate(name) else 0
    return rows


def _publish_artifacts(store: Store, summary: dict) -> None:
    """A table artifact with the run's counts and a markdown artifact with top entities and speakers."""
    import pyarrow.parquet as pq

    try:
        table = [{"what": f"rows in {k}", "value": v} for k, v in summary["table_rows"].items()]
        table += [{"what": f"this run: {k}", "value": summary[k]} for k in
                  ("n_documents", "n_articles", "n_duplicates", "n_mentions", "n_quotes", "n_rejects")]
        table += [{"what": f"fetch: {k}", "value": v} for k, v in summary.get("fetch", {}).items()]
        table += [{"what": f"rejects: {k}", "value": v} for k, v in summary["rejects_by_reason"].items()]
        table += [{"what": f"seconds: {k}", "value": v} for k, v in summary["stage_seconds"].items()]
        create_table_artifact(key="newsloom-run-summary", table=table,
                              description=f"newsloom run {summary['run_id']} into {summary['out']}")
        lines = [f"# newsloom run {summary['run_id']}", ""]
        ent = store.read_aggregate("entities", columns=["name", "label", "n_mentions", "n_articles"])
        if ent is not None:
            df = ent.to_pandas().head(10)
            lines += ["## Top entities", "", "| name | label | mentions | articles |", "|---|---|---|---|"]
            lines += [f"| {r.name} | {r.label} | {r.n_mentions} | {r.n_articles} |" for r in df.itertuples()]
        spk = store.read_aggregate("speakers", columns=["name", "n_quotes", "n_articles"])
        if spk is not None:
            df = spk.to_pandas().head(10)
            lines += ["", "## Top speakers", "", "| name | quotes | articles |", "|---|---|---|"]
            lines += [f"| {r.name} | {r.n_quotes} | {r.n_articles} |" for r in df.itertuples()]
        create_markdown_artifact(key="newsloom-top-entities", markdown="\n".join(lines))
    except Exception as exc:  # artifacts are a report; never fail a committed run over them
        get_logger().warning(f"could not publish artifacts: {exc}")


if __name__ == "__main__":
    news_pipeline()
