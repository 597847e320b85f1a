"""SQL over an output root: a DuckDB view per committed fact table and per aggregate (``newsloom sql``, the
report).  The views read the Parquet parts where they lie, local or on an object store."""
from __future__ import annotations

import duckdb

from newsloom import schemas
from newsloom.storage import Store
from tasks.aggregate import connect_tables, query_arrow

__all__ = ["connect", "query_arrow"]


def connect(store: Store, aggregates: bool = False) -> duckdb.DuckDBPyConnection:
    """``connect_tables`` over every committed fact table of ``store`` (Arrow datasets on the store's
    filesystem: the same for local and object-store roots); with ``aggregates``, a view per aggregate
    file too (what ``newsloom sql`` queries)."""
    con = connect_tables({name: store.committed_dataset(name) for name in schemas.FACT_TABLES})
    if aggregates:
        for name, schema in schemas.AGGREGATES.items():
            path = store.aggregate_path(name)
            data = store.dataset([path], schema) if store.exists(path) else schema.empty_table()
            con.register(f"{name}_data", data)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_data")
    return con
