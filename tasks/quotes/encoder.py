"""The encoder attribution tagger: a fine-tuned MiniLM, run with onnxruntime and tokenizers (no torch).

It labels the words of a paragraph with the same BIO labels as the CRF (``tasks.quotes.features.LABELS``:
content, source and cue), so everything after the labels (spans, cue and source links, speakers) is
shared with the CRF in ``tasks.quotes.model``.  The words are the spaCy tokens the extract stage already
has; a word's label is read off its first word piece.

Only paragraphs that hold a cue candidate are read (``holds_cue_candidate``): a reporting or belief
word of the pack's lexicon, a source preposition ("according to"), a colon or a quotation mark.  The others
are labelled O without a pass.  ``python -m tasks.quotes.train_encoder`` builds the files;
docs/quote-model.md is the model card.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from tasks.quotes.features import LABELS, paragraphs
from tasks.quotes.model import ENCODER_METHOD as METHOD
from tasks.quotes.speakers import source_preposition

ONNX_FILE = "attribution.onnx"
TOKENIZER_FILE = "attribution_tokenizer.json"
CONFIG_FILE = "attribution_encoder.json"
MAX_PIECES = 192  # word pieces per window, [CLS] and [SEP] included: a news paragraph is 40-120 pieces
COLON = ":"


def default_encoder_dir() -> Path:
    return Path(str(resources.files("tasks.quotes") / "model"))


def encoder_available(directory: str | Path | None = None) -> bool:
    d = Path(directory) if directory else default_encoder_dir()
    return all((d / name).is_file() for name in (ONNX_FILE, TOKENIZER_FILE, CONFIG_FILE))


def holds_cue_candidate(doc, para: list[int], pack) -> bool:
    """Whether a paragraph holds anything an attribution hangs on; the others are labelled O unread."""
    lex, marks = pack.lexicon, pack.marks.all
    for i in para:
        tok = doc[i]
        if tok.text == COLON or tok.text in marks or tok.lemma_.lower() in lex.attribution_verbs:
            return True
        if source_preposition(doc, i, lex):
            return True
    return False


@dataclass
class Window:
    """One network input: the word pieces of some words of one paragraph."""
    para: int  # index of the paragraph in the article
    words: list[int]  # positions within the paragraph of the words this window labels
    ids: list[int]  # piece ids, [CLS] ... [SEP]
    first_piece: list[int]  # per word, the position of its first piece in ``ids``


def paragraph_windows(words: list[str], sent_starts: list[bool], tokenizer, para_index: int,
                      cls_id: int, sep_id: int) -> list[Window]:
    """The windows of one paragraph: the whole paragraph when it fits, else runs of whole sentences (a
    sentence longer than a window is cut between words)."""
    enc = tokenizer.encode(words, is_pretokenized=True, add_special_tokens=False)
    firsts, counts = _first_pieces(enc.word_ids, len(words))
    budget = MAX_PIECES - 2
    out, start, used = [], 0, 0
    for k in range(len(words)):
        need = counts[k]
        if used and used + need > budget:
            cut = _last_sentence_start(sent_starts, start, k)
            out.append(_window(enc.ids, firsts, counts, start, cut, para_index, cls_id, sep_id))
            used = sum(counts[cut:k])
            start = cut
        used += need
    out.append(_window(enc.ids, firsts, counts, start, len(words), para_index, cls_id, sep_id))
    return [w for w in out if w.words]


def _first_pieces(word_ids: list, n_words: int) -> tuple[list[int], list[int]]:
    firsts, counts = [-1] * n_words, [0] * n_words
    for p, w in enumerate(word_ids):
        if w is None:
            continue
        if firsts[w] < 0:
            firsts[w] = p
        counts[w] += 1
    return firsts, counts


def _last_sentence_start(sent_starts: list[bool], lo: int, hi: int) -> int:
    """The last sentence start in (lo, hi], so a window ends on a sentence boundary; hi when none."""
    for k in range(hi, lo, -1):
        if sent_starts[k]:
            return k
    return hi


def _window(ids, firsts, counts, a: int, b: int, para_index: int, cls_id: int, sep_id: int) -> Window:
    words = [k for k in range(a, b) if counts[k]]
    if not words:
        return Window(para_index, [], [], [])
    lo = firsts[words[0]]
    hi = firsts[words[-1]] + counts[words[-1]]
    return Window(para_index, words, [cls_id, *ids[lo:hi], sep_id], [firsts[k] - lo + 1 for k in words])


def article_windows(doc, pack, tokenizer, cls_id: int, sep_id: int) -> tuple[list[list[int]], list[Window]]:
    """(token indices per paragraph, the windows of the paragraphs that hold a cue candidate)."""
    paras = paragraphs(doc)
    windows: list[Window] = []
    for n, para in enumerate(paras):
        if para and holds_cue_candidate(doc, para, pack):
            words = [doc[i].text for i in para]
            starts = [doc[i].is_sent_start is True for i in para]
            windows += paragraph_windows(words, starts, tokenizer, n, cls_id, sep_id)
    return paras, windows


def allowed_transitions() -> np.ndarray:
    """allowed[a, b]: label b may follow label a (an I- label continues its own kind only)."""
    n = len(LABELS)
    ok = np.ones((n, n), dtype=bool)
    for b, lab in enumerate(LABELS):
        if lab.startswith("I-"):
            kind = lab[2:]
            for a, prev in enumerate(LABELS):
                ok[a, b] = prev in ("B-" + kind, "I-" + kind)
    return ok


def viterbi_bio(log_probs: np.ndarray, allowed: np.ndarray) -> list[int]:
    """The most probable label sequence in which every I- label continues a span of its kind."""
    n, k = log_probs.shape
    if n == 0:
        return []
    penalty = np.where(allowed, 0.0, -1e9)
    start_ok = np.array([not lab.startswith("I-") for lab in LABELS])
    score = log_probs[0] + np.where(start_ok, 0.0, -1e9)
    back = np.zeros((n, k), dtype=np.int64)
    for t in range(1, n):
        cand = score[:, None] + penalty
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + log_probs[t]
    path = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


class EncoderTagger:
    """The shipped (or a rebuilt) encoder, opened once per process by ``tasks.quotes.model.load_tagger``."""

    method = METHOD

    def __init__(self, directory: str | Path | None = None, threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        d = Path(directory) if directory else default_encoder_dir()
        if not encoder_available(d):
            raise FileNotFoundError(f"encoder quote model not found in {d}: run `python -m tasks.quotes.train_encoder`")
        self.config = json.loads((d / CONFIG_FILE).read_text(encoding="utf-8"))
        if tuple(self.config["labels"]) != LABELS:
            raise ValueError(f"{d / CONFIG_FILE}: labels {self.config['labels']} are not {list(LABELS)}")
        self.tokenizer = Tokenizer.from_file(str(d / TOKENIZER_FILE))
        self.tokenizer.no_truncation()  # windows are cut by paragraph_windows, never by the tokenizer
        self.tokenizer.no_padding()
        self.cls_id = self.tokenizer.token_to_id("[CLS]")
        self.sep_id = self.tokenizer.token_to_id("[SEP]")
        opts = ort.SessionOptions()
        # one window is too small a job to split: on 40 TUNE articles two threads were no faster than one, and
        # the run's parallelism comes from its workers
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(d / ONNX_FILE), opts, providers=["CPUExecutionProvider"])
        self.allowed = allowed_transitions()

    def word_probs(self, windows: list[Window]) -> list[np.ndarray]:
        """Per window, the label probabilities of its words (words x labels).  Each window goes through the
        network alone: int8 activations are scaled per call, so a window's labels never depend on the
        windows beside it, and nothing is padded (batches of 8 were no faster on one thread)."""
        out = []
        for w in windows:
            ids = np.array([w.ids], dtype=np.int64)
            logits = self.session.run(["logits"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
            rows = logits[w.first_piece]
            rows = np.exp(rows - rows.max(axis=1, keepdims=True))
            out.append(rows / rows.sum(axis=1, keepdims=True))
        return out

    def label_paragraphs(self, doc, pack) -> list[tuple[list[int], list[str], list[float]]]:
        """(token indices, labels, probability of each label) of every paragraph with a span label."""
        paras, windows = article_windows(doc, pack, self.tokenizer, self.cls_id, self.sep_id)
        return self.decode(paras, windows, self.word_probs(windows))

    def decode(self, paras: list[list[int]], windows: list[Window], probs: list[np.ndarray]):
        """The labels of each paragraph from its windows' probabilities (``viterbi_bio``); paragraphs left
        all O are left out."""
        by_para: dict[int, tuple[list[str], list[float]]] = {}
        for w, p in zip(windows, probs):
            path = viterbi_bio(np.log(p + 1e-12), self.allowed)
            labels, scores = by_para.setdefault(w.para, (["O"] * len(paras[w.para]), [1.0] * len(paras[w.para])))
            for j, (k, lab) in enumerate(zip(w.words, path)):
                labels[k], scores[k] = LABELS[lab], float(p[j, lab])
        return [(paras[n], labels, scores) for n, (labels, scores) in sorted(by_para.items())
                if any(lab != "O" for lab in labels)]
