"""aggregate: tables that answer questions, recomputed from every committed fact row with DuckDB.

Reads the committed ``articles``, ``documents`` (doc_id, fetched_at), ``mentions`` and ``quotes``.
Writes ``entities``, ``entity_daily``, ``cooccurrence`` and ``speakers`` (one Parquet file each,
replaced atomically), and ``runs`` from the run manifests.

An article's date is its publication date, else the time its document was fetched.  Only
original articles count (dup_of null); mentions and quotes exist only for those.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from prefect import task

from newsloom import schemas
from newsloom.config import Config
from newsloom.storage import Store
from newsloom.util import checkpoint, log_counts

QUERIES = {
    "entities": """
        WITH m AS (
            SELECT m.*, d.day_ts FROM mentions m JOIN article_dates d USING (article_id)
        ),
        names AS (
            SELECT entity_id, name, count(*) AS n FROM m GROUP BY ALL
        ),
        labels AS (
            SELECT entity_id, label, count(*) AS n FROM m GROUP BY ALL
        ),
        surfaces AS (
            SELECT entity_id, surface, count(*) AS n FROM m GROUP BY ALL
        ),
        q AS (
            SELECT speaker_entity_id AS entity_id, count(*) AS n_quotes FROM quotes
            WHERE speaker_entity_id IS NOT NULL GROUP BY ALL
        )
        SELECT e.entity_id,
               (SELECT list(name ORDER BY n DESC, name)[1] FROM names WHERE names.entity_id = e.entity_id) AS name,
               (SELECT list(label ORDER BY n DESC, label)[1] FROM labels WHERE labels.entity_id = e.entity_id) AS label,
               (SELECT list(surface ORDER BY n DESC, surface) FROM surfaces WHERE surfaces.entity_id = e.entity_id) AS aliases,
               (SELECT list(n ORDER BY n DESC, surface) FROM surfaces WHERE surfaces.entity_id = e.entity_id) AS alias_counts,
               e.n_mentions, e.n_articles, coalesce(q.n_quotes, 0) AS n_quotes, e.first_seen, e.last_seen
        FROM (
            SELECT entity_id, count(*) AS n_mentions, count(DISTINCT article_id) AS n_articles,
                   min(day_ts) AS first_seen, max(day_ts) AS last_seen
            FROM m GROUP BY entity_id
        ) e LEFT JOIN q USING (entity_id)
        ORDER BY e.n_mentions DESC, e.entity_id
    """,
    "entity_daily": """
        SELECT CAST(d.day_ts AS DATE) AS date, m.entity_id, count(*) AS n_mentions,
               count(DISTINCT m.article_id) AS n_articles
        FROM mentions m JOIN article_dates d USING (article_id)
        GROUP BY ALL ORDER BY date, n_mentions DESC, entity_id
    """,
    "cooccurrence": """
        WITH ae AS (SELECT DISTINCT article_id, entity_id FROM mentions)
        SELECT a.entity_id AS entity_a, b.entity_id AS entity_b, count(*) AS n_articles
        FROM ae a JOIN ae b ON a.article_id = b.article_id AND a.entity_id < b.entity_id
        GROUP BY ALL ORDER BY n_articles DESC, entity_a, entity_b
    """,
    "speakers": """
        WITH q AS (
            SELECT q.*, d.day_ts FROM quotes q JOIN article_dates d USING (article_id)
            WHERE speaker_entity_id IS NOT NULL
        ),
        names AS (SELECT speaker_entity_id, speaker, count(*) AS n FROM q GROUP BY ALL)
        SELECT s.entity_id,
               (SELECT list(speaker ORDER BY n DESC, speaker)[1] FROM names
                 WHERE names.speaker_entity_id = s.entity_id) AS name,
               s.n_quotes, s.n_articles, s.first_quoted, s.last_quoted
        FROM (
            SELECT speaker_entity_id AS entity_id, count(*) AS n_quotes, count(DISTINCT article_id) AS n_articles,
                   min(day_ts) AS first_quoted, max(day_ts) AS last_quoted
            FROM q GROUP BY ALL
        ) s ORDER BY n_quotes DESC, entity_id
    """,
}


def connect(store: Store) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a view per fact table (over committed parts) and ``article_dates``."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name, schema in schemas.FACT_TABLES.items():
        parts = store.committed_parts(name)
        view = name.lstrip("_")
        if parts:
            files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts)
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{files}], union_by_name = true)")
        else:
            con.register(f"{view}_empty", schema.empty_table())
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM {view}_empty")
    con.execute("""
        CREATE VIEW article_dates AS
        SELECT a.article_id, coalesce(a.published_at, d.fetched_at) AS day_ts
        FROM articles a LEFT JOIN (SELECT DISTINCT doc_id, fetched_at FROM documents) d USING (doc_id)
        WHERE a.dup_of IS NULL
    """)
    return con


def query_arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run ``sql`` and return an Arrow table (DuckDB 2 names it to_arrow_table, 1.x arrow)."""
    rel = con.sql(sql)
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    return fetch()


def compute_aggregates(store: Store) -> dict[str, pa.Table]:
    con = connect(store)
    try:
        out = {}
        for name, sql in QUERIES.items():
            out[name] = schemas.conform(query_arrow(con, sql), schemas.AGGREGATES[name])
        return out
    finally:
        con.close()


def runs_table(store: Store) -> pa.Table:
    rows = []
    for m in store.manifests():
        s = m["summary"]
        rows.append({
            "run_id": m["run_id"],
            "started_at": datetime.fromisoformat(s["started_at"]),
            "finished_at": datetime.fromisoformat(s["finished_at"]) if s.get("finished_at") else None,
            "status": s.get("status", "committed"),
            **{k: int(s.get(k, 0)) for k in ("n_documents", "n_articles", "n_duplicates", "n_mentions",
                                             "n_quotes", "n_rejects")},
            "sources": s.get("sources"),
            "stage_seconds": json.dumps(s.get("stage_seconds", {})),
        })
    return schemas.from_rows(rows, schemas.RUNS)


@task(name="aggregate")
def aggregate(config: Config, run_id: str) -> dict:
    store = Store(Path(config.out))
    tables = compute_aggregates(store)
    for i, (name, table) in enumerate(tables.items()):
        store.replace_aggregate(name, table)
        if i == 1:
            checkpoint("aggregate")
    counts = log_counts("aggregate", 0, sum(t.num_rows for t in tables.values()),
                        **{name: t.num_rows for name, t in tables.items()})
    return {"counts": counts}


def write_runs(store: Store) -> pa.Table:
    table = runs_table(store)
    store.replace_aggregate("runs", table)
    return table
