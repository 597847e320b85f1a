"""Who said a quotation in marks: the frame around it, read in English-style order.

The frame is looked for, first found wins: "in her words, “...”"; a name right before a colon; a reporting
verb in the sentence after the quote or the one holding its start (each candidate verb ranked by where it
stands, below); a frame ending in a colon; a source preposition ("according to X").  Used by the
``attribution_tagger`` finder (tasks.quotes.direct); every word comes from the article's pack.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from tasks.quotes.speakers import (
    Context,
    Speaker,
    named_speaker,
    prepositional_object,
    resolve_speaker,
    source_preposition,
    speaker_from_subject,
    subject_of,
)

# Where a candidate reporting verb stands, best first: the rank orders the candidates, then the distance.
INTRODUCES = -1  # a frame that introduces the quote: "Dorn confirmed the vote and said, “...”"
ADJACENT = 0  # right after the quote, within NEAR_CHARS: “...,” Feld said
NEAR_BEFORE = 1  # before the quote in its paragraph, within NEAR_CHARS
NEXT_PARAGRAPH = 1.5  # a following paragraph that opens with the frame: "he said following ..."
FAR_OR_PREVIOUS = 2  # after the quote but further; or in the sentence before, in the previous paragraph
NARRATION_BEFORE = 2.5  # a quote that opens its paragraph after narration with a speech verb
FAR_BEFORE = 3  # before the quote in its paragraph, further than NEAR_CHARS
OWN_CLAUSE = 4  # the quote ends its sentence and the verb after it heads a statement of its own
NEAR_CHARS = 40  # a frame this close to the quote is its frame, before any further one
NEXT_FRAME_CHARS = 45  # how far into the next paragraph its opening frame is looked for
MARK_CONTEXT_CHARS = 60  # how far before a quote "in her words" is looked for
COLON_NAME_CHARS = 80  # how far before a colon the name it introduces may start


@dataclass
class Frame:
    """The text around a quotation at [start, end): where its closing marks end, its paragraph, where the
    frame before it ends, and the sentences after and before it."""
    start: int
    end: int
    close: int
    para_start: int
    para_end: int
    frame_end: int
    sent_after: tuple[int, int] | None
    sent_before: tuple[int, int] | None


def frame_around(ctx: Context, seg_start: int, seg_end: int) -> Frame:
    text, marks = ctx.text, ctx.marks
    close = seg_end
    while close < len(text) and (text[close] in marks or text[close] in " \t,'"):
        close += 1
    para_end = text.find("\n\n", seg_end)
    para_end = len(text) if para_end == -1 else para_end
    sent_after = _sentence_at(ctx, min(close, len(text) - 1), forward=True) if close < para_end else None
    para_start = text.rfind("\n\n", 0, seg_start)
    para_start = 0 if para_start == -1 else para_start + 2
    frame_end = seg_start
    while frame_end > para_start and (text[frame_end - 1] in marks or text[frame_end - 1] == "'"
                                       or text[frame_end - 1].isspace()):
        frame_end -= 1
    if frame_end <= para_start and para_start >= 2 and text[:para_start].rstrip()[-1:] in (",", ":"):
        frame_end = len(text[:para_start].rstrip())  # "Kerry, he said,\n\n“...”"
    sent_before = _sentence_at(ctx, max(frame_end - 1, 0), forward=False) if frame_end > 0 and (
        frame_end > para_start or frame_end < para_start) else None
    return Frame(seg_start, seg_end, close, para_start, para_end, frame_end, sent_after, sent_before)


def attribute(ctx: Context, seg_start: int, seg_end: int) -> Speaker | None:
    """The speaker of the quote at [seg_start, seg_end), from the words around it."""
    named = _in_words_speaker(ctx, seg_start) or _colon_name_speaker(ctx, seg_start)
    if named is not None:
        return named
    f = frame_around(ctx, seg_start, seg_end)
    candidates = _candidates_after(ctx, f) + _candidates_before(ctx, f)
    return (_speaker_of_candidates(ctx, f, candidates) or _colon_frame_speaker(ctx, f)
            or _source_phrase_speaker(ctx, f))


def _in_words_speaker(ctx: Context, seg_start: int) -> Speaker | None:
    """"in her words, “...”", "in Feld's own words: “...”", "in the words of Ilse Dorn, “...”"."""
    in_words = ctx.pack.pattern("in_words")
    m = in_words.search(ctx.text, max(0, seg_start - MARK_CONTEXT_CHARS), max(0, seg_start - 1)) \
        if in_words is not None else None
    if m is None:
        return None
    who = m.group("owner") or m.group("of")
    a = m.start("owner") if m.group("owner") else m.start("of")
    span = ctx.doc.char_span(a, a + len(who), alignment_mode="expand")
    if span is not None and len(span):
        return resolve_speaker(ctx, a, a + len(who), span.root, None, "explicit")
    return None


def _colon_name_speaker(ctx: Context, seg_start: int) -> Speaker | None:
    """"X: “...”" with a person's name right before the colon."""
    text = ctx.text
    if ":" not in text[max(0, seg_start - 4):seg_start]:
        return None
    colon = text.rfind(":", 0, seg_start)
    ms = [m for m in ctx.mentions_in(max(0, colon - COLON_NAME_CHARS), colon) if m["end_char"] >= colon - 1]
    if ms and ms[-1]["label"] == "PERSON":
        return named_speaker(ms[-1], None, 0.8)
    return None


def _ends_with(ctx: Context, f: Frame, chars: tuple[str, ...]) -> bool:
    return ctx.text[:f.end].rstrip().rstrip("".join(ctx.marks) + "'")[-1:] in chars


def _candidates_after(ctx: Context, f: Frame) -> list[tuple]:
    """Reporting verbs after the quote: in the sentence after it, and opening the next paragraph."""
    text, doc, out = ctx.text, ctx.doc, []
    # the quote ends its own sentence (“... soon.”) and what follows is a new statement, not its frame:
    # “...” Feld said he would have closed the quay / She says it shows ...
    ends_sentence = _ends_with(ctx, f, (".", "…"))
    if f.sent_after is not None:
        a, b = f.sent_after
        b = min(b, f.para_end)
        if a >= f.start - 2 or text[f.close:a].strip() == "" or a <= f.close:
            for t in _cue_tokens(doc, max(a, f.close), b, ctx):
                own_clause = ends_sentence and any(
                    c.dep_ in ("ccomp", "xcomp") and c.idx > t.idx and not ctx.in_quote(c.idx) for c in t.children)
                rank = OWN_CLAUSE if own_clause else ADJACENT if t.idx - f.close < NEAR_CHARS else FAR_OR_PREVIOUS
                out.append((rank, t.idx - f.close, t))
    if f.close >= f.para_end and f.para_end + 2 < len(text):
        nxt = _sentence_at(ctx, f.para_end + 2, forward=True)
        if nxt is not None:
            lo = max(nxt[0], f.para_end + 2)
            for t in _cue_tokens(doc, lo, min(nxt[1], lo + NEXT_FRAME_CHARS), ctx):
                if not ctx.marks.intersection(text[lo:t.idx]):
                    out.append((NEXT_PARAGRAPH, t.idx - f.close, t))
    return out


def _candidates_before(ctx: Context, f: Frame) -> list[tuple]:
    """Reporting verbs before the quote: in the sentence holding its start, or narration ending the
    paragraph before one that the quote opens."""
    text, doc, out = ctx.text, ctx.doc, []
    if f.sent_before is not None:
        a, b = f.sent_before
        same_para = f.frame_end > f.para_start
        introduces = same_para and text[f.frame_end - 1:f.frame_end] in (",", ":") and not _ends_with(ctx, f, (",",))
        for t in _cue_tokens(doc, a, min(b, f.frame_end), ctx):
            near = f.start - t.idx < NEAR_CHARS
            rank = (NEAR_BEFORE if near else FAR_BEFORE) if same_para else FAR_OR_PREVIOUS
            out.append((INTRODUCES if introduces and rank in (NEAR_BEFORE, FAR_BEFORE) else rank, f.start - t.idx, t))
    # "Feld continued his attack on the council.\n\n“Eight years ago ...”"
    if f.sent_before is None and f.frame_end <= f.para_start and f.para_start >= 2 \
            and text[:f.para_start].rstrip()[-1:] == ".":
        rng = _sentence_at(ctx, len(text[:f.para_start].rstrip()) - 1, forward=False)
        if rng is not None and not ctx.marks.intersection(text[rng[0]:rng[1]]):
            out += [(NARRATION_BEFORE, f.start - t.idx, t) for t in _cue_tokens(doc, rng[0], rng[1], ctx)]
    return out


def _speaker_of_candidates(ctx: Context, f: Frame, candidates: list[tuple]) -> Speaker | None:
    """The subject of the best-placed reporting verb that has one (or the name next to an adjacent verb)."""
    for rank, _, cue in sorted(candidates, key=lambda c: (c[0], c[1])):
        if source_preposition(ctx.doc, cue.i, ctx.lex):
            continue  # "according to X" is a source, read by _source_phrase_speaker
        subj = subject_of(cue, ctx)
        if (subj is None or ctx.in_quote(subj.idx)) and rank == ADJACENT \
                and (named := _name_before_cue(ctx, f.close, cue) or _name_after_cue(ctx, cue)) is not None:
            return named
        if subj is not None and not ctx.in_quote(subj.idx):
            sp = speaker_from_subject(ctx, subj, cue.lemma_.lower())
            sp.tier = "next" if rank == NEXT_PARAGRAPH else (
                "prev" if rank in (FAR_OR_PREVIOUS, NARRATION_BEFORE) else "same")
            sp.adjacent = rank == ADJACENT and cue.idx > f.end
            return sp
    return None


def _colon_frame_speaker(ctx: Context, f: Frame) -> Speaker | None:
    """A frame ending in a colon: "In a speech last month he was direct:" / "He added:"."""
    text, doc = ctx.text, ctx.doc
    colon_at = len(text[:f.frame_end].rstrip()) - 1
    if colon_at <= 0 or text[colon_at] != ":":
        return None
    span = doc.char_span(max(0, colon_at - 1), colon_at, alignment_mode="expand")
    if span is None or not len(span):
        return None
    tok = span[0]
    while tok.head.i != tok.i and not ctx.in_quote(tok.head.idx) and tok.head.idx < colon_at:
        tok = tok.head  # climb to the frame's own verb, never into the quote
    subj = subject_of(tok, ctx)
    if subj is None or ctx.in_quote(subj.idx):
        return None
    lemma = tok.lemma_.lower()
    sp = speaker_from_subject(ctx, subj, lemma if lemma in ctx.lex.cues else None)
    sp.tier = "colon"
    return sp


def _source_phrase_speaker(ctx: Context, f: Frame) -> Speaker | None:
    """"according to X" (a source preposition of the pack) in the sentence after the quote or before it."""
    doc = ctx.doc
    for rng in (f.sent_after, f.sent_before):
        if rng is None:
            continue
        span = doc.char_span(rng[0], rng[1], alignment_mode="expand")
        for t in span or []:
            if (n := source_preposition(doc, t.i, ctx.lex)) and t.i + n < len(doc) and not ctx.in_quote(t.idx):
                if (head := prepositional_object(ctx, doc[t.i + n - 1])) is not None:
                    toks = list(head.subtree)
                    return resolve_speaker(ctx, toks[0].idx, toks[-1].idx + len(toks[-1].text), head,
                                           ctx.lex.source_prepositions[0], "explicit")
    return None


def _cue_tokens(doc, start: int, end: int, ctx: Context):
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return []
    return [t for t in span if t.lemma_.lower() in ctx.lex.cues and t.pos_ in ("VERB", "AUX") and not ctx.in_quote(t.idx)]


_APPOSITIVE_GAP = re.compile(r"\s*(?:,[^,“”\"\n]{1,60},)?\s*$")


def _name_before_cue(ctx: Context, close: int, cue) -> Speaker | None:
    """“...,” Feld, 58, told the Ledger / “...,” Dorn barked: the name between the closing mark and the
    cue, where the parser found no subject (it made the name a compound or an adverbial)."""
    ms = [m for m in ctx.mentions_in(close, cue.idx) if m["label"] in ("PERSON", "ORG")]
    if not ms or ctx.text[close:ms[0]["start_char"]].strip(" ,\n" + "".join(ctx.marks)):
        return None
    m = ms[0]
    if not _APPOSITIVE_GAP.match(ctx.text[m["end_char"]:cue.idx]):
        return None
    return named_speaker(m, cue.lemma_.lower())


_TITLE_GAP = re.compile(r"\s+(?:[\w.'’-]+\s+){0,4}$")


def _name_after_cue(ctx: Context, cue) -> Speaker | None:
    """“The risk,” said Marta Oksel, an economist ...: the name right after an inverted cue that the parser
    hung on the quote's own verb."""
    end = cue.idx + len(cue.text)
    ms = [m for m in ctx.mentions_in(end, end + 60) if m["label"] in ("PERSON", "ORG")]
    if not ms or not _TITLE_GAP.match(ctx.text[end:ms[0]["start_char"]] or " "):
        return None
    m = ms[0]
    return named_speaker(m, cue.lemma_.lower())


def _sentence_at(ctx: Context, char: int, forward: bool) -> tuple[int, int] | None:
    """(start, end) of the sentence holding the first token at or after ``char`` (before, if not forward)."""
    doc = ctx.doc
    if not len(doc) or char < 0:
        return None
    i = bisect.bisect_right(ctx.token_starts, char) - 1  # token starting at or before char
    if i < 0:
        i = 0
    tok = doc[i]
    if char >= tok.idx + len(tok.text):  # char is in the whitespace after tok
        if forward:
            if i + 1 >= len(doc):
                return None
            tok = doc[i + 1]
    sent = tok.sent
    return sent.start_char, sent.end_char


