"""The encoder quote tagger: the shipped ONNX model loads without torch and finds the quotes of a fictional
article; windows cover every word once; decoding keeps BIO spans whole; the CRF stays a setting and the
fallback; the training command runs a few steps when torch is installed (the ``[train]`` extra)."""
import importlib.util
import json

import numpy as np
import pytest
from conftest import read_article, shared_path
from test_quote_model import ARTICLE

from newsloom.lang import pack_for
from tasks.quotes import encoder
from tasks.quotes.features import LABELS, paragraphs
from tasks.quotes.model import METHOD as CRF_METHOD
from tasks.quotes.model import CrfTagger, load_tagger, tag_attributions


def test_the_shipped_encoder_is_small_and_runs_without_torch():
    d = encoder.default_encoder_dir()
    assert encoder.encoder_available(d)
    assert (d / encoder.ONNX_FILE).stat().st_size <= 30 * 1024 * 1024  # the bound on shipped weights
    config = json.loads((d / encoder.CONFIG_FILE).read_text())
    assert config["labels"] == list(LABELS) and config["method"] == encoder.METHOD
    tagger = load_tagger()
    assert isinstance(tagger, encoder.EncoderTagger)
    # the run-time path imports onnxruntime and tokenizers, never torch
    src = open(encoder.__file__, encoding="utf-8").read()
    assert "import torch" not in src and "transformers" not in src


def test_the_encoder_finds_the_quotes_of_a_fictional_article(nlp, aliases):
    _, qs = read_article(nlp, aliases, ARTICLE)
    by_text = {q["text"]: q for q in qs}
    board = next(q for t, q in by_text.items() if "east quay would reopen" in t)
    assert board["kind"] == "indirect" and board["method"] == encoder.METHOD
    assert "harbour board" in board["speaker_surface"]
    union = next(q for t, q in by_text.items() if "work through the weekend" in t)
    assert union["speaker"] == "Jonas Feld" and union["cue"] == "tell"
    boats = next(q for t, q in by_text.items() if "fishing boats were lost" in t)
    assert "coastguard" in boats["speaker_surface"]
    assert by_text["We have waited long enough,"]["speaker"] == "Ilse Dorn"
    assert not [q for q in qs if "reopen after storm" in q["text"]]  # the headline is nobody's quote
    assert all(0 <= q["confidence"] <= 1 for q in qs)


def test_tagged_spans_carry_their_cue_and_source(nlp):
    doc = nlp("Jonas Feld said the ferries would run again on Friday.")
    (a,) = tag_attributions(doc, pack_for("en"), load_tagger())
    assert doc.text[a.start:a.end] == "the ferries would run again on Friday"
    assert doc.text[a.source[0]:a.source[1]] == "Jonas Feld" and a.cue_lemma == "say"
    assert a.method == encoder.METHOD and 0.5 < a.score <= 1


def test_only_paragraphs_with_a_cue_candidate_are_read(nlp):
    pack = pack_for("en")
    doc = nlp("The ferry left at noon.\nFeld said it was late.\nTimetable: noon.\n“Late again.”\n"
              "According to the board, it was on time.")
    held = [encoder.holds_cue_candidate(doc, p, pack) for p in paragraphs(doc)]
    assert held == [False, True, True, True, True]


def test_windows_cover_every_word_once_and_fit(nlp):
    tagger = load_tagger()
    sentence = "Ilse Dorn, the harbour master of Dunmere, said that the east quay would reopen on Friday. "
    doc = nlp(sentence * 12)  # one paragraph far longer than a window
    (para,) = paragraphs(doc)
    _, windows = encoder.article_windows(doc, pack_for("en"), tagger.tokenizer, tagger.cls_id, tagger.sep_id)
    assert len(windows) > 1 and all(len(w.ids) <= encoder.MAX_PIECES for w in windows)
    covered = [k for w in windows for k in w.words]
    assert covered == list(range(len(para)))
    assert all(doc[para[w.words[0]]].is_sent_start for w in windows)  # windows start on a sentence
    atts = tag_attributions(doc, pack_for("en"), tagger)
    assert len(atts) >= 10  # every window is read: the sentences of the later windows are found too
    assert all("the east quay would reopen on Friday" in doc.text[a.start:a.end] for a in atts)
    assert all(doc.text[a.source[0]:a.source[1]] in sentence for a in atts if a.source)


def test_decoding_keeps_spans_whole():
    allowed = encoder.allowed_transitions()
    ix = {lab: n for n, lab in enumerate(LABELS)}
    probs = np.full((4, len(LABELS)), 0.01)
    for t, lab in enumerate(["O", "I-C", "I-C", "O"]):  # an I- right after O is not a span's start
        probs[t, ix[lab]] = 0.6
    probs[1, ix["B-C"]] = 0.3
    path = [LABELS[k] for k in encoder.viterbi_bio(np.log(probs), allowed)]
    assert path == ["O", "B-C", "I-C", "O"]
    assert encoder.viterbi_bio(np.zeros((0, len(LABELS))), allowed) == []
    assert not allowed[ix["B-S"], ix["I-C"]] and allowed[ix["B-C"], ix["I-C"]] and allowed[ix["O"], ix["B-Q"]]


def test_the_crf_is_a_setting_and_the_fallback(nlp, aliases, tmp_path, monkeypatch):
    crf = load_tagger(kind="crf")
    assert isinstance(crf, CrfTagger)
    (a,) = tag_attributions(nlp("Jonas Feld said the ferries would run again on Friday."), pack_for("en"), crf)
    assert a.method == CRF_METHOD
    with pytest.raises(ValueError, match="quote_tagger"):
        load_tagger(kind="bert")
    with pytest.raises(FileNotFoundError, match="train_encoder"):
        load_tagger(str(tmp_path), "encoder")  # a directory asked for by name must hold the model
    monkeypatch.setattr(encoder, "default_encoder_dir", lambda: tmp_path)  # a trimmed install: no ONNX file
    assert isinstance(load_tagger.__wrapped__(None, "encoder"), CrfTagger)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed (pip install -e '.[train]')")
def test_training_smoke(tmp_path, nlp):
    """A few steps on four training articles: the rebuild command runs end to end, exports an int8 ONNX file
    and a tokenizer that the run-time tagger opens and labels with."""
    train = shared_path("eval", "quotes", "train.jsonl")
    from tasks.quotes.train_encoder import main

    info = main(["--train", str(train), "--limit", "4", "--max-steps", "2", "--batch", "4", "--out", str(tmp_path)])
    assert info["articles"] == 4 and info["windows"] > 10 and info["int8"]
    tagger = encoder.EncoderTagger(tmp_path)
    doc = nlp("Jonas Feld said the ferries would run again on Friday.")
    _, windows = encoder.article_windows(doc, pack_for("en"), tagger.tokenizer, tagger.cls_id, tagger.sep_id)
    (probs,) = tagger.word_probs(windows)
    assert probs.shape == (len(doc), len(LABELS)) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)


def test_a_quote_model_of_the_wrong_kind_is_refused_before_the_run(tmp_path):
    from newsloom.config import ConfigError, make_config
    from newsloom.preflight import check_config

    (tmp_path / "in").mkdir()
    with pytest.raises(ConfigError, match="quote_model: .*a crf file"):
        check_config(make_config(sources=[str(tmp_path / "in")], out=str(tmp_path / "out"), quote_tagger="crf",
                                 quote_model=str(tmp_path)))
    with pytest.raises(ConfigError, match="quote_model: .*an encoder directory"):
        check_config(make_config(sources=[str(tmp_path / "in")], out=str(tmp_path / "out"),
                                 quote_model=str(tmp_path / "m.crfsuite")))
    with pytest.raises(ValueError, match="quote_tagger"):
        make_config(sources=[str(tmp_path / "in")], out=str(tmp_path / "out"), quote_tagger="bert")


def test_a_question_put_to_someone_is_not_their_words(nlp, aliases):
    """'Tomas Ek was asked whether ...', 'Asked about the fares, ...': the content is the question of an
    asker the text does not name, so it has no speaker; 'asked by a reporter' names the asker, and the
    answer keeps its speaker."""
    text = ("The harbour board met on Tuesday in Dunmere.\n\nTomas Ek was asked whether the ferry would run on "
            "Sunday. Asked about the fares, Jonas Feld said they would stay the same for a year.\n\nWhen asked "
            "by a reporter whether the pier was safe, Tomas Ek said engineers had checked it twice.\n")
    quotes = {q["text"]: q for q in read_article(nlp, aliases, text)[1]}
    assert quotes["whether the ferry would run on Sunday"]["speaker"] is None
    assert quotes["they would stay the same for a year"]["speaker"] == "Jonas Feld"
    assert quotes["whether the pier was safe"]["speaker_surface"] == "a reporter"
    assert quotes["engineers had checked it twice"]["speaker"] == "Tomas Ek"
