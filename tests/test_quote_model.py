"""The CRF attribution tagger (``quote_tagger=crf``, and the fallback of the encoder): the shipped weights load and find the quotes of a fictional article; the
training command runs end to end on a handful of articles; calibration and the lexicon hold together."""
import json
import os

import pytest
from conftest import read_article, shared_path

from newsloom.lang import pack_for
from newsloom.lang.lexicon import load_lexicon
from tasks.quotes import calibration
from tasks.quotes.features import LABELS, doc_features, gold_labels
from tasks.quotes.model import METHOD, default_model_path, load_tagger, tag_attributions

ARTICLE = (
    "Dunmere harbour to reopen after storm\n\n"
    "The harbour board said on Monday that the east quay would reopen to ferries by Friday, after repairs "
    "to the storm wall.\n\n"
    "“We have waited long enough,” said Ilse Dorn, the mayor of Dunmere. “The island cannot live without "
    "its ferries.”\n\n"
    "Jonas Feld, who leads the dockworkers' union, told the Ledger that his members would work through "
    "the weekend.\n\n"
    "According to the coastguard, two fishing boats were lost in the storm.")


def test_shipped_weights_are_small_and_load():
    path = default_model_path()
    assert path.is_file() and path.stat().st_size <= 25 * 1024 * 1024
    tagger = load_tagger(kind="crf")
    assert set(tagger.labels()) == set(LABELS)


def test_the_shipped_model_finds_the_quotes_of_a_fictional_article(nlp, aliases):
    mentions, qs = read_article(nlp, aliases, ARTICLE, tagger="crf")
    by_text = {q["text"]: q for q in qs}
    board = next(q for t, q in by_text.items() if "east quay would reopen" in t)
    assert board["kind"] == "indirect" and board["method"] == METHOD and "harbour board" in board["speaker_surface"]
    waited = by_text["We have waited long enough,"]
    assert waited["speaker"] == "Ilse Dorn" and waited["kind"] == "direct" and waited["method"] == "quotation_marks"
    island = next(q for t, q in by_text.items() if "cannot live" in t)
    assert island["speaker"] == "Ilse Dorn" and island["kind"] == "direct"
    union = next(q for t, q in by_text.items() if "work through the weekend" in t)
    assert union["speaker"] == "Jonas Feld" and union["cue"] == "tell"
    boats = next(q for t, q in by_text.items() if "fishing boats were lost" in t)
    assert "coastguard" in boats["speaker_surface"]
    assert not [q for q in qs if "reopen after storm" in q["text"]]  # the headline is nobody's quote
    assert all(0 <= q["confidence"] <= 1 for q in qs)


def test_tagged_spans_carry_their_cue_and_source(nlp):
    doc = nlp("Jonas Feld said the ferries would run again on Friday.")
    atts = tag_attributions(doc, pack_for("en"), load_tagger(kind="crf"))
    assert len(atts) == 1
    a = atts[0]
    assert doc.text[a.start:a.end] == "the ferries would run again on Friday"
    assert doc.text[a.source[0]:a.source[1]] == "Jonas Feld" and a.cue_lemma == "say"
    assert 0.5 < a.score <= 1


def test_gold_spans_become_bio_labels(nlp):
    text = "Ilse Dorn said the quay would reopen."
    doc = nlp(text)
    paras, _ = doc_features(doc, pack_for("en"))
    quote = {"start": text.index("the quay"), "end": text.index("."), "speaker_spans": [[0, 9]],
             "cue_spans": [[10, 14]], "group": "g1"}
    (labels,) = gold_labels(doc, paras, [quote])
    assert labels == ["B-S", "I-S", "B-Q", "B-C", "I-C", "I-C", "I-C", "O"]


def test_training_smoke(tmp_path):
    """A few L-BFGS steps on five training articles: the rebuild command runs and writes weights that tag."""
    train = shared_path("eval", "quotes", "train.jsonl")
    from tasks.quotes.train import main

    out = tmp_path / "m.crfsuite"
    info = main(["--train", str(train), "--limit", "5", "--iterations", "5", "--out", str(out)])
    assert out.is_file() and info["articles"] == 5 and info["sequences"] > 20
    assert set(load_tagger(str(out), "crf").labels()) <= set(LABELS)


def test_calibration_is_monotone_and_bounded():
    samples = [("m", i / 100, True, i % 3 != 0 or i > 70) for i in range(100)]
    maps = calibration.fit_calibration(samples)
    m = maps["m|resolved"]
    assert m["n"] == 100 and all(a <= b for a, b in zip(m["y"], m["y"][1:]))
    assert 0 <= min(m["y"]) and max(m["y"]) <= 1
    assert calibration.fit_calibration(samples[:10]) == {}  # too few to fit: raw certainty stays
    curve = calibration.reliability([(0.95, True), (0.92, False), (0.15, False)])
    assert curve[0]["bin"] == "0.1-0.2" and curve[-1] == {"bin": "0.9-1.0", "n": 2, "confidence": 0.935, "right": 0.5}


def test_the_shipped_calibration_covers_both_finders():
    maps = json.loads(calibration.calibration_path().read_text())
    assert {k.split("|")[0] for k in maps} >= {METHOD, "quotation_marks"}


def test_the_lexicon_is_data_and_complete():
    english = load_lexicon("en")
    assert {"say", "tell", "claim"} <= english.reporting_verbs and "find" in english.indirect_cues
    assert pack_for("en").marks.all >= set("“”«»\"")  # one derivation of the marks: the pack's
    with pytest.raises(FileNotFoundError, match="newsloom/lang/xx.json"):
        load_lexicon("xx")
    # no word list left in the quote code: every list lives in newsloom/lang/en.json
    import tasks.quotes as pkg

    here = os.path.dirname(pkg.__file__)
    for name in os.listdir(here):
        if name.endswith(".py"):
            src = open(os.path.join(here, name), encoding="utf-8").read()
            assert '{"say"' not in src and '"spokesman",' not in src, name
