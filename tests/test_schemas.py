import pyarrow as pa
import pytest

from newsloom import schemas


@pytest.mark.parametrize("schema", [*schemas.FACT_TABLES.values(), *schemas.AGGREGATES.values()])
def test_every_field_is_described(schema):
    for field in schema:
        assert field.metadata and field.metadata.get(b"description"), f"{field.name} has no description"
    assert schema.metadata[b"newsloom.schema_version"] == schemas.SCHEMA_VERSION.encode()


def test_conform_orders_casts_and_fills_nullable():
    t = pa.table({"reason": ["empty_text"], "stage": ["clean"], "source": ["a.txt"], "run_id": ["r"]})
    out = schemas.conform(t, schemas.REJECTS)
    assert out.schema.names == schemas.REJECTS.names
    assert out.column("doc_id").null_count == 1


def test_conform_refuses_extra_missing_and_null_required():
    with pytest.raises(schemas.SchemaError, match="not in the schema"):
        schemas.conform(pa.table({"source": ["a"], "bogus": [1]}), schemas.REJECTS)
    with pytest.raises(schemas.SchemaError, match="required column 'stage'"):
        schemas.conform(pa.table({"source": ["a"], "reason": ["x"], "run_id": ["r"]}), schemas.REJECTS)
    with pytest.raises(schemas.SchemaError, match="nulls in a required column"):
        schemas.conform(pa.table({"source": [None], "stage": ["clean"], "reason": ["x"], "run_id": ["r"]},
                                 schema=pa.schema([("source", pa.string()), ("stage", pa.string()),
                                                   ("reason", pa.string()), ("run_id", pa.string())])),
                        schemas.REJECTS)
