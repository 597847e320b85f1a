"""Quotes in a language without a trained attribution tagger, from its lexicon file alone.

Reads: a parsed Doc of ``articles.text`` (any spaCy pipeline with a parser and lemmas), that article's
mentions, and ``newsloom/lang/<code>.json``.  Produces the same ``quotes`` rows as tasks.quotes.extract,
with ``method`` = ``lexicon_rules``.

Direct quotes are the spans inside quotation marks (tasks.quotes.marks: « », “ ”, " with or without thin
or non-breaking spaces).  Their speaker comes from the frame around them, first found wins:
- an incise inside the marks, which splits the quote in two parts of one utterance
  (« Nous partirons, a-t-elle expliqué, dès demain ») or ends it;
- the frame after the closing mark (», a déclaré Ilse Dorn / », a-t-il ajouté / », selon la mairie);
- the frame before the opening mark in the same sentence (Ilse Dorn a déclaré : « / Selon Dorn, « /
  Le ministre a estimé que « );
- a quote that opens a paragraph with no frame of its own continues the last attributed quote before it.
A quotation with no speaker that opens the paragraph right after reported speech continues that speech.

Indirect speech: a reporting or belief verb followed by its complementizer (X a estimé que ...), a sentence
framed by a source preposition (Selon X, ... / ..., d'après X.), and content followed by its frame as the
sentence's last clause (..., a annoncé la mairie.).  A reported clause that holds a quotation is one
indirect quote.

What a frame is and how its speaker resolves to the article's mentions: tasks.quotes.frames.
"""
from __future__ import annotations

import re
from functools import lru_cache

from newsloom.lang import LanguagePack, Lexicon
from tasks.quotes.frames import WORD, Resolver, cue_tokens, source_prep, verb_forms
from tasks.quotes.marks import find_quote_segments
from tasks.quotes.rows import quote_row
from tasks.quotes.speakers import Context, Found, Speaker

METHOD = "lexicon_rules"
FRAME_CHARS = 160  # how far a frame reaches from its quotation mark
MIN_UNFRAMED_WORDS = 5  # a quotation with no frame and fewer words is a term or a title in marks


@lru_cache(maxsize=None)
def _frame_end(openers: str) -> re.Pattern:
    """Where a frame after a quotation ends: the sentence's end or the next opening mark."""
    return re.compile(rf"[.!?\n{re.escape(openers)}]")
_INCISE_END = re.compile(r"[,—–.!?]")


def _incise(res: Resolver, a: int, b: int) -> tuple[int, int, Speaker] | None:
    """An incise inside a quotation (, a-t-elle expliqué, / , a déclaré X, / , selon X,): its bounds and
    speaker.  It opens with a comma or dash and runs to the next comma, dash or the quote's end."""
    text = res.ctx.text
    for m in re.finditer(r"[,—–]\s*", text[a:b]):
        s = a + m.end()
        nxt = _INCISE_END.search(text, s, b)
        e = nxt.start() if nxt else b
        if e - s > 70 or e <= s:
            continue
        piece = text[s:e]
        if not (res.inverted.match(piece) or source_prep(text, s, e, res.lex) is not None):
            cues = cue_tokens(res.ctx.doc, s, e, res.lex)
            if not cues or cues[0].idx - s > 12:
                continue  # the verb of an incise comes first: a déclaré X, ajoute-t-il, poursuit le ministre
        sp = res.frame(s, e, after=True)
        if sp is not None:
            return a + m.start(), e + (1 if nxt and text[e] in ",—–" else 0), sp
    return None


def find_direct(res: Resolver, segments) -> list[Found]:
    """The quotations in marks, each utterance with the speaker its frame names (None where it names
    nobody: continue_unframed and drop_unframed_terms decide those)."""
    ctx = res.ctx
    marks = res.pack.marks
    text = ctx.text
    out: list[Found] = []
    groups: dict[int, list] = {}
    for seg in segments:
        groups.setdefault(seg.utterance, []).append(seg)
    work_title = _work_title(res.lex.work_title_words)
    for utt in sorted(groups):
        segs = groups[utt]
        parts: list[tuple[int, int]] = []
        speaker: Speaker | None = None
        for seg in segs:
            inc = _incise(res, seg.start, seg.end)
            if inc is not None:
                s, e, sp = inc
                parts += [(seg.start, s), (e, seg.end)]
                speaker = speaker or sp
            else:
                parts.append((seg.start, seg.end))
        parts = [(s, e) for s, e in (_strip(text, s, e) for s, e in parts) if WORD.search(text, s, e)]
        if not parts:
            continue
        first, final = segs[0], segs[-1]
        close = final.end  # past the spaces and the closing mark
        while close < len(text) and (text[close] in marks.closers or text[close] in " \u00a0\u202f") and close - final.end < 4:
            close += 1
        if speaker is None:  # the frame after the closing mark, up to the sentence's end
            stop = _frame_end(marks.openers).search(text, close, close + FRAME_CHARS)
            end = stop.start() if stop else min(len(text), close + FRAME_CHARS)
            if re.match(r"[\s,—–-]*\S", text[close:end] or " ") and end > close:
                speaker = res.frame(close, end, after=True)
        if speaker is None:  # the frame before the opening mark, in its sentence
            open_at = first.start
            while open_at > 0 and (text[open_at - 1] in marks.openers or text[open_at - 1] in " \u00a0\u202f") \
                    and first.start - open_at < 3:
                open_at -= 1
            # the frame starts after the last full stop of its paragraph (the parser's sentence may start later,
            # inside the speaker's name, where it misreads a line)
            para = text.rfind("\n", 0, open_at) + 1
            stop = max(text.rfind(c, para, open_at) for c in ".!?")
            start = max(stop + 1, para, open_at - FRAME_CHARS)
            prev_close = max(text.rfind(c, start, open_at) for c in marks.closers)
            start = max(start, prev_close + 1)
            if text[start:open_at].strip():
                speaker = res.frame(start, open_at, after=False)
        before = text[max(0, first.start - 40):first.start - 1]
        if speaker is None and work_title is not None and work_title.search(before):
            continue  # a title: le livre « ... »
        for s, e in parts:
            out.append(Found(s, e, "direct", speaker, parts[0][0], METHOD, speaker.confidence if speaker else 0.3))
    return out


@lru_cache(maxsize=None)
def _work_title(words: tuple) -> re.Pattern | None:
    """The words that announce a title in marks (le livre « ... »), as one pattern per lexicon."""
    return re.compile(rf"(?:{'|'.join(re.escape(w) for w in sorted(words))})\s*$", re.I) if words else None


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a].isspace() or text[a] in ",—–.;"):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in ",—–"):
        b -= 1
    return a, b


def _continues(text: str, prev_end: int, start: int, openers: str) -> bool:
    """The quote at ``start`` follows the last attributed one in its paragraph (« A », a-t-il dit. « B »), or
    opens the next paragraph."""
    between = text[prev_end:start]
    if "\n" not in between:
        return len(between) < 300
    para = text.rfind("\n", 0, start) + 1
    opens = not text[para:start].strip(" \u00a0\u202f" + openers)
    return opens and between.count("\n\n") <= 1 and len(between) < 600


def find_indirect(res: Resolver, taken: list[Found]) -> list[Found]:
    """Reported speech: a reporting or belief verb and its complementizer (X a estimé que ...), and a
    sentence framed by a source preposition (Selon X, ... / ..., selon X.)."""
    ctx, lex = res.ctx, res.lex
    doc, text = ctx.doc, ctx.text
    indirect = lex.indirect_cues
    forms = verb_forms(frozenset(), indirect)
    out: list[Found] = []
    for sent in doc.sents:
        a, b = sent.start_char, sent.end_char
        inside, _ = ctx.quoted_in(a, b)
        if inside > 0.5 * (b - a):
            continue
        found = None
        for tok in sent:
            if tok.lemma_.lower() not in indirect and tok.lower_ not in forms or tok.pos_ not in ("VERB", "ADJ") \
                    or ctx.in_quote(tok.idx):
                continue
            comp = next((t for t in doc[tok.i + 1:min(sent.end, tok.i + 6)] if t.lower_ in lex.complementizers), None)
            if comp is None or any(t.is_punct and t.text not in ",\u00a0" for t in doc[tok.i + 1:comp.i]):
                continue
            speaker = res.subject(tok, a, tok.idx) or res.named(a, tok.idx, tok.lemma_.lower()) \
                or _noun_subject(tok, a)
            if speaker is None:
                continue
            found = (comp.idx + len(comp), _content_end(text, comp.idx + len(comp), b), speaker)
            break
        if found is None:
            found = _by_source(res, a, b)
        if found is None:
            found = _by_trailing_frame(res, a, b)
        if found is None:
            continue
        s, e, speaker = found
        while s < e and text[s].isspace():
            s += 1
        if len(WORD.findall(text[s:e])) < 3:
            continue
        held = [f for f in taken if f.start < e and s < f.end]
        shared = sum(min(e, f.end) - max(s, f.start) for f in held)
        if shared >= 0.5 * (e - s):
            continue  # the quotation itself, found by its marks
        out.append(Found(s, e, "indirect", speaker, s, METHOD, speaker.confidence * 0.9))
    return out


def _by_trailing_frame(res: Resolver, a: int, b: int) -> tuple[int, int, Speaker] | None:
    """Content, then its frame as the sentence's last clause: "Le port rouvrira lundi, a annoncé la
    mairie." / "..., indique Ilse Dorn." / "..., ont précisé les enquêteurs."  The frame opens with a
    reporting verb (after an auxiliary) and names who said it; the content before it needs a verb of its
    own, so that "Feld, a dit le maire" is not a quote."""
    text, doc = res.ctx.text, res.ctx.doc
    comma = text.rfind(",", a, b)
    if comma < 0 or comma - a < 20:
        return None
    span = doc.char_span(comma + 1, b, alignment_mode="contract")
    if span is None or not 2 <= len(span) <= 14:
        return None
    toks = [t for t in span if not t.is_punct]
    first = next((t for t in toks if t.pos_ != "AUX" and t.lower_ not in res.lex.auxiliaries), None)
    if first is None or first.i - toks[0].i > 1 or not cue_tokens(doc, first.idx, first.idx + len(first), res.lex):
        return None
    if res.inverted.match(text, first.idx):
        return None  # an inverted incise (», a-t-il dit) belongs to a quotation, not to reported speech
    content = doc.char_span(a, comma, alignment_mode="contract")
    if content is None or not any(t.pos_ in ("VERB", "AUX") for t in content):
        return None
    speaker = res.frame(comma + 1, b, after=True)
    if speaker is None:
        return None
    return a, comma, speaker


def merge_mixed(direct: list[Found], indirect: list[Found]) -> list[Found]:
    """A reported clause that holds a quotation (X a jugé que la visite arrivait « bien tard ») is one quote,
    indirect as the contract has it: the quoted words inside it are not a second row."""
    out = [d for d in direct if not any(i.start <= d.start and d.end <= i.end for i in indirect)]
    return sorted(out + indirect, key=lambda f: f.start)


def _noun_subject(verb, a: int) -> Speaker | None:
    """A subject that names no entity (la chambre de commerce, l'étude): a speaker we cannot resolve."""
    verb = verb if verb.dep_ not in ("aux", "aux:tense", "aux:pass") else verb.head
    subj = next((c for c in verb.children if c.dep_ == "nsubj" and c.pos_ == "NOUN" and c.idx >= a), None)
    if subj is None:
        return None
    lo, hi = subj.left_edge.idx, subj.right_edge.idx + len(subj.right_edge)
    return Speaker(lo, hi, None, None, verb.lemma_.lower(), "explicit", 0.3)


def _content_end(text: str, s: int, b: int) -> int:
    e = b
    while e > s and (text[e - 1].isspace() or text[e - 1] in ".!?;"):
        e -= 1
    return e


def _source_word(lex: Lexicon, text: str, a: int, p: int) -> str:
    return text[a:p].strip(" ,;.\u00a0\u202f—–-").lower()


def _by_source(res: Resolver, a: int, b: int) -> tuple[int, int, Speaker] | None:
    """Selon X, content. / Content, selon X."""
    text = res.ctx.text
    if (p := source_prep(text, a, b, res.lex)) is not None and p - a < 12:
        comma = text.find(",", p, b)
        relative = res.pack.pattern("relative_after_comma")
        if comma > 0 and relative is not None and relative.match(text, comma + 1, b):
            # Selon X, qui gère le port, content: the relative clause describes the source
            comma = text.find(",", comma + 1, b)
        if comma > 0:
            sp = res.source(p, comma)
            if sp is None and text[p:p + 5].strip().lower() != "" and _source_word(res.lex, text, a, p) not in res.lex.weak_source_prepositions:
                sp = Speaker(p, comma, None, None, res.source_cue, "explicit", 0.3)  # selon les chiffres de la chambre
            if sp is not None:
                return comma + 1, _content_end(text, comma + 1, b), sp
    for prep in res.lex.source_prepositions:
        m = re.search(rf",\s*{re.escape(prep)}\s*", text[a:b], re.I)
        if m:
            s = a + m.end()
            end = _content_end(text, s, b)
            sp = res.named(s, end, res.source_cue) or res.role(s, end, res.source_cue)
            weak = prep in res.lex.weak_source_prepositions  # "pour X, ...": a source only when X is named
            if sp is None and not weak and WORD.search(text, s, end):
                sp = Speaker(s, end, None, None, res.source_cue, "explicit", 0.3)
            if sp is not None and not weak or sp is not None and sp.entity_id is not None:
                return a, a + m.start(), sp
    return None


def continue_unframed(text: str, found: list[Found], openers: str) -> list[Found]:
    """A quotation with no frame of its own that follows an attributed quote of any kind in its paragraph
    (« A », a-t-il dit. « B »), or opens the next one (a quote over two paragraphs, or « ... » after "Selon
    X, ..."), continues it: the speaker of the last attributed quote before it."""
    last: Found | None = None
    for f in found:
        if f.speaker is None and f.kind == "direct" and last is not None and f.utterance == f.start \
                and _continues(text, last.end, f.start, openers):
            sp = last.speaker
            speaker = Speaker(sp.surface_start, sp.surface_end, sp.name, sp.entity_id, sp.cue, "continuation",
                              min(sp.confidence, 0.6))
            for g in found:
                if g.utterance == f.utterance:
                    g.speaker = speaker
        if f.speaker is not None:
            last = f
    return found


def drop_unframed_terms(text: str, found: list[Found]) -> list[Found]:
    """Without a speaker, a quotation of fewer than MIN_UNFRAMED_WORDS words is a term or a title in marks."""
    words: dict[int, int] = {}
    for f in found:
        if f.kind == "direct" and f.speaker is None:
            words[f.utterance] = words.get(f.utterance, 0) + len(WORD.findall(text[f.start:f.end]))
    return [f for f in found if f.utterance not in words or words[f.utterance] >= MIN_UNFRAMED_WORDS]


def extract_lexical_quotes(doc, article_id: str, mentions: list[dict], pack: LanguagePack, tagger=None) -> list[dict]:
    """Direct and indirect quotes of one parsed article, with speakers resolved to its mentions: the quote
    finder ``lexicon_rules``, for any pack (its words, marks and patterns; ``tagger`` is not used)."""
    text = doc.text  # Doc.text joins every token anew on each call
    segments = find_quote_segments(text, pack.marks)
    ctx = Context(doc, text, mentions, pack, quote_spans=[(s.start, s.end) for s in segments])
    res = Resolver(ctx, pack.lexicon)
    direct = find_direct(res, segments)
    found = continue_unframed(ctx.text, merge_mixed(direct, find_indirect(res, direct)), pack.marks.openers)
    return [quote_row(article_id, ctx.text, f) for f in drop_unframed_terms(ctx.text, found)]
