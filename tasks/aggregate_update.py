"""aggregate, for a run that only added rows: the run's own rows are aggregated alone, and their counts are
merged into the aggregates the last run left.

A run that revised no committed part (resolve-identity and cluster-quotes moved nothing) changed the fact
tables by its own new rows only, and those belong to its own new articles.  Every aggregate is a sum over
articles, or a choice made from such sums, so the run's rows are aggregated by the same queries as a whole
corpus (tasks.aggregate.QUERIES) and merged key by key into the stored rows:

- counts (mentions, articles, quotes, pairs, days) add up, since no article is in two runs;
- first and last dates take the smaller and the larger;
- a choice by frequency (an entity's name, label and aliases, a speaker's name, a statement's wording,
  speaker and outlets) is made again from per-value counts, which each aggregate keeps beside the choice
  (``names``/``name_counts``, ``wordings``/``wording_counts``, ``attributions``, ``sites``/``site_counts``);
- what is counted over other aggregates is taken from them once they are merged: an entity's quotes from
  ``speakers``, the names in ``speaker_mentions`` from ``speakers`` and ``entities``, a language's distinct
  entities from the languages of ``entities``.

Only the stored rows of the keys the run's rows carry are read into the merge; the others are kept as they
are.  The committed fact tables are not read, save documents' fetch times.  Any other run, or a root whose
aggregates a crashed run or an older version left behind, recomputes everything (flows.pipeline decides).
"""
from __future__ import annotations

from typing import NamedTuple

import duckdb
import pyarrow as pa

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import Stage
from tasks.aggregate import AGGREGATE_COLUMNS, QUERIES, connect_tables, dated_once, projected, query_arrow, ranked

# The fact tables whose run's own rows are aggregated; documents is read whole (doc_id, fetched_at), since an
# article is dated by the first fetch of its document, which an earlier run may have made.
ADDED = ("articles", "mentions", "quotes", "rejects")
DOCUMENT_DATES = ("doc_id", "fetched_at")


def tally(key: str, items: str, counts: str, order: str = "n DESC, k") -> str:
    """SQL: per ``key`` of ``touched``, the lists ``items`` and ``counts`` merged: each item once with the sum
    of its counts, in ``order`` (over the item ``k`` and its count ``n``), as the whole query orders them."""
    summed = (f"SELECT {key}, k, sum(n)::BIGINT AS n FROM (SELECT {key}, unnest({items}) AS k, unnest({counts}) AS n "
              f"FROM touched) GROUP BY ALL")
    return ranked(key, summed, items, counts, order)


class Merge(NamedTuple):
    """How the stored rows of one aggregate and the run's rows of the same keys (``touched``) become one
    row per key (``sql``), and the order of the whole aggregate (that of its query, which ends with the key)."""
    keys: tuple[str, ...]
    sql: str
    order: str


def _summed(*columns: str) -> str:
    return ", ".join(f"sum({c})::BIGINT AS {c}" for c in columns)


MERGES = {
    "speakers": Merge(("entity_id",), f"""
        WITH names AS ({tally("entity_id", "names", "name_counts")}),
        s AS (SELECT entity_id, {_summed("n_quotes", "n_articles")}, min(first_quoted) AS first_quoted,
                     max(last_quoted) AS last_quoted FROM touched GROUP BY ALL)
        SELECT s.*, names.names[1] AS name, names.names, names.name_counts FROM s LEFT JOIN names USING (entity_id)
    """, "n_quotes DESC, entity_id"),
    "entities": Merge(("entity_id",), f"""
        WITH names AS ({tally("entity_id", "names", "name_counts")}),
        labels AS ({tally("entity_id", "labels", "label_counts")}),
        aliases AS ({tally("entity_id", "aliases", "alias_counts")}),
        langs AS ({tally("entity_id", "languages", "language_counts")}),
        s AS (SELECT entity_id, {_summed("n_mentions", "n_articles")}, min(first_seen) AS first_seen,
                     max(last_seen) AS last_seen, max(geonameid) AS geonameid, max(lat) AS lat, max(lon) AS lon,
                     max(country_code) AS country_code FROM touched GROUP BY ALL)
        SELECT s.*, names.names[1] AS name, labels.labels[1] AS label, 0::BIGINT AS n_quotes, names.names,
               names.name_counts, labels.labels, labels.label_counts, aliases.aliases, aliases.alias_counts,
               langs.languages, langs.language_counts
        FROM s LEFT JOIN names USING (entity_id) LEFT JOIN labels USING (entity_id)
        LEFT JOIN aliases USING (entity_id) LEFT JOIN langs USING (entity_id)
    """, "n_mentions DESC, entity_id"),
    "places": Merge(("geonameid",), f"""
        WITH aliases AS ({tally("geonameid", "aliases", "alias_counts")}),
        s AS (SELECT geonameid, max(entity_id) AS entity_id, max(name) AS name, max(feature) AS feature,
                     max(country_code) AS country_code, max(lat) AS lat, max(lon) AS lon,
                     {_summed("n_mentions", "n_articles", "n_focus")}, min(first_seen) AS first_seen,
                     max(last_seen) AS last_seen FROM touched GROUP BY ALL)
        SELECT s.*, aliases.aliases, aliases.alias_counts FROM s LEFT JOIN aliases USING (geonameid)
    """, "n_mentions DESC, geonameid"),
    "entity_daily": Merge(("date", "entity_id"), f"""
        SELECT date, entity_id, {_summed("n_mentions", "n_articles")} FROM touched GROUP BY ALL
    """, "date, n_mentions DESC, entity_id"),
    "cooccurrence": Merge(("entity_a", "entity_b"), f"""
        SELECT entity_a, entity_b, {_summed("n_articles")} FROM touched GROUP BY ALL
    """, "n_articles DESC, entity_a, entity_b"),
    "quote_clusters": Merge(("cluster_id",), f"""
        WITH texts AS ({tally("cluster_id", "wordings", "wording_counts", "n DESC, length(k) DESC, k")}),
        sites AS ({tally("cluster_id", "sites", "site_counts")}),
        pairs AS (SELECT cluster_id, a.speaker AS speaker, a.entity_id AS entity_id, sum(a.n_quotes)::BIGINT AS n
                  FROM (SELECT cluster_id, unnest(attributions) AS a FROM touched) GROUP BY ALL),
        attributions AS (SELECT cluster_id,
                                list({{'speaker': speaker, 'entity_id': entity_id, 'n_quotes': n}}
                                     ORDER BY n DESC, speaker, entity_id) AS attributions
                         FROM pairs GROUP BY ALL),
        names AS (SELECT cluster_id, speaker, sum(n) AS n FROM pairs GROUP BY ALL),
        speakers AS (SELECT cluster_id, list(speaker ORDER BY n DESC, speaker) AS speakers FROM names GROUP BY ALL),
        c AS (SELECT cluster_id, {_summed("n_quotes", "n_articles")}, min(first_seen) AS first_seen,
                     first(first_site ORDER BY first_seen, first_site) AS first_site, max(last_seen) AS last_seen
              FROM touched GROUP BY ALL)
        SELECT c.cluster_id, t.wordings[1] AS text, a.attributions[1].speaker AS speaker,
               a.attributions[1].entity_id AS entity_id, coalesce(s.speakers, []::VARCHAR[]) AS speakers,
               c.n_quotes, c.n_articles, len(st.sites)::BIGINT AS n_sites, c.first_seen, c.first_site, c.last_seen,
               t.wordings, t.wording_counts, a.attributions, st.sites, st.site_counts
        FROM c JOIN texts t USING (cluster_id) LEFT JOIN attributions a USING (cluster_id)
        LEFT JOIN speakers s USING (cluster_id) JOIN sites st USING (cluster_id)
    """, "n_articles DESC, n_quotes DESC, cluster_id"),
    "speaker_mentions": Merge(("speaker_entity_id", "entity_id"), f"""
        SELECT speaker_entity_id, entity_id, {_summed("n_quotes", "n_articles")} FROM touched GROUP BY ALL
    """, "n_quotes DESC, speaker_entity_id, entity_id"),
}

# What is taken from other merged aggregates, over every row (``merged``: the aggregate after MERGES).
RECOUNTED = {
    "entities": """
        SELECT e.* REPLACE (coalesce(s.n_quotes, 0)::BIGINT AS n_quotes)
        FROM merged e LEFT JOIN new_speakers s USING (entity_id)
    """,
    "speaker_mentions": """
        SELECT m.* REPLACE (s.name AS speaker, e.name AS name, e.label AS label)
        FROM merged m JOIN new_speakers s ON s.entity_id = m.speaker_entity_id
        JOIN new_entities e ON e.entity_id = m.entity_id
    """,
}

# languages has a handful of rows: every one is summed again, and its distinct entities are counted from the
# merged entities (those with mentions in articles of no language: fewer language counts than mentions).
LANGUAGES = f"""
    WITH s AS (SELECT language, {_summed("n_articles", "n_duplicates", "n_with_mentions", "n_mentions", "n_quotes",
                                         "n_not_read")}
               FROM (SELECT * FROM old_languages UNION ALL BY NAME SELECT * FROM delta_languages) GROUP BY ALL),
    ents AS (SELECT language, count(*) AS n FROM (SELECT unnest(languages) AS language FROM new_entities) GROUP BY ALL
             UNION ALL
             SELECT NULL, count(*) FROM new_entities WHERE n_mentions > coalesce(list_sum(language_counts), 0)),
    merged AS (SELECT s.*, coalesce(e.n, 0)::BIGINT AS n_entities FROM s LEFT JOIN ents e
               ON s.language IS NOT DISTINCT FROM e.language)
    SELECT * FROM merged ORDER BY n_articles DESC, language
"""


def _merge_one(con: duckdb.DuckDBPyConnection, name: str, merge: Merge) -> pa.Table:
    """One aggregate after the merge, in its order, in one query: the stored rows of the keys the run does
    not touch as they are, and the touched ones merged."""
    keys = ", ".join(merge.keys)
    con.execute(f"CREATE OR REPLACE TEMP VIEW touched AS SELECT * FROM old_{name} SEMI JOIN delta_{name} "
                f"USING ({keys}) UNION ALL BY NAME SELECT * FROM delta_{name}")
    merged = (f"SELECT * FROM old_{name} ANTI JOIN delta_{name} USING ({keys}) "
              f"UNION ALL BY NAME ({merge.sql})")
    final = RECOUNTED.get(name, "SELECT * FROM merged")
    table = query_arrow(con, f"WITH merged AS ({merged}) SELECT * FROM ({final}) ORDER BY {merge.order}")
    con.register(f"new_{name}", table)
    return table


def merge_aggregates(added: dict[str, pa.Table], documents: pa.Table, old: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Every aggregate but ``runs`` after a run that added the fact rows ``added`` (by table, its own rows
    only) and revised none: ``old`` (the aggregates before it, as their schemas declare them) with the run's
    counts merged in.  ``documents`` holds the doc_id and fetched_at of every committed document."""
    con = connect_tables(projected({**added, "documents": documents}), AGGREGATE_COLUMNS)
    try:
        dated_once(con)
        for name, sql in QUERIES.items():  # the run's own aggregates, kept inside DuckDB
            con.execute(f"CREATE TEMP TABLE delta_{name} AS {sql}")
            con.register(f"old_{name}", old[name])
        out = {name: _merge_one(con, name, merge) for name, merge in MERGES.items()}
        out["languages"] = query_arrow(con, LANGUAGES)
        return {name: schemas.conform(out[name], schemas.AGGREGATES[name]) for name in QUERIES}
    finally:
        con.close()


def _whole(inputs: dict, config: Config, run_id: str) -> dict[str, pa.Table]:
    added = {name: inputs[f"added:{name}"] for name in ADDED}
    old = {name: inputs[f"aggregate:{name}"] for name in QUERIES}
    return merge_aggregates(added, inputs["committed:documents"], old)


STAGE = Stage(
    name="aggregate",
    whole_reads={**{f"added:{name}": None for name in ADDED},
                 "committed:documents": DOCUMENT_DATES,
                 **{f"aggregate:{name}": None for name in QUERIES}},
    writes=tuple(QUERIES),
    whole=_whole,
)
