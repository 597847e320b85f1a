"""The shape of the code that docs/architecture.md promises, checked by bench/code_shape.py's rules."""
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT))
from bench import code_shape  # noqa: E402


@pytest.mark.parametrize("kind", ["layers", "private"])
def test_the_code_keeps_its_shape(kind):
    assert [str(b) for b in code_shape.breaches((kind,))] == []


def test_the_layer_check_sees_an_import_upward_even_inside_a_function(tmp_path):
    import ast

    tree = ast.parse("def f():\n    from flows.pipeline import news_pipeline\n")
    found = code_shape.layer_breaches(ROOT / "tasks" / "example.py", tree)
    assert [b.what for b in found] == ["stages imports flows (flows.pipeline)"]
    tree = ast.parse("from tasks.aggregate import connect_tables\n")
    assert code_shape.layer_breaches(ROOT / "newsloom" / "interfaces" / "sql.py", tree) == []
    assert code_shape.layer_breaches(ROOT / "newsloom" / "storage.py", tree) != []
