"""The shape of the code that docs/architecture.md promises, checked by bench/code_shape.py's rules."""
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT))
from bench import code_shape  # noqa: E402


@pytest.mark.parametrize("kind", ["layers", "private", "size", "language", "words"])
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


def test_settings_are_values_and_the_machine_is_checked_when_a_run_starts(tmp_path):
    """Config validation does no I/O and imports neither models nor sources (no cycle); run_config checks
    the machine and reports every problem at once."""
    import ast as _ast

    from newsloom.config import ConfigError, make_config
    from newsloom.preflight import run_config

    tree = _ast.parse((ROOT / "newsloom" / "config.py").read_text(encoding="utf-8"))
    imported = {n.module for n in _ast.walk(tree) if isinstance(n, _ast.ImportFrom)}
    assert not imported & {"newsloom.models", "newsloom.sources"}
    config = make_config(sources=[str(tmp_path / "missing")], out=str(tmp_path / "out"), aliases_file="/no/file.csv")
    with pytest.raises(ConfigError) as err:
        run_config(**config.model_dump())
    assert "missing" in str(err.value) and "aliases file not found: /no/file.csv" in str(err.value)
