"""The learned attribution taggers: content, source and cue spans from a parsed article.

Two taggers label the tokens of each paragraph with the BIO labels of ``tasks.quotes.features``:

- ``encoder`` (the default): a fine-tuned MiniLM run with onnxruntime (``tasks.quotes.encoder``), rebuilt by
  ``python -m tasks.quotes.train_encoder``;
- ``crf``: a linear-chain CRF (python-crfsuite) over parse features, rebuilt by ``python -m tasks.quotes.train``;
  the fallback when the encoder's files or onnxruntime are missing.

This module turns either tagger's labels into attributions: a content span, the cue that frames it and the
source span that speaks.  The weights ship in ``tasks/quotes/model/``; the model cards are docs/quote-encoder.md
and docs/quote-model.md.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from newsloom.heap import kept_for_the_process
from newsloom.nlp import doc_text
from tasks.quotes.features import MAX_CLIMB, doc_features

MODEL_FILE = "attribution.crfsuite"
METHOD = "crf_attribution_v1"
ENCODER_METHOD = "minilm_attribution_v1"  # tasks.quotes.encoder.METHOD, named here without importing onnxruntime
MODEL_METHODS = frozenset({METHOD, ENCODER_METHOD})  # the methods of spans a tagger found
# a tagged span that holds no quotation becomes a row only when the mean probability of its words reaches this.
# The encoder's: on PolNeAR TUNE, 0.65 gave the best span, exact and joint F1 together (0.30 to 0.90 tried,
# docs/quote-encoder.md); below it, its spans were wrong more often than right.  The CRF's scores are on
# another scale, and its spans all stand
MIN_STANDALONE_SCORE = {ENCODER_METHOD: 0.65, METHOD: 0.0}
TAGGERS = ("encoder", "crf")
log = logging.getLogger(__name__)


def default_model_path() -> Path:
    return Path(str(resources.files("tasks.quotes") / "model" / MODEL_FILE))


class CrfTagger:
    """The CRF at ``path`` (default: the shipped weights)."""

    method = METHOD

    def __init__(self, path: str | None = None):
        import pycrfsuite

        path = path or str(default_model_path())
        if not Path(path).is_file():
            raise FileNotFoundError(f"quote model not found at {path}: run `python -m tasks.quotes.train`")
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(path)

    def labels(self) -> list[str]:
        return self.tagger.labels()

    def label_paragraphs(self, doc, pack) -> list[tuple[list[int], list[str], list[float]]]:
        """(token indices, labels, marginal probability of each label) of every paragraph with a span label."""
        paras, feats = doc_features(doc, pack)
        out = []
        for para, seq in zip(paras, feats):
            if not seq:
                continue
            self.tagger.set(seq)
            labels = self.tagger.tag()
            if all(lab == "O" for lab in labels):
                continue
            scores = [self.tagger.marginal(lab, k) if lab != "O" else 1.0 for k, lab in enumerate(labels)]
            out.append((para, labels, scores))
        return out


@lru_cache(maxsize=4)
def load_tagger(path: str | None = None, kind: str = "encoder"):
    """The ``kind`` of tagger (``TAGGERS``) with its weights at ``path`` (default: the shipped ones), opened
    once per process.  The encoder falls back to the CRF, with a warning, when its files or onnxruntime
    are missing (a wheel built without them, or a trimmed install)."""
    if kind not in TAGGERS:
        raise ValueError(f"quote_tagger {kind!r} is not one of {TAGGERS}")
    return kept_for_the_process(_open_tagger(path, kind))


def _open_tagger(path: str | None, kind: str):
    if kind == "crf":
        return CrfTagger(path)
    from tasks.quotes.encoder import EncoderTagger, encoder_available

    if path is not None and not encoder_available(path):
        raise FileNotFoundError(f"encoder quote model not found in {path}: run `python -m tasks.quotes.train_encoder`")
    try:
        return EncoderTagger(path)
    except (ImportError, FileNotFoundError) as exc:
        log.warning("the encoder quote tagger is unavailable (%s): quotes use the CRF tagger", exc)
        return CrfTagger()


@dataclass
class Attribution:
    start: int  # content, characters of the article text
    end: int
    score: float  # mean marginal probability of the content labels
    source: tuple[int, int] | None = None
    cue: tuple[int, int] | None = None
    cue_lemma: str | None = None
    source_head: object = None  # the source's syntactic head token, for speaker resolution
    method: str = METHOD  # the tagger that found it


def _runs(labels: list[str], kind: str) -> list[tuple[int, int]]:
    """(first, last) positions of each run of ``kind`` labels; a B- label or a gap starts a new run."""
    out, start = [], None
    for k, lab in enumerate(labels + ["O"]):
        if lab == "B-" + kind or (lab == "I-" + kind and start is None):
            if start is not None:
                out.append((start, k - 1))
            start = k
        elif lab != "I-" + kind and start is not None:
            out.append((start, k - 1))
            start = None
    return out


CLAUSE_JOINTS = ",;"  # a comma or semicolon that ends a content span joins it to its frame ("X, he said")


def _chars(doc, toks: list[int], text: str, marks: frozenset, trail: str = "") -> tuple[int, int]:
    """The characters of a span of tokens, without quotation marks and spaces at its edges, nor the ``trail``
    characters at its end."""
    a, b = doc[toks[0]].idx, doc[toks[-1]].idx + len(doc[toks[-1]].text)
    while a < b and (text[a] in marks or text[a].isspace()):
        a += 1
    while b > a and (text[b - 1] in marks or text[b - 1].isspace() or text[b - 1] in trail):
        b -= 1
    return a, b


def _token_sentences(doc) -> list[tuple[int, int]]:
    """(first, end) token index of each token's sentence (Token.sent walks the Doc on every call)."""
    out = [(0, 0)] * len(doc)
    for sent in doc.sents:
        for i in range(sent.start, sent.end):
            out[i] = (sent.start, sent.end)
    return out


def _linked_cue(doc, content: list[int], cues: list[list[int]], sents) -> int | None:
    """The cue the content hangs on in the parse, else the nearest cue in the same sentence."""
    where = {i: n for n, toks in enumerate(cues) for i in toks}
    inside = set(content)
    for i in content:
        tok = doc[i]
        if tok.head.i in inside:
            continue
        head, steps = tok.head, 0
        while steps < MAX_CLIMB:
            if head.i in where:
                return where[head.i]
            if head.head.i == head.i:
                break
            head, steps = head.head, steps + 1
    lo, hi = sents[content[0]]
    near = [(min(abs(t - content[0]), abs(t - content[-1])), n) for n, toks in enumerate(cues)
            for t in toks[:1] if lo <= t < hi]
    return min(near)[1] if near else None


def _linked_source(anchor: int, sources: list[list[int]], taken_sent, sents) -> int | None:
    """The source span nearest ``anchor`` (a cue or the content), in its sentence when one is there."""
    if not sources:
        return None
    lo, hi = sents[anchor]
    dist = [(0 if lo <= toks[0] < hi else 1, min(abs(t - anchor) for t in toks), n)
            for n, toks in enumerate(sources)]
    best = min(dist)
    if best[0] == 1 and not taken_sent:
        return None
    return best[2]


def tag_attributions(doc, pack, tagger=None) -> list[Attribution]:
    """Every attribution the tagger finds in ``doc`` (in the language of ``pack``), content spans in text
    order."""
    tagger = tagger or load_tagger()
    marks = pack.marks.all
    sents = None
    text = doc_text(doc)
    out: list[Attribution] = []
    for para, labels, probs in tagger.label_paragraphs(doc, pack):
        sents = sents or _token_sentences(doc)
        contents = [[para[k] for k in range(a, b + 1)] for a, b in _runs(labels, "C")]
        sources = [[para[k] for k in range(a, b + 1)] for a, b in _runs(labels, "S")]
        cues = [[para[k] for k in range(a, b + 1)] for a, b in _runs(labels, "Q")]
        pos = {i: k for k, i in enumerate(para)}
        for toks in contents:
            a, b = _chars(doc, toks, text, marks, CLAUSE_JOINTS)
            if b <= a:
                continue
            score = sum(probs[pos[i]] for i in toks) / len(toks)
            att = Attribution(a, b, round(score, 4), method=tagger.method)
            c = _linked_cue(doc, toks, cues, sents)
            if c is not None:
                att.cue = _chars(doc, cues[c], text, marks)
                att.cue_lemma = doc[cues[c][-1]].lemma_.lower()
                anchor, same = cues[c][0], True
            else:
                anchor, same = toks[0], False
            s = _linked_source(anchor, [t for t in sources if not set(t) & set(toks)], same, sents)
            if s is not None:
                src = [t for t in sources if not set(t) & set(toks)][s]
                att.source = _chars(doc, src, text, marks)
                att.source_head = doc[src[0]:src[-1] + 1].root
            out.append(att)
    return out
