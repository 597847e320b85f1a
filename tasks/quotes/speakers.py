"""Who said it: the speaker of a quotation, from the reporting verb and the words around it.

Attribution, in order: a reporting verb next to the quote ("X said", "said X", "X told the agency",
"according to X") whose subject is the speaker; "X: “...”"; a frame ending in a colon.  A pronoun, a role
noun ("the minister") or an organisation's noun ("the company") is resolved to the entity named earlier in
the article; the speaker's entity id then joins ``mentions`` and ``entities``.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property

from newsloom.lang import LanguagePack, Lexicon


@dataclass
class Speaker:
    surface_start: int
    surface_end: int
    name: str | None = None
    entity_id: str | None = None
    cue: str | None = None
    attribution: str = "explicit"
    confidence: float = 0.0
    tier: str = "same"  # where the frame was found: same, next (paragraph after), prev, colon
    adjacent: bool = False  # the frame follows the closing mark at once: “Quiet,” he demanded


@dataclass
class Found:
    """A quote span found by a rule or the model, before it becomes a row."""
    start: int
    end: int
    kind: str  # direct, mixed or indirect
    speaker: Speaker | None
    utterance: int  # start of the utterance's first fragment: fragments of one utterance share it
    method: str  # what found the span: a rule's name or the model's
    score: float = 0.0  # the method's own certainty, before calibration


@dataclass
class Context:
    """One parsed article as the quote finders see it: its text, its mentions (by offset), the spans inside
    quotation marks, and the language pack whose words the finders read."""
    doc: object
    text: str
    mentions: list[dict]
    pack: LanguagePack
    mention_starts: list[int] = field(default_factory=list)
    quote_spans: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self):
        self.mentions = sorted(self.mentions, key=lambda m: m["start_char"])
        self.mention_starts = [m["start_char"] for m in self.mentions]

    @property
    def lex(self) -> Lexicon:
        return self.pack.lexicon

    @cached_property
    def marks(self) -> frozenset:
        """Every quotation mark of the article's language."""
        return self.pack.marks.all

    @cached_property
    def token_starts(self) -> list[int]:
        """The character offset of every token, for finding the token at an offset."""
        return [t.idx for t in self.doc]

    def quoted_in(self, a: int, b: int) -> tuple[int, list[tuple[int, int]]]:
        """(characters of [a, b) inside quotation marks, the quotes wholly inside it)."""
        inside = sum(max(0, min(b, qe) - max(a, qs)) for qs, qe in self.quote_spans)
        return inside, [(qs, qe) for qs, qe in self.quote_spans if qs >= a - 1 and qe <= b + 1]

    def in_quote(self, pos: int) -> bool:
        return any(a - 1 <= pos <= b for a, b in self.quote_spans)

    def reported(self, a: int, b: int) -> list[tuple[int, int]] | None:
        """The quotes that [a, b) takes in, when it can be a reported clause; None when it is mostly a direct
        quote (attributed as one) or crosses a quotation's edge (the parse and the marks disagree)."""
        inside, covered = self.quoted_in(a, b)
        if inside > 0.75 * (b - a) or (inside and not covered):
            return None
        return covered

    def speaker_subject(self, verb, also_not: frozenset = frozenset()):
        """The verb's subject when it can name a speaker: not "it"/"there"/"which", not inside a quote."""
        subj = subject_of(verb, self)
        if subj is None or subj.lower_ in self.lex.not_speakers or subj.lower_ in also_not or self.in_quote(subj.idx):
            return None
        return subj

    def mentions_in(self, start: int, end: int) -> list[dict]:
        i = bisect.bisect_left(self.mention_starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i]["start_char"] < end:
            if self.mentions[i]["end_char"] <= end:
                out.append(self.mentions[i])
            i += 1
        return out

    def subject_person_before(self, pos: int, window: int = 600) -> dict | None:
        """The last person before ``pos`` that is the subject of its clause, within ``window`` chars."""
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        while i >= 0 and self.mentions[i]["start_char"] >= pos - window:
            m = self.mentions[i]
            if m["label"] == "PERSON" and not self.in_quote(m["start_char"]):
                span = self.doc.char_span(m["start_char"], m["end_char"], alignment_mode="expand")
                if span is not None and any(t.dep_ in ("nsubj", "nsubjpass") for t in span):
                    return m
            i -= 1
        return self.last_person_before(pos)

    def last_entity_before(self, pos: int, label: str, word: str) -> dict | None:
        """The last ``label`` mention before ``pos`` whose name contains ``word``, else the last one at all."""
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        fallback = None
        while i >= 0:
            m = self.mentions[i]
            if m["label"] == label and not self.in_quote(m["start_char"]):
                if word in m["name"].lower():
                    return m
                fallback = fallback or m
            i -= 1
        return fallback if word in ("company", "firm") else None

    def last_person_before(self, pos: int, role: str | None = None) -> dict | None:
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        while i >= 0:
            m = self.mentions[i]
            if m["label"] == "PERSON" and not self.in_quote(m["start_char"]):
                if role is None or role in self.text[max(0, m["start_char"] - 60):m["start_char"]].lower():
                    return m
            i -= 1
        return None


def subject_of(cue, ctx: Context) -> object | None:
    """The cue's subject, never one inside quotation marks (the parser sometimes hangs a name in the quote
    on the frame's verb: “[Dorn] can be very stubborn,” Feld said)."""
    for child in cue.children:
        if child.dep_ in ("nsubj", "nsubjpass") and not ctx.in_quote(child.idx):
            if child.lower_ in ctx.lex.relative_pronouns and cue.dep_ == "relcl":
                return cue.head  # "Feld, who charged that ..."
            return child
    if cue.dep_ == "conj" and cue.head.dep_ == "ccomp" and cue.head.head.lemma_.lower() in ctx.lex.cues:
        # "Dorn said the quay was closed by the board and said, “...”": the second "said" hangs on the
        # reported clause, but its subject is the first one's
        return subject_of(cue.head.head, ctx)
    if cue.dep_ in ("conj", "advcl", "xcomp") and cue.head.pos_ in ("VERB", "AUX"):
        for child in cue.head.children:
            if child.dep_ in ("nsubj", "nsubjpass") and not ctx.in_quote(child.idx):
                return child
    # a participle misread as the clause subject: "Large majorities of voters going to the polls said
    # ..." parses as csubj "going" with "majorities" under it
    for child in cue.children:
        if child.dep_ == "csubj" and child.i < cue.i and child.tag_ == "VBG":
            for grandchild in child.children:
                if grandchild.dep_ == "nsubj" and grandchild.i < child.i:
                    return grandchild
    return None


def speaker_from_subject(ctx: Context, subj, cue_lemma: str | None, attribution: str = "explicit") -> Speaker:
    # "Castell's deputy, Owen Tarrant, told ...": the appositive names the speaker
    for child in subj.children:
        if child.dep_ == "appos":
            toks = list(child.subtree)
            a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
            if any(m["label"] == "PERSON" for m in ctx.mentions_in(a, b)):
                subj = child
                break
    toks = [t for t in subj.subtree if not ctx.in_quote(t.idx) and not t.is_space]
    if not toks:
        toks = [subj]
    # keep the noun phrase around the head; drop relative and appositive clauses after a comma
    start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
    head_end = subj.idx + len(subj.text)
    cut = ctx.text.find(",", subj.idx, end)
    if cut != -1:
        end = max(head_end, cut)
    while end > start and ctx.text[end - 1] in ",;: \n":
        end -= 1
    while start < end and ctx.text[start].isspace():
        start += 1
    return resolve_speaker(ctx, start, end, subj, cue_lemma, attribution)


def resolve_speaker(ctx: Context, start: int, end: int, head, cue_lemma: str | None, attribution: str) -> Speaker:
    sp = Speaker(start, end, cue=cue_lemma, attribution=attribution)
    inside = ctx.mentions_in(start, end)
    persons = [m for m in inside if m["label"] == "PERSON"]
    at_head = [m for m in inside if head is not None and m["start_char"] <= head.idx < m["end_char"]
               and m["label"] in ("PERSON", "ORG", "GPE")]
    pick = persons[-1] if persons else (at_head[0] if at_head else None)
    if pick is None and head is not None and head.lemma_.lower() not in ctx.lex.role_nouns:
        # "a survey by the Institute", "a statement from the board": the one organisation the phrase names
        orgs = [m for m in inside if m["label"] in ("ORG", "GPE")]
        pick = orgs[0] if len(orgs) == 1 else None
    if pick is not None:
        sp.name, sp.entity_id = pick["name"], pick["entity_id"]
        sp.confidence = 0.9 if pick["label"] == "PERSON" else 0.75
        return sp
    word = head.text.lower() if head is not None else ctx.text[start:end].lower()
    if word in ctx.lex.pronouns and word not in ctx.lex.not_speakers or word in ctx.lex.possessive_pronouns:
        antecedent = ctx.subject_person_before(start)
        sp.attribution = "pronoun"
        if antecedent is not None:
            sp.name, sp.entity_id, sp.confidence = antecedent["name"], antecedent["entity_id"], 0.7
        else:
            sp.confidence = 0.35
        return sp
    lemma = head.lemma_.lower() if head is not None else word
    if lemma in ctx.lex.org_role_nouns:
        org = ctx.last_entity_before(start, "ORG", lemma)
        if org is not None:
            sp.name, sp.entity_id, sp.confidence = org["name"], org["entity_id"], 0.6
            return sp
    if lemma in ctx.lex.role_nouns:
        antecedent = ctx.last_person_before(start, role=lemma)
        if antecedent is not None:
            sp.name, sp.entity_id, sp.confidence = antecedent["name"], antecedent["entity_id"], 0.6
            return sp
    sp.confidence = 0.45
    return sp


def _cue_tokens(doc, start: int, end: int, ctx: Context):
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return []
    return [t for t in span if t.lemma_.lower() in ctx.lex.cues and t.pos_ in ("VERB", "AUX") and not ctx.in_quote(t.idx)]


def attribute(ctx: Context, seg_start: int, seg_end: int) -> Speaker | None:
    """The speaker of the quote at [seg_start, seg_end), from the words around it."""
    doc, text = ctx.doc, ctx.text
    close = seg_end
    marks = ctx.marks
    while close < len(text) and (text[close] in marks or text[close] in " \t,'"):
        close += 1
    para_end = text.find("\n\n", seg_end)
    para_end = len(text) if para_end == -1 else para_end
    # "in her words, “...”", "in Feld's own words: “...”", "in the words of Ilse Dorn, “...”"
    in_words = ctx.pack.pattern("in_words")
    m = in_words.search(text, max(0, seg_start - 60), max(0, seg_start - 1)) if in_words is not None else None
    if m is not None:
        who = m.group("owner") or m.group("of")
        a = m.start("owner") if m.group("owner") else m.start("of")
        span = doc.char_span(a, a + len(who), alignment_mode="expand")
        if span is not None and len(span):
            return resolve_speaker(ctx, a, a + len(who), span.root, None, "explicit")
    # "X: “...”" with a name right before the colon
    before = text[max(0, seg_start - 4):seg_start]
    if ":" in before:
        colon = text.rfind(":", 0, seg_start)
        ms = [m for m in ctx.mentions_in(max(0, colon - 80), colon) if m["end_char"] >= colon - 1]
        if ms and ms[-1]["label"] == "PERSON":
            m = ms[-1]
            return named_speaker(m, None, 0.8)
    # the sentence after the quote's end and the one holding its start
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
    candidates = []
    # the quote ends its own sentence (“... soon.”) and what follows is a new statement, not its frame:
    # “...” Feld said he would have closed the quay / She says it shows ...
    content_ends_comma = text[:seg_end].rstrip().rstrip("".join(marks) + "'")[-1:] == ","
    ends_sentence = text[:seg_end].rstrip().rstrip("".join(marks) + "'")[-1:] in (".", "…")
    if sent_after is not None:
        a, b = sent_after
        b = min(b, para_end)
        if a >= seg_start - 2 or text[close:a].strip() == "" or a <= close:
            for t in _cue_tokens(doc, max(a, close), b, ctx):
                own_clause = ends_sentence and any(
                    c.dep_ in ("ccomp", "xcomp") and c.idx > t.idx and not ctx.in_quote(c.idx) for c in t.children)
                candidates.append((4 if own_clause else 0 if t.idx - close < 40 else 2, t.idx - close, t))
    # a following paragraph that opens with the frame: "he said following ...", "Renner told reporters ..."
    if close >= para_end and para_end + 2 < len(text):
        nxt = _sentence_at(ctx, para_end + 2, forward=True)
        if nxt is not None:
            lo = max(nxt[0], para_end + 2)
            for t in _cue_tokens(doc, lo, min(nxt[1], lo + 45), ctx):
                if not marks.intersection(text[lo:t.idx]):
                    candidates.append((1.5, t.idx - close, t))
    if sent_before is not None:
        a, b = sent_before
        same_para = frame_end > para_start
        # a frame that introduces the quote: "Dorn confirmed the vote and said, “...”"
        introduces = same_para and text[frame_end - 1:frame_end] in (",", ":") and not content_ends_comma
        for t in _cue_tokens(doc, a, min(b, frame_end), ctx):
            near = seg_start - t.idx < 40
            tier = (1 if near else 3) if same_para else 2
            candidates.append((-1 if introduces and tier in (1, 3) else tier, seg_start - t.idx, t))
    # a quote that opens its paragraph after a paragraph ending in narration with a speech verb: "Feld
    # continued his attack on the council.\n\n“Eight years ago ...”"
    if sent_before is None and frame_end <= para_start and para_start >= 2 and text[:para_start].rstrip()[-1:] == ".":
        rng = _sentence_at(ctx, len(text[:para_start].rstrip()) - 1, forward=False)
        if rng is not None and not marks.intersection(text[rng[0]:rng[1]]):
            for t in _cue_tokens(doc, rng[0], rng[1], ctx):
                candidates.append((2.5, seg_start - t.idx, t))
    for tier, _, cue in sorted(candidates, key=lambda c: (c[0], c[1])):
        if source_preposition(doc, cue.i, ctx.lex):
            continue  # "according to X" is a source, read below
        subj = subject_of(cue, ctx)
        if (subj is None or ctx.in_quote(subj.idx)) and tier == 0 \
                and (named := _name_before_cue(ctx, close, cue) or _name_after_cue(ctx, cue)) is not None:
            return named
        if subj is not None and not ctx.in_quote(subj.idx):
            sp = speaker_from_subject(ctx, subj, cue.lemma_.lower())
            sp.tier = "next" if tier == 1.5 else ("prev" if tier in (2, 2.5) else "same")
            sp.adjacent = tier == 0 and cue.idx > seg_end
            return sp
    # a frame ending in a colon: "In a speech last month he was direct:" / "He added:"
    colon_at = len(text[:frame_end].rstrip()) - 1
    if colon_at > 0 and text[colon_at] == ":":
        span = doc.char_span(max(0, colon_at - 1), colon_at, alignment_mode="expand")
        if span is not None and len(span):
            tok = span[0]
            while tok.head.i != tok.i and not ctx.in_quote(tok.head.idx) and tok.head.idx < colon_at:
                tok = tok.head  # climb to the frame's own verb, never into the quote
            subj = subject_of(tok, ctx)
            if subj is not None and not ctx.in_quote(subj.idx):
                lemma = tok.lemma_.lower()
                sp = speaker_from_subject(ctx, subj, lemma if lemma in ctx.lex.cues else None)
                sp.tier = "colon"
                return sp
    # "according to X"
    for rng in (sent_after, sent_before):
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


def source_preposition(doc, i: int, lex: Lexicon) -> int:
    """The number of tokens of one of the language's source prepositions ("according to") that starts at
    token ``i``; 0 where none does."""
    for phrase in lex.source_prepositions:
        words = phrase.split()
        if i + len(words) <= len(doc) and all(doc[i + k].lower_ == w for k, w in enumerate(words)):
            return len(words)
    return 0


def prepositional_object(ctx: Context, prep):
    """The object of a preposition, by the parse labels the language's pack names (None without them)."""
    labels = ctx.pack.parse_labels("prepositional_object")
    return next((c for c in prep.children if c.dep_ in labels), None)


def named_speaker(m: dict, cue_lemma: str | None, confidence: float | None = None) -> Speaker:
    """The speaker a mention names, found by its place next to the frame rather than by the parse."""
    if confidence is None:
        confidence = 0.85 if m["label"] == "PERSON" else 0.7
    return Speaker(m["start_char"], m["end_char"], m["name"], m["entity_id"], cue_lemma, "explicit", confidence)


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


