"""aggregate: tables that answer questions, recomputed from every committed fact row with DuckDB.

Reads the committed ``articles``, ``documents`` (doc_id, fetched_at), ``mentions`` and ``quotes``.
Writes ``entities``, ``entity_daily``, ``cooccurrence``, ``speakers``, ``quote_clusters`` (one row
per quoted statement, with how many outlets carried it), ``speaker_mentions`` (who talks about
whom: entities mentioned inside each speaker's quoted words) and ``places`` (one row per resolved place,
with how many articles are about it), one Parquet file each, replaced
atomically; and ``runs`` from the run manifests.

An article's date is its publication date, else the time its document was fetched.  Only
original articles count (dup_of null); mentions and quotes exist only for those.
"""
from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pyarrow as pa

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import Stage
from newsloom.storage import Store


def ranked(key: str, counted: str, items: str, counts: str, order: str = "n DESC, k") -> str:
    """SQL: per ``key``, the lists ``items`` and ``counts`` of the rows of ``counted`` (``key``, item ``k``, its
    count ``n``) in ``order``: most frequent first, then by the item, so that the first is the choice."""
    return (f"SELECT {key}, list(k ORDER BY {order}) AS {items}, list(n ORDER BY {order}) AS {counts} "
            f"FROM ({counted}) GROUP BY ALL")


QUERIES = {
    "entities": f"""
        WITH m AS (
            SELECT m.*, d.day_ts FROM mentions m JOIN article_dates d USING (article_id)
        ),
        names AS ({ranked("entity_id", "SELECT entity_id, name AS k, count(*) AS n FROM m GROUP BY ALL",
                          "names", "name_counts")}),
        labels AS ({ranked("entity_id", "SELECT entity_id, label AS k, count(*) AS n FROM m GROUP BY ALL",
                           "labels", "label_counts")}),
        aliases AS ({ranked("entity_id", "SELECT entity_id, surface AS k, count(*) AS n FROM m GROUP BY ALL",
                            "aliases", "alias_counts")}),
        langs AS ({ranked("entity_id", "SELECT m.entity_id, a.language AS k, count(*) AS n FROM m JOIN articles a "
                          "USING (article_id) WHERE a.language IS NOT NULL GROUP BY ALL", "languages", "language_counts")}),
        q AS (
            SELECT speaker_entity_id AS entity_id, count(*) AS n_quotes FROM quotes
            WHERE speaker_entity_id IS NOT NULL GROUP BY ALL
        ),
        e AS (
            -- a place's entity id is its GeoNames id's (tasks.places): one place per id
            SELECT entity_id, count(*) AS n_mentions, count(DISTINCT article_id) AS n_articles,
                   min(day_ts) AS first_seen, max(day_ts) AS last_seen, max(geonameid) AS geonameid,
                   max(lat) AS lat, max(lon) AS lon, max(country_code) AS country_code
            FROM m GROUP BY entity_id
        )
        SELECT e.entity_id, names.names[1] AS name, labels.labels[1] AS label, aliases.aliases, aliases.alias_counts,
               labels.labels, labels.label_counts, langs.languages, e.n_mentions, e.n_articles,
               coalesce(q.n_quotes, 0) AS n_quotes, e.first_seen, e.last_seen, e.geonameid, e.lat, e.lon,
               e.country_code, names.names, names.name_counts, langs.language_counts
        FROM e LEFT JOIN q USING (entity_id) LEFT JOIN names USING (entity_id) LEFT JOIN labels USING (entity_id)
        LEFT JOIN aliases USING (entity_id) LEFT JOIN langs USING (entity_id)
        ORDER BY e.n_mentions DESC, e.entity_id
    """,
    "places": f"""
        WITH m AS (
            SELECT m.*, d.day_ts FROM mentions m JOIN article_dates d USING (article_id)
            WHERE m.geonameid IS NOT NULL
        ),
        aliases AS ({ranked("geonameid", "SELECT geonameid, surface AS k, count(*) AS n FROM m GROUP BY ALL",
                            "aliases", "alias_counts")}),
        f AS (
            SELECT a.focus_geonameid AS geonameid, count(*) AS n_focus FROM articles a
            WHERE a.dup_of IS NULL AND a.focus_geonameid IS NOT NULL GROUP BY ALL
        )
        SELECT p.geonameid, p.entity_id, p.name, p.feature, p.country_code, p.lat, p.lon, s.aliases,
               p.n_mentions, p.n_articles, coalesce(f.n_focus, 0) AS n_focus, p.first_seen, p.last_seen, s.alias_counts
        FROM (
            SELECT geonameid, max(entity_id) AS entity_id, max(name) AS name, max(place_feature) AS feature,
                   max(country_code) AS country_code, max(lat) AS lat, max(lon) AS lon, count(*) AS n_mentions,
                   count(DISTINCT article_id) AS n_articles, min(day_ts) AS first_seen, max(day_ts) AS last_seen
            FROM m GROUP BY geonameid
        ) p LEFT JOIN f USING (geonameid) LEFT JOIN aliases s USING (geonameid)
        ORDER BY p.n_mentions DESC, p.geonameid
    """,
    "entity_daily": """
        SELECT d.day AS date, m.entity_id, count(*) AS n_mentions,
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
    "speakers": f"""
        WITH q AS (
            SELECT q.*, d.day_ts FROM quotes q JOIN article_dates d USING (article_id)
            WHERE speaker_entity_id IS NOT NULL
        ),
        names AS ({ranked("entity_id", "SELECT speaker_entity_id AS entity_id, speaker AS k, count(*) AS n FROM q "
                          "GROUP BY ALL", "names", "name_counts")})
        SELECT s.entity_id, names.names[1] AS name, s.n_quotes, s.n_articles, s.first_quoted, s.last_quoted,
               names.names, names.name_counts
        FROM (
            SELECT speaker_entity_id AS entity_id, count(*) AS n_quotes, count(DISTINCT article_id) AS n_articles,
                   min(day_ts) AS first_quoted, max(day_ts) AS last_quoted
            FROM q GROUP BY ALL
        ) s LEFT JOIN names USING (entity_id) ORDER BY s.n_quotes DESC, s.entity_id
    """,
    "quote_clusters": f"""
        WITH q AS MATERIALIZED (
            SELECT q.*, d.day_ts, coalesce(a.site, a.source) AS site FROM quotes q JOIN article_dates d USING (article_id)
            JOIN articles a USING (article_id)
            WHERE q.quote_cluster_id IS NOT NULL
        ),
        texts AS ({ranked("quote_cluster_id", "SELECT quote_cluster_id, text AS k, count(*) AS n FROM q GROUP BY ALL",
                          "wordings", "wording_counts", "n DESC, length(k) DESC, k")}),
        pairs AS (SELECT quote_cluster_id, speaker, speaker_entity_id AS entity_id, count(*) AS n FROM q
                  WHERE speaker_entity_id IS NOT NULL GROUP BY ALL),
        attributions AS (SELECT quote_cluster_id,
                                list({{'speaker': speaker, 'entity_id': entity_id, 'n_quotes': n}}
                                     ORDER BY n DESC, speaker, entity_id) AS attributions
                         FROM pairs GROUP BY ALL),
        names AS (SELECT quote_cluster_id, speaker, sum(n) AS n FROM pairs GROUP BY ALL),
        speakers AS (SELECT quote_cluster_id, list(speaker ORDER BY n DESC, speaker) AS speakers FROM names
                     GROUP BY ALL),
        -- one row per article that carries the statement: an article has one site and one date
        carried AS (SELECT quote_cluster_id, article_id, any_value(site) AS site, any_value(day_ts) AS day_ts,
                           count(*) AS n FROM q GROUP BY quote_cluster_id, article_id),
        sites AS ({ranked("quote_cluster_id", "SELECT quote_cluster_id, site AS k, count(*) AS n FROM carried GROUP BY ALL",
                          "sites", "site_counts")}),
        c AS (SELECT quote_cluster_id, sum(n)::BIGINT AS n_quotes, count(*) AS n_articles, min(day_ts) AS first_seen,
                     first(site ORDER BY day_ts, site) AS first_site, max(day_ts) AS last_seen
              FROM carried GROUP BY ALL)
        SELECT c.quote_cluster_id AS cluster_id, t.wordings[1] AS text, a.attributions[1].speaker AS speaker,
               a.attributions[1].entity_id AS entity_id, coalesce(s.speakers, []::VARCHAR[]) AS speakers,
               c.n_quotes, c.n_articles, len(st.sites) AS n_sites, c.first_seen, c.first_site, c.last_seen,
               t.wordings, t.wording_counts, a.attributions, st.sites, st.site_counts
        FROM c JOIN texts t USING (quote_cluster_id) LEFT JOIN attributions a USING (quote_cluster_id)
        LEFT JOIN speakers s USING (quote_cluster_id) JOIN sites st USING (quote_cluster_id)
        ORDER BY c.n_articles DESC, c.n_quotes DESC, cluster_id
    """,
    "languages": """
        WITH a AS (SELECT article_id, language, dup_of, doc_id, source FROM articles),
        m AS (SELECT a.language, count(*) AS n_mentions, count(DISTINCT m.article_id) AS n_with_mentions,
                     count(DISTINCT m.entity_id) AS n_entities
              FROM mentions m JOIN a USING (article_id) GROUP BY ALL),
        q AS (SELECT a.language, count(*) AS n_quotes FROM quotes q JOIN a USING (article_id) GROUP BY ALL),
        r AS (SELECT a.language, count(DISTINCT a.article_id) AS n_not_read FROM rejects r
              JOIN a ON r.doc_id = a.doc_id AND r.source = a.source
              WHERE r.stage = 'extract' AND r.reason IN ('no_model_for_language', 'unsupported_language', 'too_large')
              AND a.dup_of IS NULL GROUP BY ALL)
        SELECT a.language, count(*) FILTER (WHERE dup_of IS NULL) AS n_articles,
               count(*) FILTER (WHERE dup_of IS NOT NULL) AS n_duplicates,
               coalesce(any_value(m.n_with_mentions), 0) AS n_with_mentions, coalesce(any_value(m.n_mentions), 0) AS n_mentions,
               coalesce(any_value(q.n_quotes), 0) AS n_quotes, coalesce(any_value(m.n_entities), 0) AS n_entities,
               coalesce(any_value(r.n_not_read), 0) AS n_not_read
        FROM a LEFT JOIN m ON a.language IS NOT DISTINCT FROM m.language
        LEFT JOIN q ON a.language IS NOT DISTINCT FROM q.language
        LEFT JOIN r ON a.language IS NOT DISTINCT FROM r.language
        GROUP BY a.language ORDER BY n_articles DESC, a.language
    """,
    "speaker_mentions": """
        WITH pairs AS (
            SELECT q.quote_id, q.article_id, q.speaker_entity_id, q.speaker, m.entity_id, m.name, m.label
            FROM quotes q JOIN mentions m
              ON m.article_id = q.article_id AND m.start_char >= q.start_char AND m.end_char <= q.end_char
            WHERE q.speaker_entity_id IS NOT NULL AND m.entity_id <> q.speaker_entity_id
        ),
        spk AS (SELECT speaker_entity_id, speaker, count(*) AS n FROM quotes
                WHERE speaker_entity_id IS NOT NULL GROUP BY ALL),
        -- the entity's name and label as entities chooses them: each by its own count
        names AS (SELECT entity_id, name, count(*) AS n FROM mentions GROUP BY ALL),
        labels AS (SELECT entity_id, label, count(*) AS n FROM mentions GROUP BY ALL)
        SELECT p.speaker_entity_id,
               (SELECT list(speaker ORDER BY n DESC, speaker)[1] FROM spk
                 WHERE spk.speaker_entity_id = p.speaker_entity_id) AS speaker,
               p.entity_id,
               (SELECT list(name ORDER BY n DESC, name)[1] FROM names WHERE names.entity_id = p.entity_id) AS name,
               (SELECT list(label ORDER BY n DESC, label)[1] FROM labels WHERE labels.entity_id = p.entity_id) AS label,
               count(DISTINCT p.quote_id) AS n_quotes, count(DISTINCT p.article_id) AS n_articles
        FROM pairs p GROUP BY p.speaker_entity_id, p.entity_id
        ORDER BY n_quotes DESC, p.speaker_entity_id, p.entity_id
    """,
}


# The columns of each fact table that QUERIES read.  The aggregate's views offer only these: a query that
# reads ``m.*`` into a CTE used twice makes DuckDB materialise it, and mentions.sentence alone is most of
# a mentions row.
AGGREGATE_COLUMNS = {
    "documents": ("doc_id", "fetched_at"),
    "articles": ("article_id", "doc_id", "source", "site", "published_at", "published_date", "language",
                 "focus_geonameid", "dup_of", "run_id"),
    "mentions": ("article_id", "entity_id", "name", "surface", "label", "start_char", "end_char", "geonameid", "lat",
                 "lon", "country_code", "place_feature", "run_id"),
    "quotes": ("quote_id", "article_id", "text", "start_char", "end_char", "speaker", "speaker_entity_id",
               "quote_cluster_id", "run_id"),
    "rejects": ("source", "doc_id", "stage", "reason"),
}


# A fact table up to this many rows is read into memory once (its AGGREGATE_COLUMNS only: about 150 bytes
# a mentions row, so 150 MB at the cap) rather than scanned from its files by every query: on a root of
# 176,000 mentions that halved the queries' time (docs/benchmarks.md).  A larger one is scanned lazily, so
# the stage's memory stays bounded however large the corpus grows.
IN_MEMORY_ROWS = 1_000_000


def projected(tables: dict) -> dict:
    """The fact tables (Arrow datasets or tables, by name) for the aggregate's queries: each that they read
    with its AGGREGATE_COLUMNS only, in memory where it holds at most IN_MEMORY_ROWS rows; the others as
    they are."""
    out = {}
    for name, data in tables.items():
        columns = AGGREGATE_COLUMNS.get(name)
        small = columns is not None and (not hasattr(data, "count_rows") or data.count_rows() <= IN_MEMORY_ROWS)
        out[name] = _read_columns(data, list(columns)) if small else data
    return out


def _read_columns(data, columns: list[str]) -> pa.Table:
    return data.to_table(columns=columns) if hasattr(data, "to_table") else data.select(columns)


def connect_tables(tables: dict, columns: dict[str, tuple[str, ...]] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a view per given fact table (an Arrow dataset or table, by table name) and
    ``article_dates``.  ``columns`` (table -> names) limits the views of the tables it names to those
    columns."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name, data in tables.items():
        view = name.lstrip("_")
        con.register(f"{view}_data", data)
        picked = ", ".join((columns or {}).get(name, ("*",)))
        con.execute(f"CREATE VIEW {view} AS SELECT {picked} FROM {view}_data")
    con.execute("""
        CREATE VIEW article_dates AS
        SELECT a.article_id, coalesce(a.published_at, d.fetched_at) AS day_ts,
               -- the day the article prints (published_date, issue 31); the UTC day for rows before it
               coalesce(a.published_date, CAST(coalesce(a.published_at, d.fetched_at) AS DATE)) AS day
        -- a document fetched again (another source, a refetch) dates its article by its first fetch
        FROM articles a LEFT JOIN (SELECT doc_id, min(fetched_at) AS fetched_at FROM documents GROUP BY doc_id) d
          USING (doc_id)
        WHERE a.dup_of IS NULL
    """)
    return con


def query_arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run ``sql`` and return an Arrow table (DuckDB 2 names it to_arrow_table, 1.x arrow)."""
    rel = con.sql(sql)
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    return fetch()


def dated_once(con: duckdb.DuckDBPyConnection) -> None:
    """Hold ``article_dates`` in a temporary table: every query joins it, and one row per article is small
    beside the mentions and quotes the queries scan."""
    con.execute("CREATE TEMP TABLE article_dates_once AS SELECT * FROM article_dates")
    con.execute("CREATE OR REPLACE VIEW article_dates AS SELECT * FROM article_dates_once")


def compute_aggregates(tables: dict) -> dict[str, pa.Table]:
    """Every aggregate but ``runs``, from the committed fact tables (Arrow datasets or tables by name)."""
    con = connect_tables(projected(tables), AGGREGATE_COLUMNS)
    try:
        dated_once(con)
        return {name: schemas.conform(query_arrow(con, sql), schemas.AGGREGATES[name]) for name, sql in QUERIES.items()}
    finally:
        con.close()


def runs_table(store: Store) -> pa.Table:
    """One row per committed run, from the log (newsloom.tablelog); compactions are in the log, not here."""
    rows = []
    for m in store.manifests():
        if m.get("kind", "run") != "run":
            continue
        s = m["summary"]
        compaction = (s.get("compaction") or {}).get("tables")
        rows.append({
            "run_id": m["run_id"],
            "started_at": datetime.fromisoformat(s["started_at"]),
            "finished_at": datetime.fromisoformat(s["finished_at"]) if s.get("finished_at") else None,
            "status": s.get("status", "committed"),
            **{k: int(s.get(k, 0)) for k in ("n_documents", "n_articles", "n_duplicates", "n_mentions",
                                             "n_quotes", "n_rejects")},
            "sources": s.get("sources"),
            "stage_seconds": json.dumps(s.get("stage_seconds", {})),
            "languages": json.dumps(s["languages"]) if s.get("languages") is not None else None,
            "compaction": json.dumps(compaction) if compaction else None,
            "rules": json.dumps(s["rules"], sort_keys=True) if s.get("rules") else None,
        })
    return schemas.from_rows(rows, schemas.RUNS)


def _whole(inputs: dict, config: Config, run_id: str) -> dict[str, pa.Table]:
    return compute_aggregates({ref.removeprefix("dataset:"): data for ref, data in inputs.items()})


STAGE = Stage(
    name="aggregate",
    whole_reads={f"dataset:{name}": None for name in schemas.FACT_TABLES},
    writes=tuple(QUERIES),
    whole=_whole,
)


def write_runs(store: Store) -> pa.Table:
    table = runs_table(store)
    store.replace_aggregate("runs", table)
    return table
