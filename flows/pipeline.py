"""The news-pipeline flow: the list of stages, run in order over one output root.

    fetch -> clean -> deduplicate -> entity-extract -> resolve-identity -> cluster-quotes -> (commit)
    -> aggregate

Every stage is a ``newsloom.stage.Stage`` (see docs/architecture.md).  A stage's whole phase runs in the flow
process; its part phase runs as one generic task per staged part, submitted to the run's task runner: a
Dask cluster (a LocalCluster of ``workers`` processes, by default one per core, or the cluster at
``dask_address``), or, with ``workers=1``, one thread of the flow's own process.  Serial and parallel runs
run the same tasks.  Tasks pass table names and part keys, never DataFrames.

The run holds the output root's lock from start to end, commits its fact tables in one step after the
last staging stage, then recomputes the aggregates, compacts the fact tables where enough small parts wait
(newsloom.compaction) and records itself in ``runs.parquet``.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from datetime import datetime, timezone

import pyarrow.compute as pc
from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.cluster import Cluster
from newsloom import schemas
from newsloom.compaction import auto_compact, fold_if_due
from newsloom.config import DEFAULT_OUT, Config
from newsloom.lease import LockedError
from newsloom.preflight import run_config
from newsloom.stage import Stage, execute_part, execute_whole, last_rules, merge_counts, revise_part, stale_parts
from newsloom.storage import Store, new_run_id
from newsloom.util import get_logger, progress
from tasks.aggregate import QUERIES as AGGREGATE_QUERIES
from tasks.aggregate import STAGE as AGGREGATE
from tasks.aggregate import write_runs
from tasks.aggregate_update import STAGE as UPDATE_AGGREGATES
from tasks.clean import STAGE as CLEAN
from tasks.clusters import STAGE as CLUSTER_QUOTES
from tasks.dedup import STAGE as DEDUPLICATE
from tasks.extract import STAGE as EXTRACT
from tasks.fetch import STAGE as FETCH
from tasks.identity import STAGE as RESOLVE_IDENTITY

# The stages before the commit, in order; aggregate runs after it, over everything committed.
STAGES: list[Stage] = [FETCH, CLEAN, DEDUPLICATE, EXTRACT, RESOLVE_IDENTITY, CLUSTER_QUOTES]
# Where a parallel run runs each stage's parts (bench/pipeline.py, 400 articles on 2 workers, in
# docs/benchmarks.md): these stages' parts are light (a mapping applied to each row), and as Prefect tasks on
# Dask they cost more (1.7 to 2.2 s) than they do in the flow's process (0.2 to 1.0 s), so they always run
# here.  CLEAN's parts run here while the local cluster is still starting, and on the workers once it is up
# (hand_over).
LIGHT: tuple[Stage, ...] = (DEDUPLICATE, RESOLVE_IDENTITY, CLUSTER_QUOTES)
BEFORE_WORKERS: tuple[Stage, ...] = (CLEAN,)


@task(name="run-stage-part")
def run_stage_part(stage: Stage, config: Config, run_id: str, key: str, committed: bool = False) -> dict:
    """The one task of every stage: its part phase over the staged part ``key`` (or, ``committed``, over the
    committed part of that file name, which the commit then replaces: Stage.revises)."""
    return revise_part(stage, config, run_id, key) if committed else execute_part(stage, config, run_id, key)


def execute_stage(stage: Stage, config: Config, run_id: str, keys: list[str] | None = None) -> dict | None:
    """One stage over the run: its whole phase here, then its parts on the task runner of the calling flow.
    A stage whose parts table has no staged part has nothing to do and is skipped (None).  ``keys``: only
    these staged parts of a stage with no whole phase (the rest of it runs elsewhere: ``hand_over``)."""
    store = Store.of(config)
    whole = keys is None
    if whole:
        keys = store.staged_keys(run_id, stage.parts_of) if stage.part is not None else []
        if stage.part is not None and not keys:
            return None
    elif stage.whole is not None or stage.revises is not None:
        raise ValueError(f"stage {stage.name} has a whole phase: its parts cannot be run apart from it")
    results = [execute_whole(stage, config, run_id)] if stage.whole is not None else []
    # the largest parts first, so that the workers finish close together (longest processing time first)
    keys = parts_by_size(store, run_id, stage, keys, largest_first=True)
    futures = [run_stage_part.submit(stage, config, run_id, k) for k in keys]
    futures += [run_stage_part.submit(stage, config, run_id, p, committed=True) for p in stale_parts(store, stage, run_id)]
    for future in futures:  # progress is reported here, in the flow's process, as each part's result arrives
        results.append(future.result())
        progress(stage.name, results[-1].get("rows_in", 0))
    return merge_counts(stage.name, results, log=whole)


def parts_by_size(store: Store, run_id: str, stage: Stage, keys: list[str], largest_first: bool) -> list[str]:
    """The staged parts ``keys`` of ``stage`` ordered by their size on disk."""
    return sorted(keys, key=lambda k: store.staged_size(run_id, stage.parts_of, k), reverse=largest_first)


def hand_over(stage: Stage, config: Config, run_id: str, cluster: Cluster) -> tuple[dict, float, str]:
    """``stage`` (parts only: BEFORE_WORKERS) while the local cluster starts: this process runs the smallest
    parts, one at a time, until the workers are up, and the workers run every other part from then on.  So
    neither waits for the other: on heavy pages the workers take most of the stage, and on a small run this
    process may finish it before they are up.  Returns (counts, seconds, where its parts ran)."""
    t0 = time.perf_counter()
    store = Store.of(config)
    keys = parts_by_size(store, run_id, stage, store.staged_keys(run_id, stage.parts_of), largest_first=False)
    results = []
    while keys and not cluster.ready():
        results.append(run_stage_part(stage, config, run_id, keys.pop(0)))  # a task run in this process
        progress(stage.name, results[-1].get("rows_in", 0))
    ran = ["flow"] if results else []
    if keys:
        more, _ = execute_stages.with_options(task_runner=cluster.runner())([stage], config, run_id, keys)
        results.append(more[stage.name])
        ran.append("dask")
    return merge_counts(stage.name, results), round(time.perf_counter() - t0, 3), ", then ".join(ran)


@flow(name="news-pipeline-stages")
def execute_stages(stages: list[Stage], config: Config, run_id: str, keys: list[str] | None = None) -> tuple[dict, dict]:
    """The stages in order, on the task runner given with with_options: (counts by stage, seconds by stage).
    ``keys``: only these parts of the one stage given (``execute_stage``)."""
    if keys is not None and len(stages) != 1:
        raise ValueError("parts are named for one stage at a time")
    counts, seconds = {}, {}
    for stage in stages:
        t0 = time.perf_counter()
        result = execute_stage(stage, config, run_id, keys)
        seconds[stage.name] = round(time.perf_counter() - t0, 3)
        if result is not None:
            counts[stage.name] = result
    return counts, seconds


def acquire_waiting(store: Store, run_id: str, wait: float, log) -> str | None:
    """The output root's lock, waiting up to ``wait`` seconds for another run to release it (and saying so
    in the log once a minute); LockedError after that."""
    deadline = time.monotonic() + wait
    said = -math.inf
    while True:
        try:
            return store.acquire(run_id)
        except LockedError as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            if time.monotonic() - said >= 60:
                log.info(f"waiting up to {left:.0f} s more for the output root: {exc}")
                said = time.monotonic()
            time.sleep(min(5.0, left))


def _rejects_by_reason(store: Store, run_id: str) -> dict[str, int]:
    t = store.read_table("rejects", columns=["reason", "run_id"])
    t = t.filter(pc.equal(t.column("run_id"), run_id))
    return dict(sorted(Counter(t.column("reason").to_pylist()).items()))


@flow(name="news-pipeline", log_prints=True)
def news_pipeline(
    sources: list[str] | None = None,
    out: str = DEFAULT_OUT,
    model: str | dict[str, str] | None = None,
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
    config = run_config(**{**(settings or {}), **{k: v for k, v in given.items() if v is not None}})
    log, store = get_logger(), Store.of(config)
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    if note := acquire_waiting(store, run_id, config.lock_wait, log):
        log.warning(note)
    cluster = Cluster(config)
    try:
        config = _sized_for_cluster(config, cluster, log)
        for action in store.recover():
            log.warning(action)
        counts, timings, where = _stage_the_run(config, run_id, cluster, store)
        summary = run_summary(config, counts, timings, started)
        summary["stage_runners"] = where
        summary["rules"] = rules_applied(store, counts)
        summary["languages"] = language_summary(store, config, run_id)
        _commit_and_aggregate(store, config, run_id, summary, timings)
    except BaseException:
        store.discard(run_id)  # a committed run keeps its rows; only uncommitted staging goes
        raise
    finally:
        cluster.close()
        store.release()
    summary.update(run_id=run_id, out=store.url, rejects_by_reason=_rejects_by_reason(store, run_id),
                   table_rows=table_rows(store))
    _publish_artifacts(store, summary)
    _log_completion(log, summary)
    return summary


def _sized_for_cluster(config: Config, cluster: Cluster, log) -> Config:
    """On an existing Dask cluster with no ``workers`` given, parts are sized for its threads as they are now."""
    if config.dask_address and not config.workers:
        config = config.model_copy(update={"workers": cluster.threads()})
        log.info(f"Dask cluster at {config.dask_address}: {config.workers} worker threads")
    return config


def _stage_the_run(config: Config, run_id: str, cluster: Cluster, store: Store) -> tuple[dict, dict, dict]:
    """Every stage before the commit: (counts by stage, seconds by stage, where each stage's parts ran).  Fetch
    has no parts to spread; the parts it makes decide the runner of the others: one part (or none, a rerun with
    nothing new) runs in this process, as starting workers would only cost time.  Otherwise the local cluster
    starts in the background, and the stages that do not need it run here (LIGHT, BEFORE_WORKERS)."""
    counts, timings = execute_stages(STAGES[:1], config, run_id)
    serial = config.serial or (len(store.staged_keys(run_id, STAGES[1].parts_of)) < 2 and not config.dask_address)
    where = {STAGES[0].name: "flow"}
    if not serial:
        cluster.start()
    for i, stage in enumerate(STAGES[1:], start=1):
        if not serial and stage in BEFORE_WORKERS and store.staged_keys(run_id, stage.parts_of):
            counts[stage.name], timings[stage.name], where[stage.name] = hand_over(stage, config, run_id, cluster)
            continue
        here = serial or stage in LIGHT
        more, seconds = execute_stages.with_options(task_runner=cluster.runner(serial=here))([stage], config, run_id)
        counts.update(more)
        timings.update(seconds)
        where[stage.name] = "flow" if here else "dask"
        if all(later in LIGHT for later in STAGES[i + 1:]):
            cluster.close()  # the workers' memory goes back as soon as no stage needs them
    return counts, timings, where


def run_summary(config: Config, counts: dict[str, dict], timings: dict, started: datetime) -> dict:
    """The run summary (runs.parquet, the manifest, the Prefect artifact) from what each stage declares it
    reports (``Stage.reports``): a stage that did not run reports zeros; a stage that ran without a count it
    declares fails loudly."""
    summary = {"started_at": started.isoformat(), "finished_at": None, "status": "committed",
               "sources": list(config.sources)}
    for stage in STAGES:
        ran = counts.get(stage.name)
        for field, key in stage.reports.items():
            summary[field] = 0 if ran is None else ran[key]
    summary["n_rejects"] = sum(sum(c["rejects"].values()) for c in counts.values())
    fetched = counts.get(STAGES[0].name, {})
    summary["fetch"] = {k: v for k, v in fetched.items() if k not in ("stage", "rejects")}
    summary["stage_seconds"] = timings
    return summary


def rules_applied(store: Store, counts: dict[str, dict]) -> dict[str, str]:
    """The rule version each deciding stage leaves the root under (runs.rules): its own where it ran, the
    last run's where it had nothing to do (a run that decided nothing puts no row under a newer rule)."""
    before = last_rules(store.read_aggregate("runs", columns=None))
    out = {}
    for stage in STAGES:
        version = stage.rule if stage.name in counts else before.get(stage.name)
        if stage.rule is not None and version is not None:
            out[stage.name] = version
    return out


def _commit_and_aggregate(store: Store, config: Config, run_id: str, summary: dict, timings: dict) -> None:
    t0 = time.perf_counter()
    manifest = store.commit(run_id, summary)
    timings["commit"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    updated = aggregates_updatable(store, manifest)
    execute_stage(UPDATE_AGGREGATES if updated else AGGREGATE, config, run_id)
    summary["aggregates"] = "updated" if updated else "recomputed"
    timings["aggregate"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    if (compaction := auto_compact(store, config)) is not None:  # the same rows: the aggregates stay right
        summary["compaction"] = compaction
        timings["compact"] = round(time.perf_counter() - t0, 3)
    summary.update(finished_at=datetime.now(timezone.utc).isoformat(), status="completed", stage_seconds=timings)
    store.update_manifest(run_id, **summary)
    fold_if_due(store)
    write_runs(store)


def aggregates_updatable(store: Store, manifest: dict) -> bool:
    """Whether the run may update the aggregates from its own rows (tasks.aggregate_update) rather than
    recompute them: it revised no committed part, the run before it completed (its aggregates are whole),
    and every aggregate the update keeps rows of was written by this version (the same columns)."""
    if manifest.get("revised"):
        return False
    runs = [m for m in store.manifests() if m.get("kind", "run") == "run" and m["run_id"] != manifest["run_id"]]
    if not runs or runs[-1]["summary"].get("status") != "completed":
        return False
    return all(store.aggregate_columns(name) == schemas.AGGREGATES[name].names for name in AGGREGATE_QUERIES)


def _log_completion(log, summary: dict) -> None:
    log.info(f"run {summary['run_id']} completed: {summary['n_documents']} documents, {summary['n_articles']} "
             f"articles, {summary['n_duplicates']} duplicates, {summary['n_mentions']} mentions, "
             f"{summary['n_quotes']} quotes, rejects {summary['rejects_by_reason'] or 'none'}")
    if summary["languages"]:
        log.info(describe_languages(summary["languages"]))


def describe_languages(languages: dict) -> str:
    """One line for the log and the CLI: each language, its articles and the model that served it."""
    return "languages: " + ", ".join(f"{k} {v['articles']} articles ({v['model'] or 'no model'})"
                                     for k, v in languages.items())


def language_summary(store: Store, config: Config, run_id: str) -> dict:
    """Per language of the run's original articles (staged, before the commit): how many, and which spaCy model
    served them (``name version``; null where none did)."""
    from newsloom.models import model_for, model_registry, model_version

    t = store.read_staged(run_id, "articles", None, columns=["language", "dup_of"])
    counts = Counter(lang for lang, dup in zip(t.column("language").to_pylist(), t.column("dup_of").to_pylist())
                     if dup is None)
    out = {}
    for lang, n in sorted(counts.items(), key=lambda x: (-x[1], x[0] or "")):
        model = model_for(model_registry(config.model), lang)
        out[lang or "unknown"] = {"articles": n, "model": model_version(model) if model else None}
    return out


def table_rows(store: Store) -> dict[str, int]:
    """Rows in every table of the output root (fact tables in total, aggregates as written)."""
    rows = {}
    for name in ("documents", "articles", "mentions", "quotes", "rejects"):
        rows[name] = sum(store.num_rows(p) for p in store.committed_parts(name))
    for name in ("entities", "entity_daily", "cooccurrence", "speakers", "quote_clusters", "speaker_mentions", "languages",
                 "runs"):
        rows[name] = store.num_rows(store.aggregate_path(name)) if store.has_aggregate(name) else 0
    return rows


def _publish_artifacts(store: Store, summary: dict) -> None:
    """A table artifact with the run's counts and a markdown artifact with top entities and speakers."""

    try:
        table = [{"what": f"rows in {k}", "value": v} for k, v in summary["table_rows"].items()]
        table += [{"what": f"this run: {k}", "value": summary[k]} for k in
                  ("n_documents", "n_articles", "n_duplicates", "n_mentions", "n_quotes", "n_rejects")]
        table += [{"what": f"fetch: {k}", "value": v} for k, v in summary.get("fetch", {}).items()]
        table += [{"what": f"rejects: {k}", "value": v} for k, v in summary["rejects_by_reason"].items()]
        table += [{"what": f"seconds: {k}", "value": v} for k, v in summary["stage_seconds"].items()]
        table += [{"what": f"language {k}: articles, model", "value": f"{v['articles']}, {v['model'] or 'none'}"}
                  for k, v in summary.get("languages", {}).items()]
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
