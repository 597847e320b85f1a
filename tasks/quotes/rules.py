"""Reported speech in five forms the tagger can miss, each a pattern a reporter uses, by rule.

The attribution tagger (tasks.quotes.model) finds most reported speech.  These rules add a span only
where neither it nor the quotation-mark rule found one (``extract.add_rule_spans``); each row's
``method`` names its rule:
- ``rule_reported_clause``: "X said (that) CLAUSE", "X told reporters CLAUSE": a verb of saying with a
  clausal complement and a subject that can speak.
- ``rule_parenthetical``: the speech clause sits between commas inside the reported sentence ("The
  ferry, the mayor said, will run again by May."); both sides are the report, one utterance.
- ``rule_according_to``: "According to X, CLAUSE." and "CLAUSE, according to X."
- ``rule_as_clause``: "As X said, CLAUSE." and "CLAUSE, as X predicted."
- ``rule_colon_line``: a line that opens with a person's name and a colon reports the rest of the line
  (a transcript, or a headline such as "Dorn: Trust the harbour board").
- ``rule_relative_clause`` (``split_relative_attribution``): a relative clause inside a tagged span that
  has a verb of saying, its own subject and words in quotation marks ("..., which the mayor called “a
  waste of money”") is another attribution: the tagged span ends before it, and what the clause says
  becomes a span of its own.
They are few on PolNeAR DEV (about 1% of rows); their share of right rows per rule is printed by
``bench/quotes.py`` and given in docs/quote-model.md.  They exist for the forms, which the tests in
tests/test_quotes.py show on fictional text, not for the DEV figures.
"""
from __future__ import annotations

import re

from tasks.quotes.marks import WORD
from tasks.quotes.speakers import (
    Context,
    Found,
    Speaker,
    named_speaker,
    prepositional_object,
    resolve_speaker,
    source_preposition,
    speaker_from_subject,
    subject_of,
)

RELATIVE_CONTENT = ("ccomp", "oprd", "xcomp", "dobj", "attr")


def split_relative_attribution(ctx: Context, a: int, b: int) -> tuple[int, Found | None]:
    """(where the tagged span [a, b) ends, the relative clause's own attribution or None)."""
    span = ctx.doc.char_span(a, b, alignment_mode="expand")
    for verb in span or []:
        if verb.dep_ != "relcl" or verb.lemma_.lower() not in ctx.lex.attribution_verbs or verb.pos_ != "VERB" \
                or ctx.in_quote(verb.idx):
            continue
        subj = next((c for c in verb.children if c.dep_ == "nsubj" and c.tag_ not in ("WDT", "WP")), None)
        if subj is None or subj.lower_ in ctx.lex.not_speakers:
            continue
        clause_end = verb.right_edge.idx + len(verb.right_edge.text)
        if not ctx.quoted_in(verb.left_edge.idx, clause_end)[0]:
            continue  # reported words with no marks of their own stay inside the report that holds them
        cut = ctx.text.rfind(",", a, verb.left_edge.idx + 1)
        if cut - a < 8:
            continue
        said = [t for c in verb.children if c.dep_ in RELATIVE_CONTENT and c.i > verb.i and c.tag_ not in ("WDT", "WP")
                for t in c.subtree]
        found = _clause_span(ctx, sorted(said, key=lambda t: t.i)) if said else None
        own = None
        if found is not None:
            speaker = speaker_from_subject(ctx, subj, verb.lemma_.lower())
            own = Found(found[0], found[1], "indirect", speaker, found[0], "rule_relative_clause", speaker.confidence)
        return cut, own
    return b, None


def find_rule_spans(ctx: Context) -> list[Found]:
    """Every span the four rules find, each tagged with its rule's name."""
    out = []
    for name, rule in (("rule_reported_clause", _reported_clauses), ("rule_parenthetical", _parentheticals),
                       ("rule_according_to", _according_to),
                       ("rule_as_clause", _as_clauses), ("rule_colon_line", _colon_lines)):
        for f in rule(ctx):
            f.method = name
            out.append(f)
    return out


def _reported_clauses(ctx: Context):
    """"X said (that) CLAUSE", "X told reporters CLAUSE": a verb of saying outside quotation marks, with
    a subject that can speak and a clausal complement of three words or more, reports that clause, up to
    where the next attribution begins.  A clause that is mostly a quotation is left to the quotation; one
    that runs into a quotation's edge is cut at the comma before it."""
    text = ctx.text
    for tok in ctx.doc:
        if tok.lemma_.lower() not in ctx.lex.indirect_cues or tok.pos_ != "VERB" or ctx.in_quote(tok.idx):
            continue
        comp = next((c for c in tok.children if c.dep_ == "ccomp"), None)
        if comp is None:
            continue
        toks = _until_next_attribution(ctx, [t for t in comp.subtree if not t.is_space], comp.i)
        while toks and toks[0].is_punct:
            toks = toks[1:]
        while toks and toks[-1].is_punct and toks[-1].text not in ctx.marks:
            toks = toks[:-1]
        if len(toks) < 3:
            continue
        a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        while b > a and (text[b - 1] in ctx.marks or text[b - 1] in ",;:"):
            b -= 1
        while a < b and text[a] in ctx.marks:
            a += 1
        if "\n" in text[a:b]:
            continue
        inside, covered = ctx.quoted_in(a, b)
        if inside and not covered:
            first = min((qs for qs, qe in ctx.quote_spans if qs < b and a < qe and not (qs >= a - 1 and qe <= b + 1)),
                        default=a)
            cut = text.rfind(",", a, max(a, first - 1))
            if cut == -1 or len(text[a:cut].split()) < 4:
                continue
            b = cut
            inside, covered = ctx.quoted_in(a, b)
            if inside and not covered:
                continue
        if inside > 0.75 * (b - a) or (subj := ctx.speaker_subject(tok)) is None or subj.dep_ == "nsubjpass":
            continue
        yield _indirect(ctx, a, b, speaker_from_subject(ctx, subj, tok.lemma_.lower()), 0.85, 0.6)


def _until_next_attribution(ctx: Context, toks: list, after: int) -> list:
    """``toks`` cut where the next attribution begins, past token ``after``: a second verb of saying
    joined to the clause with no subject of its own ("said the quay was closed by the board and said,
    “...”"), a participle of saying after a comma ("..., claiming that ..."), or a relative clause with a
    speaker of its own set off by a comma (", which the mayor called “a waste of money”")."""
    for k, t in enumerate(toks):
        if t.i > after and t.lemma_.lower() in ctx.lex.cues and t.pos_ == "VERB" and (
                t.dep_ == "conj" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children)
                or t.tag_ == "VBG" and t.dep_ == "advcl" and _after_comma(ctx, toks, k)):
            while k > 0 and (toks[k - 1].dep_ == "cc" or toks[k - 1].is_punct):
                k -= 1
            return toks[:k]
        if t.i > after and t.dep_ == "relcl" and t.lemma_.lower() in ctx.lex.attribution_verbs and any(
                c.dep_ == "nsubj" and c.lower_ not in ctx.lex.relative_pronouns for c in t.children):
            first = min(x.i for x in t.subtree)
            k = next((j for j, x in enumerate(toks) if x.i == first), 0)
            if k > 0 and toks[k - 1].text == ",":
                return toks[:k - 1]
    return toks


def _after_comma(ctx: Context, toks: list, k: int) -> bool:
    """The token before toks[k], past closing marks, is a comma or a dash."""
    k -= 1
    while k >= 0 and toks[k].text in ctx.marks:
        k -= 1
    return k >= 0 and toks[k].text in (",", "—", "–", ";")


def _parentheticals(ctx: Context):
    """"The ferry, the mayor said, will run again by May.": the speech clause sits inside the sentence
    between commas, and the reported words are the two sides of it (one utterance, two spans)."""
    doc, text = ctx.doc, ctx.text
    for tok in doc:
        if tok.lemma_.lower() not in ctx.lex.indirect_cues or tok.pos_ != "VERB" or ctx.in_quote(tok.idx):
            continue
        subj = subject_of(tok, ctx)
        if subj is None or subj.i > tok.i or subj.lower_ in ctx.lex.not_speakers:
            continue
        first = subj.left_edge.i
        if first < 1 or doc[first - 1].text != "," or tok.i + 1 >= len(doc) or doc[tok.i + 1].text != ",":
            continue
        sent = tok.sent
        before = [t for t in doc[sent.start:first - 1] if not t.is_space]
        after = [t for t in doc[tok.i + 2:sent.end] if not t.is_space]
        if not before or len(after) < 3 or any(t.text in ctx.marks for t in [*before, *after]):
            continue
        right = _clause_span(ctx, after)
        if right is None:
            continue
        speaker = speaker_from_subject(ctx, subj, tok.lemma_.lower())
        speaker.confidence = round(speaker.confidence * (0.8 if speaker.entity_id else 0.55), 3)
        a, b = before[0].idx, before[-1].idx + len(before[-1].text)
        if len([t for t in before if not t.is_punct]) >= 2 and "\n" not in text[a:b]:
            yield Found(a, b, "indirect", speaker, right[0], "rule", speaker.confidence)
        yield Found(right[0], right[1], "indirect", speaker, right[0], "rule", speaker.confidence)


def _clause_span(ctx: Context, toks: list) -> tuple[int, int] | None:
    """Character span of tokens with edge punctuation and marks trimmed, or None when too short or when it
    is mostly a direct quote or crosses a quotation's edge; also returns nothing across paragraphs."""
    text = ctx.text
    while toks and (toks[0].is_punct and toks[0].text not in ctx.marks or toks[0].is_space):
        toks = toks[1:]
    while toks and (toks[-1].is_punct and toks[-1].text not in ctx.marks or toks[-1].is_space):
        toks = toks[:-1]
    if len(toks) < 3:
        return None
    a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
    while a < b and text[a] in ctx.marks:
        a += 1
    while b > a and (text[b - 1] in ctx.marks or text[b - 1] in ",;:"):
        b -= 1
    if "\n" in text[a:b] or b - a < 8:
        return None
    return a, b


def _according_to(ctx: Context):
    """"According to X, CLAUSE." and "CLAUSE, according to X.": the clause is reported, X its source (any
    of the language's source prepositions)."""
    for tok in ctx.doc:
        n = source_preposition(ctx.doc, tok.i, ctx.lex)
        if not n or tok.i + n >= len(ctx.doc) or ctx.in_quote(tok.idx):
            continue
        to = ctx.doc[tok.i + n - 1]
        head = prepositional_object(ctx, to)
        if head is None:
            continue
        phrase = sorted({t.i for t in tok.subtree} | {t.i for t in to.subtree} | {tok.i, to.i})
        sent = tok.sent
        before = [t for t in sent if t.i < phrase[0] and not t.is_space]
        after = [t for t in sent if t.i > phrase[-1] and not t.is_space]
        side = after if len(after) >= len(before) else before
        if len([t for t in side if not t.is_punct]) < 3 or (found := _clause_span(ctx, side)) is None:
            continue
        a, b = found
        if ctx.reported(a, b) is None:
            continue  # a direct quote (attributed by the same phrase) or a parse that crosses its marks
        src = list(head.subtree)
        speaker = resolve_speaker(ctx, src[0].idx, src[-1].idx + len(src[-1].text), head,
                                  ctx.lex.source_prepositions[0], "explicit")
        yield _indirect(ctx, a, b, speaker, 0.85, 0.6)


def _as_clauses(ctx: Context):
    """"As the harbour master has pointed out, the ferry is the island's “only lifeline”." and "CLAUSE, as
    the union's lawyer suggested.": the rest of the sentence is reported, the "as" clause names its source."""
    for tok in ctx.doc:
        if tok.lower_ not in ctx.lex.source_clause_markers or tok.dep_ != "mark" or ctx.in_quote(tok.idx):
            continue
        verb = tok.head
        if verb.lemma_.lower() not in ctx.lex.indirect_cues or verb.pos_ != "VERB" or verb.i < tok.i:
            continue
        if any(c.dep_ in ("ccomp", "dobj") for c in verb.children):
            continue  # "as he said that ...", "as she told reporters": not a frame of the rest
        if (subj := ctx.speaker_subject(verb)) is None:
            continue
        sent = tok.sent
        clause = sorted(t.i for t in verb.subtree)
        lo, hi = clause[0], clause[-1]
        before = [t for t in sent if t.i < lo and not t.is_space]
        after = [t for t in sent if t.i > hi and not t.is_space]
        if before and len([t for t in before if not t.is_punct]) >= 4 and (not after or all(t.is_punct for t in after)):
            side = before  # "CLAUSE, as X said."
        elif lo == sent.start and len([t for t in after if not t.is_punct]) >= 4:
            side = after  # "As X said, CLAUSE."
        else:
            continue
        if (found := _clause_span(ctx, side)) is None:
            continue
        a, b = found
        if ctx.reported(a, b) is None:
            continue
        yield _indirect(ctx, a, b, speaker_from_subject(ctx, subj, verb.lemma_.lower()), 0.85, 0.6)


# a line that opens with a name and a colon: a transcript ("Feld: Well, nobody saw that coming ...") or a
# headline ("Dorn: Trust the harbour board on safety, not its critics")
COLON_LINE = re.compile(r"(?m)^[ \t]*(?P<name>[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3})[ \t]*:[ \t]+(?P<content>\S[^\n]*)$")


def _colon_lines(ctx: Context):
    """A line that opens with a person's name and a colon reports what follows, to the end of the line."""
    text = ctx.text
    for m in COLON_LINE.finditer(text):
        a, b = m.start("content"), m.end("content")
        if text[a] in ctx.marks or ctx.in_quote(a) or len(WORD.findall(text[a:b])) < 3:
            continue  # a quotation after the colon is a direct quote, attributed as one
        while b > a and text[b - 1] in " .,;:":
            b -= 1
        names = [x for x in ctx.mentions_in(m.start("name"), m.end("name") + 1) if x["label"] == "PERSON"]
        if not names:
            continue
        if ctx.reported(a, b) is None:
            continue
        yield _indirect(ctx, a, b, named_speaker(names[-1], None, 0.7), 1.0)


def _indirect(ctx: Context, a: int, b: int, speaker: Speaker, resolved: float,
              unresolved: float | None = None) -> Found:
    """An indirect row; the speaker's confidence scaled by how sure the form is (``unresolved`` when the
    speaker is not resolved to an entity, if that form says less then)."""
    factor = resolved if speaker.entity_id or unresolved is None else unresolved
    speaker.confidence = round(speaker.confidence * factor, 3)
    return Found(a, b, "indirect", speaker, a, "rule", speaker.confidence)
