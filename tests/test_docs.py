"""Every example in docs/analysts.md runs against the sample corpus's tables and returns rows."""
from __future__ import annotations

import contextlib
import io
import re

import duckdb
import pytest
from conftest import ROOT

DOC = ROOT / "docs" / "analysts.md"
BLOCKS = re.findall(r"```(python|sql)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_walk_through_has_examples_in_each_language():
    kinds = [k for k, _ in BLOCKS]
    assert kinds.count("python") >= 5 and kinds.count("sql") >= 3
    assert "import polars" in "".join(code for _, code in BLOCKS)


def test_python_examples_run_and_print_results(sample_run):
    out, _ = sample_run
    namespace: dict = {}
    for kind, code in BLOCKS:
        if kind != "python":
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code.replace('"data/processed"', repr(str(out))), str(DOC), "exec"), namespace)
        assert printed.getvalue().strip(), code[:80]
    # the named results hold rows
    for name in ("top_speakers", "talks_about", "said", "widely_carried", "timeline", "per_site", "about_pl"):
        assert len(namespace[name]) > 0, name
    assert len(namespace["widely_carried"]) >= 2


@pytest.mark.parametrize("i", [i for i, (k, _) in enumerate(BLOCKS) if k == "sql"])
def test_sql_examples_return_rows(sample_run, i):
    out, _ = sample_run
    sql = BLOCKS[i][1].replace("data/processed", str(out))
    con = duckdb.connect()
    try:
        rows = con.sql(sql).fetchall()
    finally:
        con.close()
    assert rows, sql[:80]
