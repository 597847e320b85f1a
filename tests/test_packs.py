"""Language packs: every word a stage reads comes from one, every key of a pack is read, and adding a
language is adding a pack."""
import ast
import json
import re
import sys

import pyarrow as pa
import pytest
from conftest import ROOT

from newsloom.lang import all_packs, pack_for, reload_packs
from newsloom.lang.lexicon import Lexicon

sys.path.insert(0, str(ROOT))
from bench import code_shape  # noqa: E402

GERMAN_PACK = {
    "language": "de",
    "quote_finder": "lexicon_rules",
    "reporting_verbs": ["sagen", "erklären"],
    "gap_cue_words": ["sagte", "erklärte"],
    "pronouns": ["er", "sie"],
    "quote_marks": {"open_close": {"„": "“”", "»": "«"}, "symmetric": ["\""]},
    "source_prepositions": ["laut"],
    "parse_labels": {"subject": ["sb"]},
}


def _code_text() -> str:
    files = [*(ROOT / "tasks").rglob("*.py"), *(ROOT / "newsloom").rglob("*.py")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_every_key_of_every_pack_is_read_by_the_code():
    code = _code_text()
    for pack in all_packs():
        data = json.loads((ROOT / "newsloom" / "lang" / f"{pack.code}.json").read_text(encoding="utf-8"))
        for key in set(data) - {"_about", "language"}:
            read_as = {"quote_marks": ("marks",)}.get(key, (key,))
            assert any(_read(name, code) for name in read_as), f"{pack.code}.json: {key} is never read"
    fields = set(Lexicon.__annotations__) - {"language", "open_close", "symmetric"}
    assert [f for f in sorted(fields) if not _read(f, code)] == []


def _read(name: str, code: str) -> bool:
    """``lex.name`` or ``_union("name")``: the code reads the key."""
    return bool(re.search(rf"\.{name}\b|\"{name}\"", code))


def test_no_word_list_or_word_pattern_lives_in_a_stage():
    assert [str(b) for b in code_shape.breaches(("words", "language"))] == []


def test_the_word_check_sees_a_list_a_pattern_and_a_comparison():
    tree = ast.parse('X = {"shares", "stock", "stake"}\nY = re.compile(r"\\b(?:who|which)\\b")\n'
                     'def f(t):\n    return t.lower_ == "according"\n')
    found = code_shape.word_breaches(ROOT / "tasks" / "example.py", tree)
    assert [b.what.split()[0] for b in found] == ["word", "regex", "compares"]


def test_a_pack_without_a_pattern_runs_no_rule_that_needs_it():
    assert pack_for("en").pattern("org_words") is not None and pack_for("fr").pattern("org_words") is None
    assert pack_for("fr").pattern("of_organisation") is not None and pack_for("en").pattern("of_organisation") is None
    with pytest.raises(KeyError, match="no pattern named"):
        pack_for("en").pattern("org_wrods")
    empty = pack_for("pt")
    assert not empty.has_lexicon and empty.quote_finder is None and empty.pattern("person_titles") is None


@pytest.fixture()
def german_pack(tmp_path, monkeypatch):
    folder = tmp_path / "packs"
    folder.mkdir()
    (folder / "de.json").write_text(json.dumps(GERMAN_PACK, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("NEWSLOOM_LANGUAGE_PACKS", str(folder))
    reload_packs()
    yield pack_for("de")
    monkeypatch.delenv("NEWSLOOM_LANGUAGE_PACKS")
    reload_packs()


def test_adding_german_is_adding_a_pack(german_pack, tiny_german_model, aliases):
    """A German pack in a folder of the user's (no code), a tiny German model: German quotes in German marks,
    with their speaker, from the lexicon's rules; no German word is in the code."""
    from newsloom.config import make_config
    from newsloom.nlp import load_nlp
    from tasks.extract import extract_mentions_and_quotes

    assert german_pack.has_lexicon and german_pack.marks.openers == '"»„'
    text = "„Wir streiken weiter“, sagte Greta Holm in Varnhelm. Laut Greta Holm, der Streik dauert."
    nlp = load_nlp(str(tiny_german_model))
    mentions, quotes = extract_mentions_and_quotes(pa.table({"text": [text], "article_id": ["a1"]}), nlp, aliases,
                                                   "r", german_pack)
    assert {m["name"] for m in mentions.to_pylist()} == {"Greta Holm", "Varnhelm"}
    direct = [q for q in quotes.to_pylist() if q["kind"] == "direct"]
    assert [(q["text"], q["speaker"]) for q in direct] == [("Wir streiken weiter", "Greta Holm")]
    from newsloom.models import model_registry

    assert model_registry(make_config(model=f"de={tiny_german_model}").model)["de"] == str(tiny_german_model)
