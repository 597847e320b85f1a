"""Languages (issue 23): a spaCy model per language, French end to end, and a language with no model.

French text here is fictional (the Port-Laurier strike of data/raw and small made-up sentences).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from conftest import read_article

from newsloom.config import ConfigError, make_config
from newsloom.lang.lexicon import load_lexicon
from newsloom.models import discover_models, model_for, model_registry, parse_model_setting, suggested_package
from newsloom.preflight import run_config

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ (the French gold's scorer)

# ---- the registry ------------------------------------------------------------------------------------------


def test_installed_pipelines_serve_their_language():
    found = discover_models()
    assert found["en"] == "en_core_web_sm"  # the re-upload is named as the model it re-uploads
    assert found["fr"] == "fr_core_news_sm"
    assert model_registry(None)["fr"] == "fr_core_news_sm"


def test_model_setting_is_one_model_or_a_mapping():
    assert parse_model_setting("fr_core_news_sm") == {"fr": "fr_core_news_sm"}
    assert parse_model_setting("en=en_core_web_sm, fr=fr_core_news_sm") == {"en": "en_core_web_sm",
                                                                              "fr": "fr_core_news_sm"}
    with pytest.raises(ConfigError, match="is a 'fr' model, not a 'de' one"):
        parse_model_setting("de=fr_core_news_sm")
    with pytest.raises(ConfigError, match="must look like"):
        parse_model_setting("en:en_core_web_sm,fr")
    with pytest.raises(ConfigError, match="not installed"):
        parse_model_setting("de=de_core_news_sm")


def test_a_language_setting_without_a_model_fails_before_any_work(tmp_path):
    (tmp_path / "in").mkdir()
    with pytest.raises(ConfigError, match=r"language 'pt' has no spaCy model; install pt_core_news_sm"):
        run_config(sources=[str(tmp_path / "in")], out=str(tmp_path / "out"), languages=["en", "pt"])
    config = make_config(sources=[str(tmp_path / "in")], out=str(tmp_path / "out"), languages="en, fr")
    assert config.languages == ["en", "fr"]  # --set languages=en,fr


def test_unknown_languages_get_a_package_to_install():
    assert model_for({"en": "a"}, "pt") is None
    assert model_for({"en": "a", "xx": "multi"}, "pt") == "multi"
    assert "pt_core_news_sm" in suggested_package("pt")
    assert "no official spaCy pipeline for 'sw'" in suggested_package("sw")


def test_every_lexicon_file_loads_and_english_has_its_chrome_and_titles():
    en, fr = load_lexicon("en"), load_lexicon("fr")
    assert "say" in en.reporting_verbs and "déclarer" in fr.reporting_verbs
    assert en.chrome_lines and fr.chrome_lines and en.person_titles
    assert ("mars",) in fr.months and "«" in fr.open_close


# ---- French, through the stage functions ----------------------------------------------------------------------

FRENCH = """Port-Laurier : la compagnie présente une offre

Le 12 mars 2026 — La Compagnie portuaire du Lac a présenté jeudi une nouvelle offre aux dockers de Port-Laurier.

«\u202fNous avons fait un pas important, a-t-elle expliqué, et nous attendons une réponse.\u202f» Ces mots sont ceux de Mathilde Roche, directrice de la compagnie.

«\u00a0Ce n'est pas assez\u00a0», a répondu Paul Girard, délégué syndical. Il a estimé que l'offre ne couvrait pas l'inflation.

Selon Paul Girard, les dockers voteront lundi.

«\u202fNous lirons chaque ligne.

«\u202fEt nous déciderons ensemble.\u202f»

Partager
Lire aussi : Le port en chiffres
Ce site utilise des cookies. Accepter / Refuser
"""


@pytest.fixture(scope="module")
def french(tmp_path_factory):
    from collections import Counter

    from tasks.clean import clean_articles
    from tasks.extract import extract_articles
    from tasks.fetch import FetchState, fetch_documents

    raw = tmp_path_factory.mktemp("fr")
    (raw / "offre.txt").write_text(FRENCH, encoding="utf-8")
    config = make_config(sources=[str(raw)], out=str(raw.parent / "out"))
    docs = [t["documents"] for _, t in fetch_documents(config, "t", FetchState(), Counter()) if "documents" in t]
    articles, _ = clean_articles(pa.concat_tables(docs), config)
    mentions, quotes, rejects = extract_articles(articles, config)
    return articles.to_pylist()[0], mentions.to_pylist(), quotes.to_pylist(), rejects.to_pylist()


def test_french_article_is_cleaned_dated_and_read_by_the_french_model(french):
    article, mentions, quotes, rejects = french
    assert article["language"] == "fr"
    assert article["published_at"].date().isoformat() == "2026-03-12"
    for chrome in ("Partager", "Lire aussi", "cookies"):
        assert chrome not in article["text"]
    assert rejects == []
    names = {(m["name"], m["label"]) for m in mentions}
    assert ("Paul Girard", "PERSON") in names and ("Mathilde Roche", "PERSON") in names
    assert ("Compagnie portuaire du Lac", "ORG") in names  # one organisation, not "Compagnie" and "Lac"


def _quote(quotes, start):
    hit = [q for q in quotes if q["text"].startswith(start)]
    assert hit, f"no quote starting {start!r} in {[q['text'] for q in quotes]}"
    return hit[0]


def test_french_quote_forms_and_speakers(french):
    _, _, quotes, _ = french
    # « », with narrow no-break spaces, cut by an inverted incise: two parts of one utterance
    a, b = _quote(quotes, "Nous avons fait un pas important"), _quote(quotes, "et nous attendons une réponse")
    assert a["utterance_id"] == b["utterance_id"] and a["kind"] == "direct"
    assert "a-t-elle" not in a["text"] + b["text"]
    # the frame after the closing mark names the speaker
    q = _quote(quotes, "Ce n'est pas assez")
    assert (q["speaker"], q["attribution"], q["cue"]) == ("Paul Girard", "explicit", "répondre")
    # indirect speech with a pronoun subject, resolved to the person named before
    q = _quote(quotes, "l'offre ne couvrait pas l'inflation")
    assert (q["kind"], q["speaker"], q["attribution"]) == ("indirect", "Paul Girard", "pronoun")
    # "selon X, ..."
    q = _quote(quotes, "les dockers voteront lundi")
    assert (q["kind"], q["speaker"]) == ("indirect", "Paul Girard")
    # a quotation over two paragraphs, with no frame of its own, continues the last attributed one
    q1, q2 = _quote(quotes, "Nous lirons chaque ligne"), _quote(quotes, "Et nous déciderons ensemble")
    assert q1["utterance_id"] == q2["utterance_id"]
    assert q1["speaker"] == "Paul Girard" and q1["attribution"] == "continuation"
    assert all(q["method"] == "lexicon_rules" for q in quotes)


def test_french_sample_gold_meets_its_floors():
    """The quality gate of the French sample set (bench/languages.py prints the details): quotes with the
    right speaker >= 0.90 F1, mentions >= 0.80 F1, no chrome phrase of the gold's list left in the text."""
    from bench.languages import french_chrome, french_entities, french_quotes

    assert french_quotes()["span_and_speaker"]["f1"] >= 0.90
    assert french_entities()["all"]["f1"] >= 0.80
    assert french_chrome()["left"] == []


def test_french_country_names_join_their_english_entity_only_through_the_alias_table(nlp, aliases):
    from newsloom.nlp import load_nlp

    fr_ms, _ = read_article(load_nlp("fr_core_news_sm"), aliases, "La Russie et la Kestrie ont signé un accord à "
                            "Port-Laurier.", "fr")
    en_ms, _ = read_article(nlp, aliases, "Russia and Kestria signed a deal in Port-Laurier.", "en")
    fr = {m["surface"]: m["entity_id"] for m in fr_ms}
    en = {m["surface"]: m["entity_id"] for m in en_ms}
    assert fr["Russie"] == en["Russia"]  # the alias table: Russie -> Russia
    assert fr["Kestrie"] != en["Kestria"]  # two spellings, no alias: two entities, never merged by guesswork


# ---- a language with no shipped model, through the flow ---------------------------------------------------------

GERMAN = ("Die Hafenarbeiter in Varnhelm haben am Montag die Arbeit niedergelegt. Greta Holm von der Gewerkschaft "
          "sagte, die Verhandlungen mit der Hafengesellschaft seien gescheitert. Nach ihren Worten wollen die "
          "Arbeiter bis zum Ende der Woche streiken, wenn kein neues Angebot vorgelegt wird. Die Stadt Varnhelm "
          "rechnet mit Verspätungen im Frachtverkehr.")
PORTUGUESE = ("Os trabalhadores do porto de Vila Serena entraram em greve na segunda-feira. Segundo o sindicato, "
              "as negociações com a empresa portuária fracassaram e a paralisação deve durar até o fim da semana, "
              "caso nenhuma nova proposta seja apresentada aos trabalhadores.")


def test_flow_uses_a_model_given_for_another_language_and_rejects_languages_without_one(
        tmp_path, prefect_harness, tiny_german_model):
    from flows.pipeline import news_pipeline

    raw = tmp_path / "in"
    raw.mkdir()
    (raw / "varnhelm.txt").write_text("Streik in Varnhelm\n\n" + GERMAN + "\n", encoding="utf-8")
    (raw / "vila-serena.txt").write_text("Greve em Vila Serena\n\n" + PORTUGUESE + "\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = news_pipeline(sources=[str(raw)], out=str(out), model=f"de={tiny_german_model}", workers=1)
    assert summary["languages"]["de"]["model"].startswith(str(tiny_german_model))
    assert summary["languages"]["pt"] == {"articles": 1, "model": None}

    articles = pd.read_parquet(out / "articles")
    by_lang = dict(zip(articles["language"], articles["article_id"]))
    assert set(by_lang) == {"de", "pt"}  # both articles are kept
    mentions = pd.read_parquet(out / "mentions")
    assert set(mentions.loc[mentions["article_id"] == by_lang["de"], "name"]) == {"Greta Holm", "Varnhelm"}
    assert set(mentions.loc[mentions["article_id"] == by_lang["de"], "label"]) == {"PERSON", "LOC"}
    assert not (mentions["article_id"] == by_lang["pt"]).any()

    rejects = pd.read_parquet(out / "rejects").set_index("reason")
    assert "language 'pt'" in rejects.loc["no_model_for_language", "detail"]
    assert "pt_core_news_sm" in rejects.loc["no_model_for_language", "detail"]
    assert "newsloom/lang/de.json" in rejects.loc["no_lexicon_for_language", "detail"]

    langs = pd.read_parquet(out / "languages.parquet").set_index("language")
    assert langs.loc["de", "n_mentions"] == (mentions["article_id"] == by_lang["de"]).sum() >= 3
    assert langs.loc["pt", "n_not_read"] == 1 and langs.loc["pt", "n_mentions"] == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert json.loads(runs["languages"].iloc[0])["pt"]["model"] is None


def test_an_installed_pipeline_serves_its_language_without_a_setting(tmp_path, monkeypatch, tiny_german_model):
    """A spaCy model package installed in the environment (here: a package written in the test and
    registered the way an installed one is) serves its language with no --model at all."""
    import shutil

    import spacy

    from newsloom.models import model_version

    pkg = tmp_path / "site" / "de_tiny_news_sm"
    shutil.copytree(tiny_german_model, pkg / "data")
    shutil.copy(tiny_german_model / "meta.json", pkg / "meta.json")
    (pkg / "__init__.py").write_text("from pathlib import Path\nimport spacy\n\n\ndef load(**overrides):\n"
                                     "    return spacy.load(Path(__file__).parent / 'data', **overrides)\n")
    dist = tmp_path / "site" / "de_tiny_news_sm-0.0.1.dist-info"  # what pip writes beside a package
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: de_tiny_news_sm\nVersion: 0.0.1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    spacy.util.registry.models.register("de_tiny_news_sm", func=lambda **kw: spacy.load(pkg / "data", **kw))
    model_registry.cache_clear()
    try:
        assert discover_models()["de"] == "de_tiny_news_sm"
        config = make_config(sources=[str(tmp_path / "site")], out=str(tmp_path / "out"))
        assert model_for(model_registry(config.model), "de") == "de_tiny_news_sm"
        assert model_for(model_registry(config.model), "fr") == "fr_core_news_sm"
        assert model_version("de_tiny_news_sm").startswith("de_tiny_news_sm ")
        from newsloom.nlp import load_nlp

        doc = load_nlp("de_tiny_news_sm")("Greta Holm kam nach Varnhelm.")
        assert [e.text for e in doc.ents] == ["Greta Holm", "Varnhelm"]
    finally:
        import catalogue

        catalogue.REGISTRY.pop(("spacy", "models", "de_tiny_news_sm"), None)  # uninstalled again for later tests
        model_registry.cache_clear()
        assert "de" not in discover_models()


def test_the_flow_parameter_takes_a_mapping(tmp_path):
    (tmp_path / "in").mkdir()
    config = make_config(sources=[str(tmp_path / "in")], out=str(tmp_path / "out"),
                         model={"en": "en_core_web_sm", "fr": "fr_core_news_sm"})
    assert config.model == "en=en_core_web_sm,fr=fr_core_news_sm"
    assert model_registry(config.model)["fr"] == "fr_core_news_sm"


def test_an_undecided_language_is_read_in_the_majority_language_never_rejected():
    """A short report of results whose prose the detector cannot decide has no language; entity-extract reads
    it in its part's majority language (or the default model's), and rejects nothing.  (Fictional text.)"""
    from tasks.clean import detect_language
    from tasks.extract import fallback_language, select_articles

    table_report = ("SOCCER - KESTRIAN LEAGUE RESULTS.\nPORT-LAURIER 2026-03-08\nResults of Kestrian league matches "
                    "on Sunday.\nDunmere 2 Tarrow 1\nBrennick 0 Varnhelm 0\nHalvard 3 Ostmark 2")
    assert detect_language(table_report) is None
    assert detect_language("The harbour council voted on Tuesday to close the old ferry terminal by the end of "
                           "the year, ending more than a century of crossings to the island.") == "en"
    registry = {"en": "en_core_web_sm", "fr": "fr_core_news_sm"}
    assert fallback_language(["fr", None, "fr", "en"], registry) == "fr"
    assert fallback_language([None, "pt"], registry) == "en"  # no decided language with a model: the default one
    import pyarrow as pa

    from newsloom import schemas

    articles = schemas.from_rows([{"article_id": f"a{i}", "doc_id": f"d{i}", "source": f"s{i}", "text": t,
                                   "n_words": len(t.split()), "text_hash": f"h{i}", "language": lang, "run_id": "r"}
                                  for i, (t, lang) in enumerate([(table_report, None), ("Le port a rouvert.", "fr"),
                                                                 ("Le quai est fermé.", "fr")])], schemas.ARTICLES)
    todo, rejects = select_articles(articles, make_config(model="en=en_core_web_sm,fr=fr_core_news_sm"))
    assert rejects.num_rows == 0 and todo.column("language").to_pylist() == ["fr", "fr", "fr"]
    assert isinstance(todo, pa.Table)
