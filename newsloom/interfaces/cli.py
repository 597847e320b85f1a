"""The ``newsloom`` command."""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsloom.config import DEFAULT_OUT, DEFAULT_SOURCES, ConfigError
from newsloom.preflight import run_config
from newsloom.util import PROGRESS_LOGGER

app = typer.Typer(help="newsloom: news into analytics-ready Parquet tables.", no_args_is_help=True,
                  add_completion=False)
console = Console(stderr=True)



def quiet_local_server() -> None:
    """Before Prefect is imported, for the temporary local API server that a run without PREFECT_API_URL
    starts: no analytics or telemetry (with no internet they only print an ERROR that is not about the
    user's data), and 120 s for it to start instead of 20 (a first run creates its database, 12-14 s on an
    idle 2-core machine and more on a busy one).  A value the user set wins."""
    if not os.environ.get("PREFECT_API_URL"):
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
        # at exit Prefect flushes the run's events to the temporary server and warns "Still processing
        # items" while it does: a notice about its own shutdown, not about the user's data
        logging.getLogger("EventsWorker").setLevel(logging.ERROR)


@app.callback()
def main() -> None:
    """newsloom: news into analytics-ready Parquet tables."""


@app.command()
def run(
    sources: Optional[list[str]] = typer.Argument(None, help="Files or folders to read (default: data/raw)."),
    out: str = typer.Option(DEFAULT_OUT, "--out", help="Output root for the tables."),
    model: str = typer.Option(None, "--model", help="spaCy model(s): one (en_core_web_lg, a path) or a mapping "
                              "en=en_core_web_sm,fr=fr_core_news_sm; installed pipelines serve their language anyway."),
    no_dedup: bool = typer.Option(False, "--no-dedup", help="Mark no duplicates."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Documents per batch (default 200)."),
    aliases: Optional[str] = typer.Option(None, "--aliases",
                                          help="CSV alias table (alias,name,label) added to the shipped one."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Run the stages' parts on a local Dask cluster "
                                                                  "of N processes (default: one per core; 1: all "
                                                                  "in this process)."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address",
                                               help="Run the stages' parts on the Dask cluster at tcp://host:port."),
    refetch: bool = typer.Option(False, "--refetch", help="Fetch URLs again even when documents has them."),
    setting: Optional[list[str]] = typer.Option(None, "--set", metavar="KEY=VALUE",
                                                help="Any other setting, e.g. --set read_timeout=10 "
                                                     "--set respect_robots=false (repeatable)."),
) -> None:
    """Run fetch, clean, deduplicate, entity-extract and aggregate over SOURCES into --out."""
    sources = sources or list(DEFAULT_SOURCES)
    try:  # fail on bad settings before any work or any Prefect start-up
        settings = parse_settings(setting or [])
        run_config(**settings, sources=sources, out=out, model=model, dedup=not no_dedup, batch_size=batch_size,
                    aliases_file=aliases, workers=workers, dask_address=dask_address, refetch=refetch or None)
    except ConfigError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2)

    quiet_local_server()
    from flows.cluster import start_local_api

    local_api = start_local_api()  # its start-up runs beside the imports below
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.pipeline import news_pipeline
    from newsloom.lease import LockedError, LockLost

    bars = ProgressBars(console, enabled=console.is_terminal and not os.environ.get("CI"))
    if local_api is not None:
        local_api.join()
    try:
        with bars, temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            summary = news_pipeline(sources=sources, out=out, model=model, dedup=not no_dedup, batch_size=batch_size,
                                    aliases_file=aliases, workers=workers, dask_address=dask_address,
                                    refetch=refetch, settings=settings or None)
    except (LockedError, LockLost) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(3)
    except ConfigError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2)
    print_summary(summary)


class ProgressBars(logging.Handler):
    """A bar per stage, fed by the ``newsloom.progress`` log records the flow emits (newsloom.util.progress);
    attached while the run lasts."""

    def __init__(self, console, enabled: bool):
        super().__init__(level=logging.DEBUG)
        self.bars: dict[str, int] = {}
        self.progress = Progress(TextColumn("{task.description:<15}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.fields[info]}"), console=console,
                                 disable=not enabled)

    def emit(self, record: logging.LogRecord) -> None:
        stage = record.stage
        if stage not in self.bars:
            self.bars[stage] = self.progress.add_task(stage, total=record.total, info="")
        if record.total is not None:
            self.progress.update(self.bars[stage], total=record.total)
        if record.info is not None:
            self.progress.update(self.bars[stage], info=record.info)
        self.progress.advance(self.bars[stage], record.advance)

    def __enter__(self):
        logger = logging.getLogger(PROGRESS_LOGGER)
        logger.addHandler(self)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        logging.getLogger(PROGRESS_LOGGER).removeHandler(self)
        return self.progress.__exit__(*exc)


@app.command()
def sql(
    query: str = typer.Argument(..., help="A DuckDB SQL query over the tables, e.g. \"SELECT * FROM speakers\"."),
    out: str = typer.Option(DEFAULT_OUT, "--out", help="Output root holding the tables."),
    fmt: str = typer.Option("table", "--format", help="table, csv, json or parquet."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to this file (needed for parquet)."),
    max_rows: int = typer.Option(50, "--max-rows", help="Rows shown by --format table."),
) -> None:
    """Run a DuckDB query with one view per table (documents, articles, mentions, quotes, rejects,
    entities, entity_daily, cooccurrence, speakers, quote_clusters, speaker_mentions, languages, runs,
    article_dates)."""

    import duckdb

    from newsloom.interfaces.sql import connect, query_arrow
    from newsloom.storage import Store

    if fmt not in ("table", "csv", "json", "parquet"):
        console.print(f"[bold red]error:[/] --format must be table, csv, json or parquet, not {fmt!r}")
        raise typer.Exit(2)
    if fmt == "parquet" and not output:
        console.print("[bold red]error:[/] --format parquet needs --output FILE")
        raise typer.Exit(2)
    store = Store(out)
    if not store.exists(store.base):
        console.print(f"[bold red]error:[/] no tables at {out!r}; run `newsloom run` first or pass --out")
        raise typer.Exit(2)
    con = connect(store, aggregates=True)
    try:
        result = query_arrow(con, query)
    except duckdb.Error as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1)
    finally:
        con.close()
    write_result(result, fmt, output, max_rows)


@app.command()
def report(
    out: str = typer.Option(DEFAULT_OUT, "--out", help="Output root holding the tables."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="The HTML file (default: OUT/report.html)."),
    top: int = typer.Option(10, "--top", min=1, max=100, help="Entities, speakers and clusters shown."),
) -> None:
    """Write a static HTML report (charts embedded, no server or CDN needed) from the tables in --out."""
    from pathlib import Path

    from newsloom.fs import is_remote
    from newsloom.interfaces.report import write_report
    from newsloom.storage import Store

    store = Store(out)
    if not store.committed_parts("articles"):
        console.print(f"[bold red]error:[/] no tables at {out!r}; run `newsloom run` first or pass --out")
        raise typer.Exit(2)
    if output is None and is_remote(out):
        console.print("[bold red]error:[/] for an object-store --out, name the local HTML file with --output")
        raise typer.Exit(2)
    path = write_report(out, output or Path(out) / "report.html", top)
    console.print(f"report written to {path}")


@app.command()
def compact(
    out: str = typer.Option(DEFAULT_OUT, "--out", help="Output root (folder or s3://bucket/prefix)."),
    target_mb: int = typer.Option(128, "--target-mb", min=1, max=4096, help="Size of the merged files."),
) -> None:
    """Merge the small part files of every fact table into files of --target-mb (sorted by article_id), and
    fold the run manifests into a checkpoint.  Committed like a run, under the output root's lock."""
    from flows.compact import compact_root
    from newsloom.lease import LockedError
    from newsloom.storage import Store

    try:
        done = compact_root(Store(out), target_mb)
    except LockedError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1)
    tables = (done["compaction"] or {}).get("tables", {})
    for name, c in tables.items():
        console.print(f"{name}: {c['parts_in']} parts merged into {c['files_out']} files ({c['rows']} rows, "
                      f"{c['bytes_in'] / MB:.1f} MB -> {c['bytes_out'] / MB:.1f} MB)")
    if not tables:
        console.print("no table had small parts to merge")
    console.print(f"manifests folded into the checkpoint: {done['manifests_folded']}")


MB = 1e6


@app.command()
def unlock(
    out: str = typer.Argument(..., help="Output root (folder or s3://bucket/prefix) whose lock a dead run left."),
) -> None:
    """Remove the writer lock that a run which died left on an object-store output root.

    Check first that the run named in the lock is really gone: two writers at once can corrupt
    nothing committed, but the second run's recovery would discard the first one's staging.
    A local root needs no unlocking (the OS frees its lock when the process dies)."""
    from newsloom.lease import LockedError
    from newsloom.storage import Store

    try:
        held = Store(out).break_lock()
    except LockedError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1)
    console.print(f"removed the lock of {held}" if held else f"{out} was not locked")


def write_result(result, fmt: str, output: str | None, max_rows: int) -> None:
    import io

    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        pq.write_table(result, output)
        console.print(f"{result.num_rows} rows written to {output}")
        return
    if fmt == "table":
        t = Table(show_lines=False)
        for name in result.column_names:
            t.add_column(name, overflow="fold")
        for row in result.slice(0, max_rows).to_pylist():
            t.add_row(*("" if v is None else str(v) for v in row.values()))
        Console(width=200 if not sys.stdout.isatty() else None).print(t)
        if result.num_rows > max_rows:
            console.print(f"{result.num_rows} rows; {max_rows} shown (--max-rows)")
        return
    if fmt == "csv":
        buf = io.BytesIO()
        pacsv.write_csv(result, buf)
        text = buf.getvalue().decode()
    else:
        import json

        text = "\n".join(json.dumps(r, default=str, ensure_ascii=False) for r in result.to_pylist()) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


FIXED = {"sources", "out", "model", "dedup", "batch_size", "aliases_file", "workers", "dask_address", "refetch"}


def parse_settings(pairs: list[str]) -> dict:
    """``KEY=VALUE`` strings -> a settings dict (values are validated by Config)."""
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"--set takes KEY=VALUE, got {pair!r}")
        if key in FIXED:
            raise ConfigError(f"--set {key}: use the command's own option for {key}")
        settings[key] = value.strip()
    return settings


def print_summary(summary: dict) -> None:
    out = Console()
    t = Table(title=f"newsloom run {summary['run_id']} → {summary['out']}")
    t.add_column("table")
    t.add_column("rows", justify="right")
    t.add_column("added by this run", justify="right")
    added = {"documents": summary["n_documents"], "articles": summary["n_articles"],
             "mentions": summary["n_mentions"], "quotes": summary["n_quotes"], "rejects": summary["n_rejects"]}
    for name, rows in summary["table_rows"].items():
        t.add_row(name, str(rows), str(added.get(name, "")))
    out.print(t)
    out.print(f"duplicates marked: {summary['n_duplicates']}; inputs already ingested: {summary.get('already_seen', 0)}")
    if summary.get("languages"):
        from flows.pipeline import describe_languages

        out.print(describe_languages(summary["languages"]))
    f = summary.get("fetch", {})
    if f.get("http_requests"):
        out.print(f"web: {f['http_requests']} requests, {f.get('http_bytes', 0) / 1e6:.1f} MB, "
                  f"{f.get('feeds_polled', 0)} feeds/sitemaps polled ({f.get('feeds_not_modified', 0)} not modified)")
    if summary["rejects_by_reason"]:
        r = Table(title="rejects of this run, by reason")
        r.add_column("reason")
        r.add_column("rows", justify="right")
        for reason, n in summary["rejects_by_reason"].items():
            r.add_row(reason, str(n))
        out.print(r)
    else:
        out.print("no rejects in this run")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
