"""Quotations and their speakers, from the same spaCy Doc as the mentions (never parsed twice).

Reads: a parsed Doc of ``articles.text`` and that article's mentions.
Produces ``quotes`` rows: quote_id, article_id, text, start_char, end_char, kind, speaker,
speaker_entity_id, speaker_surface, speaker_start, speaker_end, cue, attribution, confidence,
utterance_id, method.

Two finders, one row per span:
- ``quotation_marks`` (tasks.quotes.direct): what stands inside quotation marks and someone is reported
  as saying, with the speaker from the reporting verb around it.
- the attribution tagger (tasks.quotes.model): the content of every attribution, direct, mixed or
  indirect ("Dorn said the harbour would reopen", "the survey found that ..."), with its cue and source;
- four rules for forms of reported speech the tagger misses (tasks.quotes.rules), where neither finder
  found a span.
A tagged span that is mostly a quotation already found is that quotation; a tagged span that holds a
quotation within more words of its own is a mixed quote and replaces the fragments it holds.  The
speaker of a tagged span is its source span, else the subject of its cue, resolved to an entity like any
other speaker.  ``confidence`` is calibrated (tasks.quotes.calibration).
"""
from __future__ import annotations

import re

from newsloom.lang import LanguagePack
from newsloom.nlp import doc_text
from tasks.quotes.direct import extract_direct
from tasks.quotes.marks import find_quote_segments
from tasks.quotes.model import MIN_STANDALONE_SCORE, MODEL_METHODS, Attribution, tag_attributions
from tasks.quotes.rows import quote_row
from tasks.quotes.rules import find_rule_spans, split_relative_attribution
from tasks.quotes.speakers import Context, Found, Speaker, resolve_speaker, speaker_from_subject

# a tagged span wholly inside one quotation is that quotation: the marks say where its words begin and end.  One
# that reaches outside it ("that “...”", "he is “...”") is a mixed quote and replaces it.  On PolNeAR TUNE, moving
# this from 0.75 (chosen for the CRF's first release) to wholly inside raised exact F1 of direct and mixed quotes
# from 0.815 to 0.850 with the encoder, and from 0.787 to 0.824 with the CRF (docs/quote-encoder.md)
MOSTLY_QUOTED = 1.0
WORD_CHARS = re.compile(r"\w+")  # not language: a word, to tell a quotation's words from the reporter's
# a tagged span of fewer words than this, none of them a verb, states nothing: the topic of "discussed taxes"
# (PolNeAR tags it) or a stray token ("in").  Chosen on PolNeAR TUNE: dropping one-word spans raised span, exact
# and joint F1 (docs/quote-encoder.md); dropping verbless spans of up to 2, 3 or 5 words lowered joint F1
MIN_STATEMENT_WORDS = 2


def _cue_token(doc, att: Attribution):
    span = doc.char_span(att.cue[0], att.cue[1], alignment_mode="expand")
    if span is None or not len(span):
        return None
    verbs = [t for t in span if t.pos_ in ("VERB", "AUX")]
    return verbs[-1] if verbs else span.root


def asked_of_someone(cue, question_verbs: frozenset[str]) -> bool:
    """A verb of asking in the passive ("she was asked whether ...") or as a bare past participle ("Asked
    about the budget, ...", "when asked"), with no agent ("asked by a reporter"): the asker is not named, and
    whoever the sentence names was asked."""
    if cue.lemma_.lower() not in question_verbs or "Part" not in cue.morph.get("VerbForm") \
            or "Past" not in cue.morph.get("Tense"):
        return False
    deps = [child.dep_ for child in cue.children]
    # not language: the dependency schemes mark the passive with "pass" ("auxpass", "aux:pass") and its
    # agent with "agent" ("agent", "obl:agent")
    if any("agent" in dep for dep in deps):
        return False
    passive = any("pass" in dep for dep in deps)
    bare = not any(dep.startswith(("nsubj", "aux")) for dep in deps)  # not "she has asked"
    return passive or bare


def model_speaker(ctx: Context, att: Attribution) -> Speaker | None:
    """The speaker of a tagged attribution: its source span, else its cue's subject unless the cue is a verb
    of appearance; none where the cue is a question put to someone (``asked_of_someone``)."""
    cue = _cue_token(ctx.doc, att) if att.cue else None
    lemma = cue.lemma_.lower() if cue is not None else None
    if cue is not None and asked_of_someone(cue, ctx.lex.question_verbs):
        return None
    if att.source is not None:
        return resolve_speaker(ctx, att.source[0], att.source[1], att.source_head, lemma, "explicit")
    if lemma in ctx.lex.appearance_verbs:
        return None  # "the mayor seemed unconvinced": the writer's reading of the mayor, not the mayor's words
    if cue is not None and (subj := ctx.speaker_subject(cue)) is not None and subj.dep_ != "nsubjpass":
        # the passive subject of a verb of saying is what is said of someone, not who says it: "the board
        # is expected to approve ...", "the mayor is said to favour ..."
        return speaker_from_subject(ctx, subj, lemma)
    return None


def _kind(ctx: Context, a: int, b: int) -> str:
    """direct when every word of the span is inside quotation marks (the punctuation at its edges aside);
    otherwise indirect, as the contract has it: a reported clause with quoted words in it, a mixed quote, is
    indirect, and so is 'that “...”', whose first word the reporter wrote."""
    inside = ctx.quote_spans
    words = [m.start() for m in WORD_CHARS.finditer(ctx.text, a, b)]
    return "direct" if words and all(any(qs <= w < qe for qs, qe in inside) for w in words) else "indirect"


# a tagged span this much inside quotation marks that the quotation rule judged a title, a name or a scare
# quote is those words, not a report (kept from the CRF's first release, when it was the kind's own bound)
MOSTLY_IN_MARKS = 0.9


def _mostly_in_marks(ctx: Context, a: int, b: int) -> bool:
    inside, _ = ctx.quoted_in(a, b)
    return inside >= MOSTLY_IN_MARKS * (b - a)


def _after_colon(text: str, a: int, start: int, marks: frozenset) -> bool:
    """The quotation at ``start`` follows a colon inside [a, start): only marks and spaces between them."""
    k = start - 1
    while k > a and (text[k] in marks or text[k].isspace()):
        k -= 1
    return k >= a and text[k] == ":"


def _before_inner_frame(ctx: Context, a: int, b: int, held: list[Found]) -> int:
    """Where a tagged span [a, b) must end so that it does not swallow a quotation whose own speaker is
    named inside the span, ahead of it ("Feld said the port would build a quay, which the mayor called “a
    waste”"): the last comma or semicolon before that speaker; ``b`` when there is no such quotation, ``a``
    when there is no boundary to cut at."""
    inner = [f.speaker.surface_start for f in held
             if f.kind == "direct" and f.speaker is not None and a < f.speaker.surface_start < f.start < b
             and f.speaker.attribution == "explicit"]
    if not inner:
        return b
    cut = max(ctx.text.rfind(",", a, min(inner)), ctx.text.rfind(";", a, min(inner)))
    return cut if cut - a >= 8 else a


def _other_speaker(quoted: Speaker | None, tagged: Speaker | None) -> bool:
    """The quotation's own frame names an entity, and the tagged span has no entity for its speaker."""
    if quoted is None or quoted.attribution == "continuation" or quoted.entity_id is None:
        return False
    return tagged is None or tagged.entity_id is None


def _framed_by_speech(ctx: Context, att: Attribution) -> bool:
    """The tagger found a source for the span and a cue that is a verb of saying or believing."""
    return att.source is not None and att.cue_lemma in ctx.pack.lexicon.attribution_verbs


def is_fragment(doc, a: int, b: int) -> bool:
    """Whether characters [a, b) of ``doc`` are too short to state anything: fewer than MIN_STATEMENT_WORDS
    words, and no verb among them."""
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return False
    words = [t for t in span if not (t.is_punct or t.is_space)]
    return len(words) < MIN_STATEMENT_WORDS and not any(t.pos_ in ("VERB", "AUX") for t in words)


def balance_marks(ctx: Context, a: int, b: int) -> tuple[int, int]:
    """[a, b) widened over a quotation mark that only punctuation parts from its edge, so that a tagged span
    holding one mark of a quotation holds its other too: 'that “the quay will close.' ends with its '”',
    and 'apology” to the board' opens with its '“'.  A quotation that runs on past the span with more words
    is left open: the span does not say them.  (The scorer trims marks and edge punctuation, so this is for
    the reader of the row, and the PolNeAR figures do not move.)"""
    text = ctx.text
    for qs, qe in ctx.quote_spans:
        if a < qs <= b <= qe < len(text) and text[qe] in ctx.marks and not WORD_CHARS.search(text, b, qe):
            b = qe + 1  # the closing mark is the character at the content's end
        if 0 < qs <= a <= qe < b and text[qs - 1] in ctx.marks and not WORD_CHARS.search(text, qs, a):
            a = qs - 1
    return a, b


def _edge_chars(text: str, a: int, b: int, held: list[Found]) -> int:
    """The characters of [a, b) outside the spans ``held`` that are no word: marks, apostrophes, punctuation and
    spaces ("''We will not sign" reaches outside “We will not sign” by its marks only)."""
    inside = [False] * (b - a)
    for f in held:
        for k in range(max(a, f.start), min(b, f.end)):
            inside[k - a] = True
    return sum(1 for k, covered in enumerate(inside) if not covered and not text[a + k].isalnum())


def lend_speaker(ctx: Context, att: Attribution, held: list[Found], found: list[Found]) -> None:
    """The speaker the tagger finds for a span inside a quotation becomes the speaker of that quotation's
    utterance (every fragment of it, so that they keep one speaker).  The tagger reads the frame across the
    sentence, where the quotation's own rules look at the words beside the marks: on PolNeAR TUNE this raised
    the speaker accuracy of direct quotes from 0.929 to 0.943 (docs/quote-encoder.md)."""
    speaker = model_speaker(ctx, att)
    if speaker is None:
        return
    utterances = {f.utterance for f in held if f.kind == "direct"}
    for f in found:
        if f.kind == "direct" and f.utterance in utterances and f.method not in MODEL_METHODS \
                and (f.speaker is None or speaker.name is not None):
            f.speaker = speaker  # a speaker the tagger could not name never replaces one the rules named


def merge_found(ctx: Context, direct: list[Found], atts: list[Attribution]) -> list[Found]:
    """One span per quotation: the direct quotes, then each tagged attribution that is not one of them.  Tagged
    spans framed by one cue are one utterance ("The new quay, Jonas Feld said, would open in the spring")."""
    out = list(direct)
    utterance_of_cue: dict[tuple[int, int], int] = {}
    for att in atts:
        a, b = att.start, att.end
        held = [f for f in out if f.start < b and a < f.end]
        b = _before_inner_frame(ctx, a, b, held)
        b, own = split_relative_attribution(ctx, a, b)
        if own is not None and not any(f.start < own.end and own.start < f.end for f in out if f not in held):
            out = [f for f in out if not (f.start < own.end and own.start < f.end)]
            own.kind = _kind(ctx, own.start, own.end)
            out.append(own)
        if b <= a:
            continue
        held = [f for f in out if f.start < b and a < f.end]
        shared = sum(min(b, f.end) - max(a, f.start) for f in held)
        if held and any(f.kind == "direct" for f in held) and shared + _edge_chars(ctx.text, a, b, held) >= MOSTLY_QUOTED * (b - a):
            lend_speaker(ctx, att, held, out)
            continue  # the quotation itself, found by its marks
        if not held and _mostly_in_marks(ctx, a, b) and not _framed_by_speech(ctx, att):
            # words in marks that the quotation rule judged a title, a name or a scare quote; unless the tagger
            # found who said them with a verb of saying ("the mayor called “a waste of money”")
            continue
        if any(f.kind == "direct" and _after_colon(ctx.text, a, f.start, ctx.marks) for f in held):
            continue  # "X spoke about the delays: “...”": the colon ends the frame, the quotation is the content
        if any(f.method in MODEL_METHODS for f in held):
            continue  # tagged spans never overlap each other; a nested repeat would double a row
        if not held and (is_fragment(ctx.doc, a, b) or att.score < MIN_STANDALONE_SCORE.get(att.method, 0.0)):
            continue  # a lone word ("in", "preconditions") or a span the tagger doubts, with no quotation to support it
        speaker = model_speaker(ctx, att)
        other = [f for f in held if f.kind == "direct" and f.start > a and _other_speaker(f.speaker, speaker)]
        if other:
            # one span, one speaker: a quotation whose own frame names who said it, inside a tagged span
            # whose source names nobody we know ("some claim ..., but “...” he said"), stays a quotation,
            # and the tagged span ends at the last comma before it
            cut = ctx.text.rfind(",", a, min(f.start for f in other))
            if cut - a < 8:
                continue
            b = cut
            held = [f for f in held if f.start < b]
        if speaker is None:
            speaker = next((f.speaker for f in held if f.speaker is not None), None)
        out = [f for f in out if f not in held]
        utterance = utterance_of_cue.setdefault(att.cue, a) if att.cue is not None else a
        a, b = balance_marks(ctx, a, b)
        out.append(Found(a, b, _kind(ctx, a, b), speaker, utterance, att.method, att.score))
    return sorted(out, key=lambda f: f.start)


def add_rule_spans(found: list[Found], ruled: list[Found]) -> list[Found]:
    """The rules' spans where no quotation and no tagged attribution is (tasks.quotes.rules).  A rule span
    skipped for a span already found lends that span's utterance to the other parts of its utterance."""
    taken = list(found)
    same: dict[int, int] = {}
    for r in ruled:
        hit = next((f for f in taken if r.start < f.end and f.start < r.end), None)
        if hit is not None:
            same.setdefault(r.utterance, hit.utterance)
            continue
        r.utterance = same.get(r.utterance, r.utterance)
        taken.append(r)
    return sorted(taken, key=lambda f: f.start)


def extract_quotes(doc, article_id: str, mentions: list[dict], pack: LanguagePack, tagger=None) -> list[dict]:
    """Direct, mixed and indirect quotes of one parsed article, with speakers resolved to mentions: the
    quote finder ``attribution_tagger`` (a pack whose language the tagger was trained on)."""
    text = doc_text(doc)
    segments = find_quote_segments(text, pack.marks)
    ctx = Context(doc, text, mentions, pack, quote_spans=[(s.start, s.end) for s in segments])
    found = merge_found(ctx, extract_direct(ctx, segments), tag_attributions(doc, pack, tagger))
    found = add_rule_spans(found, find_rule_spans(ctx))
    for f in found:
        f.start = after_dateline(ctx, f.start, f.end)
    return [quote_row(article_id, ctx.text, f) for f in found]


def after_dateline(ctx: Context, a: int, b: int) -> int:
    """Where a span that opens a paragraph begins once a dateline at its start is left out: "ROTTERDAM
    (Kestria Today) — " names where the story was filed, not what was said."""
    dateline = ctx.pack.pattern("place_dateline")
    if dateline is None or (a > 0 and ctx.text[a - 1] != "\n"):
        return a
    m = dateline.match(ctx.text, a, b)
    return m.end() if m and m.end() < b else a
