"""The pieces every schema is declared with: a described field, a table's schema with its version."""
from __future__ import annotations

import pyarrow as pa

from newsloom.schema_history import SCHEMA_HISTORY

# The version written into every file's metadata: the last one the history lists.
SCHEMA_VERSION = max(SCHEMA_HISTORY, key=int)

TS = pa.timestamp("us", tz="UTC")


def described(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def table_schema(table: str, *fields: pa.Field, row: str = "") -> pa.Schema:
    """A table's schema; ``row`` says what one row is (rendered in the README by newsloom.interfaces.contract)."""
    return pa.schema(list(fields), metadata={"newsloom.table": table, "newsloom.schema_version": SCHEMA_VERSION,
                                             "newsloom.row": row})
