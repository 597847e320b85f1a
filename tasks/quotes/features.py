"""What the attribution tagger sees of each token: word, parse, entity, quotation marks and the path to
the nearest reporting verb.

The tagger labels every token of a paragraph as part of an attribution's content (``C``), its source
(``S``), its cue (``Q``) or none (``O``), in BIO form.  Everything here comes from the spaCy Doc that the
extract stage already has, so an article is still parsed once.  The features are plain strings, as
python-crfsuite takes them; ``token_features`` is the one place that defines them, for training and for
tagging alike.
"""
from __future__ import annotations

import bisect

from newsloom.lang import LanguagePack, Lexicon
from tasks.quotes.marks import find_quote_segments
from tasks.quotes.speakers import source_preposition

LABELS = ("O", "B-C", "I-C", "B-S", "I-S", "B-Q", "I-Q")
MAX_CLIMB = 12  # heads climbed from a token to find the reporting verb it depends on


def paragraphs(doc) -> list[list[int]]:
    """Token indices per paragraph (a line of text), space tokens left out.  No gold content span in the
    training data crosses a line break, so a paragraph is a whole sequence for the tagger."""
    out, cur = [], []
    for tok in doc:
        if tok.is_space:
            if "\n" in tok.text and cur:
                out.append(cur)
                cur = []
            continue
        cur.append(tok.i)
        if "\n" in tok.whitespace_:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _shape(text: str) -> str:
    if text.isdigit():
        return "d"
    if text.isupper() and len(text) > 1:
        return "XX"
    if text[:1].isupper():
        return "Xx"
    if text[:1].isalpha():
        return "x"
    return "p"


def _quote_state(doc, segments, marks: frozenset) -> tuple[list[int], dict[int, tuple[str, str, str]]]:
    """Per token: 1 inside quotation marks, else 0; and per quoted token the words just before the opening
    mark and just after the closing one, with the quote's length in words."""
    starts = [s.start for s in segments]
    inside = [0] * len(doc)
    frame: dict[int, tuple[str, str, str]] = {}
    seg_of = {}
    for tok in doc:
        k = bisect.bisect_right(starts, tok.idx) - 1
        if k >= 0 and segments[k].start <= tok.idx < segments[k].end:
            inside[tok.i] = 1
            seg_of[tok.i] = k
    by_seg: dict[int, list[int]] = {}
    for i, k in seg_of.items():
        by_seg.setdefault(k, []).append(i)
    for k, toks in by_seg.items():
        a, b = toks[0], toks[-1]
        before = next((doc[j].lower_ for j in range(a - 1, max(-1, a - 4), -1)
                       if not doc[j].is_space and doc[j].text not in marks), "^")
        after = next((doc[j].lower_ for j in range(b + 1, min(len(doc), b + 4))
                      if not doc[j].is_space and doc[j].text not in marks and doc[j].text not in ",."), "$")
        n = sum(1 for j in toks if doc[j].is_alpha)
        size = "1" if n <= 1 else "2-3" if n <= 3 else "4-8" if n <= 8 else "9+"
        for j in toks:
            frame[j] = (before, after, size)
    return inside, frame


def _cue_path(i: int, a, cues) -> tuple[str, str, str, str]:
    """(lemma of the reporting verb above token ``i``, dependency of the branch that leads down to it,
    whether the token is before or after the verb, whether it opens or closes that branch), or empty
    strings when no such verb is above it.  The branch's edges are where a reported clause begins and ends.
    ``a`` holds the Doc's token attributes as lists (``_Arrays``)."""
    if a.verb[i] and a.lemma[i] in cues:
        return a.lemma[i], "self", "=", ""
    child, head, steps = i, a.head[i], 0
    while head != child and steps < MAX_CLIMB:
        if a.verb[head] and a.lemma[head] in cues:
            edge = ("L" if a.left[child] == i else "") + ("R" if a.right[child] == i else "")
            return a.lemma[head], a.dep[child], "<" if i < head else ">", edge
        child, head, steps = head, a.head[head], steps + 1
    return "", "", "", ""


class _Arrays:
    """The token attributes the features read, as Python lists: a Doc's token access is the slow part."""

    def __init__(self, doc):
        toks = list(doc)
        self.lower = [t.lower_ for t in toks]
        self.lemma = [t.lemma_.lower() for t in toks]
        self.pos = [t.pos_ for t in toks]
        self.dep = [t.dep_ for t in toks]
        self.head = [t.head.i for t in toks]
        self.left = [t.left_edge.i for t in toks]
        self.right = [t.right_edge.i for t in toks]
        self.verb = [p in ("VERB", "AUX") for p in self.pos]
        self.sent_start = [0] * len(toks)
        self.sent_root = [0] * len(toks)
        for sent in doc.sents:
            r = sent.root.i
            for i in range(sent.start, sent.end):
                self.sent_start[i], self.sent_root[i] = sent.start, r


def _sentence_frames(doc, cues, inside, lex: Lexicon) -> dict[int, list[tuple[str, str, int]]]:
    """Per sentence (by its first token): the attribution verbs outside quotation marks in it, with their
    dependency label and position, at most two; a source preposition ("according to", feature
    "according_to") counts as a verb of its own.  A token sees
    them whether or not the parse puts it under them ("..., he said" hangs the verb under the content)."""
    out: dict[int, list[tuple[str, str, int]]] = {}
    for sent in doc.sents:
        found = []
        for tok in sent:
            if inside[tok.i]:
                continue
            if n := source_preposition(doc, tok.i, lex):
                found.append(("_".join(t.lower_ for t in doc[tok.i:tok.i + n]), tok.dep_, tok.i))
            elif tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() in cues:
                found.append((tok.lemma_.lower(), tok.dep_, tok.i))
            if len(found) == 2:
                break
        if found:
            out[sent.start] = found
    return out


def doc_features(doc, pack: LanguagePack) -> tuple[list[list[int]], list[list[list[str]]]]:
    """(token indices per paragraph, feature strings per token per paragraph) of one parsed article, with
    the words and quotation marks of its language's ``pack``."""
    lex = pack.lexicon
    segments = find_quote_segments(doc.text, pack.marks)
    inside, frame = _quote_state(doc, segments, pack.marks.all)
    frames = _sentence_frames(doc, lex.attribution_verbs, inside, lex)
    ar = _Arrays(doc)
    base = [_token_features(tok, ar, inside, frame, frames, pack) for tok in doc]
    paras = paragraphs(doc)
    return paras, [_window_features(para, base, ar, inside) for para in paras]


WINDOW = (-2, -1, 1, 2)  # the neighbours a token sees: two words each side, within its paragraph
ANCESTOR_LEVELS = (1, 2, 3)  # the clause a token sits in, the one that clause hangs on, and one above


def _token_features(tok, ar, inside: list[int], frame: dict, frames: dict, pack: LanguagePack) -> list[str]:
    """What the tagger sees of one token on its own: word, parse, entity, quotation marks, its path to the
    nearest reporting verb, the verbs of its sentence and the verbs above it."""
    lex, marks, cues = pack.lexicon, pack.marks.all, pack.lexicon.attribution_verbs
    i = tok.i
    lem, q, head = ar.lemma[i], inside[i], ar.head[i]
    cue, dep_to_cue, side, edge = _cue_path(i, ar, cues)
    f = [f"w={ar.lower[i]}", f"l={lem}", f"p={ar.pos[i]}", f"t={tok.tag_}", f"d={ar.dep[i]}",
         f"s={_shape(tok.text)}", f"hl={ar.lemma[head]}", f"hd={ar.dep[i]}>{ar.pos[head]}",
         f"q={q}", f"e={tok.ent_type_ or '-'}"]
    if tok.text in marks or tok.text in ("''", "``"):
        f.append("mark")
    if lem in cues:
        f.append("cue_lemma")
    if cue:
        f += [f"cd={dep_to_cue}", f"cv={cue}", f"cs={side}", f"cds={dep_to_cue}{side}{q}"]
        if edge:
            f.append(f"ce={dep_to_cue}{edge}")
    else:
        f.append("nocue")
    if ar.sent_start[i] == i:
        f.append("sent_start")
    if i in frame:
        before, after, size = frame[i]
        f += [f"qb={before}", f"qa={after}", f"qn={size}"]
    for verb, dep, vi in frames.get(ar.sent_start[i], ()):
        side = "<" if i < vi else ">" if i > vi else "="
        f += [f"sv={verb}{side}", f"svd={dep}{side}{q}"]
    # the verbs above the token, learned from the data rather than listed: the clause it sits in and
    # the one that clause hangs on ("ccomp>say", "nsubj>claim", "pobj>accord")
    anc, child = head, i
    for level in ANCESTOR_LEVELS:
        f.append(f"a{level}={ar.dep[child]}>{ar.lemma[anc]}")
        if ar.head[anc] == anc:
            break
        child, anc = anc, ar.head[anc]
    root = ar.sent_root[i]
    f.append(f"sr={ar.lemma[root]}{'<' if i < root else '>' if i > root else '='}")
    if lem in lex.pronouns:
        f.append("pron")
    if lem in lex.role_nouns:
        f.append("role")
    return f


def _window_features(para: list[int], base: list[list[str]], ar, inside: list[int]) -> list[list[str]]:
    """Each token's own features with its neighbours' words, tags and quote state, within the paragraph."""
    seq = []
    n = len(para)
    words = [f"w={ar.lower[i]}" for i in para]
    tags = [f"p={ar.pos[i]}" for i in para]
    qs = [inside[i] for i in para]
    for k, i in enumerate(para):
        f = list(base[i])
        for off in WINDOW:
            j = k + off
            if 0 <= j < n:
                f += [f"{off}{words[j]}", f"{off}{tags[j]}", f"{off}q={qs[j]}"]
            else:
                f.append(f"{off}edge")
        f.append(f"qq={qs[k - 1] if k else 'x'}{qs[k]}{qs[k + 1] if k + 1 < n else 'x'}")
        seq.append(f)
    return seq


def gold_labels(doc, paras: list[list[int]], quotes: list[dict]) -> list[list[str]]:
    """BIO labels per paragraph from gold attributions (content spans first, then sources, then cues)."""
    lab = ["O"] * len(doc)
    owner = [-1] * len(doc)

    def mark(spans, kind, key):
        for a, b in spans:
            first = True
            for tok in doc.char_span(a, b, alignment_mode="expand") or []:
                if tok.is_space or lab[tok.i] != "O" and owner[tok.i] != key:
                    first = True
                    continue
                lab[tok.i] = ("B-" if first else "I-") + kind
                owner[tok.i] = key
                first = False

    for n, q in enumerate(quotes):
        mark([(q["start"], q["end"])], "C", ("C", n))
    for q in quotes:
        mark([tuple(s) for s in q.get("speaker_spans") or []], "S", ("S", q["group"]))
        mark([tuple(s) for s in q.get("cue_spans") or []], "Q", ("Q", q["group"]))
    return [[lab[i] for i in para] for para in paras]
