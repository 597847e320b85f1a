"""One source for the contract: the schemas match ../shared/CONTRACT.md, the README and docs/tables.md are
generated from them, unknown columns raise, and every reject reason in the code is documented."""
from __future__ import annotations

import re

import pyarrow as pa
import pytest
from conftest import ROOT, shared_path

from newsloom import schemas
from newsloom.interfaces import contract
from newsloom.rejects import REASONS, reject

TYPES = {"string": pa.string(), "binary": pa.binary(), "int16": pa.int16(), "int32": pa.int32(),
         "int64": pa.int64(), "float32": pa.float32(), "timestamp": pa.timestamp("us", tz="UTC"),
         "list<string>": pa.list_(pa.string()), "date32": pa.date32()}


def contract_tables() -> dict[str, dict[str, pa.DataType | None]]:
    """table -> {column: type (None where the contract names no type)} from ../shared/CONTRACT.md."""
    text = shared_path("CONTRACT.md").read_text(encoding="utf-8")
    tables: dict[str, dict] = {}
    for m in re.finditer(r"^### (\w+)/ .*?\n\|.*?\n\|[-|]+\n((?:\|.*\n)+)", text, re.M):
        cols = {}
        for line in m.group(2).splitlines():
            name, typ = [c.strip() for c in line.strip("|").split("|")][:2]
            cols[name] = TYPES[typ.split(",")[0].strip()]
        tables[m.group(1)] = cols
    for m in re.finditer(r"^\| (\w+)\.parquet \| (.*?) \|$", text, re.M):
        tables[m.group(1)] = {re.sub(r"\s*\(.*?\)", "", c).strip(): None for c in m.group(2).split(",")}
    return tables


def test_the_contract_parses_into_every_table():
    assert set(contract_tables()) == {"documents", "articles", "mentions", "quotes", "rejects", "entities",
                                      "entity_daily", "cooccurrence", "speakers", "runs"}


@pytest.mark.parametrize("name", ["documents", "articles", "mentions", "quotes", "rejects", "entities",
                                  "entity_daily", "cooccurrence", "speakers", "runs"])
def test_schemas_hold_every_contract_column_with_its_type(name):
    schema = schemas.ALL_TABLES[name]
    for col, typ in contract_tables()[name].items():
        assert col in schema.names, f"{name}.{col} is in the contract but not in newsloom/schemas.py"
        if typ is not None:
            assert schema.field(col).type == typ, f"{name}.{col}: {schema.field(col).type} != {typ}"


def test_readme_and_table_docs_are_generated_from_the_schemas(tmp_path):
    assert contract.stale() == []
    # and the check sees a change: a column added to the schema makes the README stale
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    edited = readme.replace("| doc_id, source, fetched_at,", "| doc_id, source,", 1)
    assert edited != readme and contract.regenerate(edited) == readme


def test_from_rows_raises_on_a_key_that_is_not_a_column():
    with pytest.raises(schemas.SchemaError, match="keys not in the schema: \\['speakr'\\]"):
        schemas.from_rows([{"source": "a", "stage": "clean", "reason": "too_short", "run_id": "r", "speakr": "x"}],
                          schemas.REJECTS)


def test_every_reason_in_the_code_is_documented_and_only_those_are_accepted():
    used = set()
    for path in [*ROOT.joinpath("tasks").rglob("*.py"), *ROOT.joinpath("newsloom").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"(?:Rejected|FetchError)\(\s*\"([a-z_]+)\"", text))
        used |= set(re.findall(r"reject(?:ed)?\((?:\"\w+\", )?[^,()]+(?:\([^()]*\))?, \"([a-z_]+)\"", text))
    assert used and used <= set(REASONS), sorted(used - set(REASONS))
    assert reject("clean", "a.html", "too_short", "9 words", "r")["reason"] == "too_short"
    with pytest.raises(ValueError, match="undocumented reject reason"):
        reject("clean", "a.html", "looks_odd", None, "r")


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "install -e '.[test]'" in line)
    assert "ruff check ." in command and command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
