"""aggregate, for a run that only added rows: the aggregate rows the run's rows can change are computed
again, and every other row is kept as the last run left it.

A run that revised no committed part (resolve-identity and cluster-quotes moved nothing) changed the fact
tables by its own new rows only, and those belong to its own articles.  An aggregate row is a function of
the fact rows of its key, so only the rows whose key the run's rows carry can change:

- ``entities``: the entities of the run's mentions and the speakers of its quotes (``n_quotes``);
- ``places``: the places of the run's mentions and the focus of its articles (``n_focus``);
- ``entity_daily``: every day of the entities of the run's mentions; ``cooccurrence``: the pairs of them;
- ``speakers``: the speakers of the run's quotes; ``quote_clusters``: the clusters of the run's quotes.

Those rows are computed by the same queries (tasks.aggregate.QUERIES) over every fact row of their keys,
which one scan of mentions and one of quotes pick out, and put in the order the full query gives (each
order is total: it ends with the key).  ``languages`` and ``speaker_mentions`` (whose names come from
every mention of an entity) are computed whole.  Any other run, or a root whose aggregates a crashed run
left behind, recomputes everything (flows.pipeline decides).
"""
from __future__ import annotations

from typing import NamedTuple

import pyarrow as pa

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import Stage
from tasks.aggregate import AGGREGATE_COLUMNS, QUERIES, connect_tables, projected, query_arrow

# The keys the run's rows carry: one small table each, from the run's own rows.
KEYS = {
    "k_mentioned": "SELECT DISTINCT entity_id FROM mentions WHERE run_id = $run",
    "k_entities": "SELECT entity_id FROM k_mentioned UNION SELECT speaker_entity_id FROM quotes "
                  "WHERE run_id = $run AND speaker_entity_id IS NOT NULL",
    "k_places": "SELECT geonameid FROM mentions WHERE run_id = $run AND geonameid IS NOT NULL UNION "
                "SELECT focus_geonameid FROM articles WHERE run_id = $run AND focus_geonameid IS NOT NULL",
    "k_speakers": "SELECT DISTINCT speaker_entity_id AS entity_id FROM quotes WHERE run_id = $run "
                  "AND speaker_entity_id IS NOT NULL",
    "k_clusters": "SELECT DISTINCT quote_cluster_id AS cluster_id FROM quotes WHERE run_id = $run "
                  "AND quote_cluster_id IS NOT NULL",
}
# Every fact row of those keys, in one scan of each table.
PICKED = {
    "picked_mentions": "SELECT * FROM mentions WHERE entity_id IN (SELECT entity_id FROM k_entities) "
                       "OR geonameid IN (SELECT geonameid FROM k_places)",
    "picked_quotes": "SELECT * FROM quotes WHERE speaker_entity_id IN (SELECT entity_id FROM k_entities) "
                     "OR quote_cluster_id IN (SELECT cluster_id FROM k_clusters)",
}
IN_ENTITIES = "entity_id IN (SELECT entity_id FROM k_entities)"
IN_MENTIONED = "entity_id IN (SELECT entity_id FROM k_mentioned)"
IN_SPEAKERS = "speaker_entity_id IN (SELECT entity_id FROM k_speakers)"


class Keyed(NamedTuple):
    """How one aggregate is updated: its rows of the run's keys (``rows``, over the aggregate's columns),
    its order, and the mentions and quotes its query reads for them (None: every row)."""
    rows: str
    order: str
    mentions: str | None = None
    quotes: str | None = None


KEYED = {
    "entities": Keyed(IN_ENTITIES, "n_mentions DESC, entity_id", mentions=IN_ENTITIES,
                      quotes="speaker_entity_id IN (SELECT entity_id FROM k_entities)"),
    "places": Keyed("geonameid IN (SELECT geonameid FROM k_places)", "n_mentions DESC, geonameid",
                    mentions="geonameid IN (SELECT geonameid FROM k_places)"),
    "entity_daily": Keyed(IN_MENTIONED, "date, n_mentions DESC, entity_id", mentions=IN_MENTIONED),
    "cooccurrence": Keyed("entity_a IN (SELECT entity_id FROM k_mentioned) AND entity_b IN (SELECT entity_id FROM "
                          "k_mentioned)", "n_articles DESC, entity_a, entity_b", mentions=IN_MENTIONED),
    "speakers": Keyed("entity_id IN (SELECT entity_id FROM k_speakers)", "n_quotes DESC, entity_id", quotes=IN_SPEAKERS),
    "quote_clusters": Keyed("cluster_id IN (SELECT cluster_id FROM k_clusters)", "n_articles DESC, n_quotes DESC, cluster_id",
                            quotes="quote_cluster_id IN (SELECT cluster_id FROM k_clusters)"),
}


def _restrict(con, view: str, where: str | None) -> None:
    source = f"picked_{view} WHERE {where}" if where else f"{view}_data"
    con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {source}")


def update_aggregates(tables: dict, old: dict[str, pa.Table], run_id: str) -> dict[str, pa.Table]:
    """Every aggregate but ``runs`` after run ``run_id`` added rows and revised none: ``old`` (the
    aggregates before it) with the rows of the run's keys computed again, the others computed whole."""
    con = connect_tables(projected(tables), AGGREGATE_COLUMNS)
    try:
        for name, sql in {**KEYS, **PICKED}.items():
            con.execute(f"CREATE TEMP TABLE {name} AS {sql.replace('$run', '?')}", [run_id] * sql.count("$run"))
        out = {}
        for name, keyed in KEYED.items():
            _restrict(con, "mentions", keyed.mentions)
            _restrict(con, "quotes", keyed.quotes)
            con.register(f"old_{name}", old[name])
            body = QUERIES[name]
            fresh = f"SELECT * FROM ({body}) WHERE {keyed.rows}"
            kept = f"SELECT * FROM old_{name} WHERE NOT ({keyed.rows})"
            out[name] = query_arrow(con, f"SELECT * FROM ({kept} UNION ALL BY NAME {fresh}) ORDER BY {keyed.order}")
        _restrict(con, "mentions", None)
        _restrict(con, "quotes", None)
        for name in QUERIES.keys() - KEYED.keys():
            out[name] = query_arrow(con, QUERIES[name])
        return {name: schemas.conform(out[name], schemas.AGGREGATES[name]) for name in QUERIES}
    finally:
        con.close()


def _whole(inputs: dict, config: Config, run_id: str) -> dict[str, pa.Table]:
    tables = {ref.removeprefix("dataset:"): data for ref, data in inputs.items() if ref.startswith("dataset:")}
    old = {name: inputs[f"aggregate:{name}"] for name in KEYED}
    return update_aggregates(tables, old, run_id)


STAGE = Stage(
    name="aggregate",
    whole_reads={**{f"dataset:{name}": None for name in schemas.FACT_TABLES},
                 **{f"aggregate:{name}": None for name in KEYED}},
    writes=tuple(QUERIES),
    whole=_whole,
)
