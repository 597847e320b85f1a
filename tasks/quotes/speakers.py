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
from tasks.quotes.antecedents import antecedent_mention, in_person, relative_antecedent


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

    def token_at(self, pos: int):
        """The token that starts at or before character ``pos`` (the first token for a position before it)."""
        return self.doc[max(0, bisect.bisect_right(self.token_starts, pos) - 1)]

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
        """The last person before ``pos`` that is the subject of its clause, within ``window`` chars.  Never
        the name that a frame at ``pos`` interrupts ("Feld, he said, would resign": Feld is the subject of
        what was said, and "he" someone else)."""
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        while i >= 0 and self.mentions[i]["start_char"] >= pos - window:
            m = self.mentions[i]
            if self.text[m["end_char"]:pos].strip() == ",":
                pos = m["start_char"]  # and the fallback below looks before it too
            elif m["label"] == "PERSON" and not self.in_quote(m["start_char"]):
                span = self.doc.char_span(m["start_char"], m["end_char"], alignment_mode="expand")
                if span is not None and any(t.dep_ in ("nsubj", "nsubjpass") for t in span):
                    return m
            i -= 1
        return self.last_person_before(pos)

    def main_subject_person_before(self, pos: int, window: int = 600) -> dict | None:
        """Who a story is about at ``pos``: the person named as the subject of the main verb of the last
        sentence before ``pos`` (within ``window`` chars) whose main subject is a name.  None when that name is
        not a person's ("Cruz" read as an organisation): an earlier person is someone the story has left."""
        sent = self.token_at(pos).sent
        while sent.start > 0 and sent.start_char >= pos - window:
            sent = self.doc[sent.start - 1].sent
            subjects = [t for t in sent.root.children if t.dep_ in ("nsubj", "nsubjpass") and not self.in_quote(t.idx)]
            names = [t for t in subjects if t.pos_ == "PROPN"]
            if names:
                name = names[0]
                persons = [m for m in self.mentions_in(name.left_edge.idx, name.idx + len(name.text))
                           if m["label"] == "PERSON" and m["end_char"] >= name.idx + len(name.text)]
                return persons[0] if persons else None
        return None

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
            if child.lower_ in ctx.lex.relative_pronouns and (noun := relative_antecedent(ctx, child)) is not None:
                return noun  # "Feld, who charged that ..."
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
    # "Castell's deputy, Owen Tarrant, told ...": the appositive names the speaker; but where the subject is
    # a name itself ("Jonas Feld, a senior adviser to Mayor Ek, said"), the appositive only describes it
    for child in () if in_person(ctx, subj) else subj.children:
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


def whole_names(ctx: Context, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened over a name that it cuts at either edge: a tagger can read "said Ines" as the cue
    and "Calloway, operations director at ..." as the source, and a source never holds half a name.  A span
    that is only a person's title ("Mr.") reaches over the name right after it."""
    for m in ctx.mentions_in(max(0, start - MAX_NAME_CHARS), end + MAX_NAME_CHARS):
        if m["start_char"] < start < m["end_char"] or m["start_char"] < end < m["end_char"]:
            start, end = min(start, m["start_char"]), max(end, m["end_char"])
        elif m["start_char"] >= end and _only_a_title(ctx, start, end) and not ctx.text[end:m["start_char"]].strip():
            end = m["end_char"]  # "Mr." as the source and "Biden" the name after it
    return start, end


def _only_a_title(ctx: Context, start: int, end: int) -> bool:
    """Whether [start, end) holds nothing but a person's title ("Mr.", "Sen.")."""
    titles = ctx.pack.pattern("person_titles_before")
    return titles is not None and bool(titles.fullmatch(ctx.text[start:end] + " "))


MAX_NAME_CHARS = 80  # how far before or after a source span a name that it cuts can begin or end
SURFACE_EDGE = frozenset(" \t\n,;:")  # what a source span can end with that is no part of who spoke


def resolve_speaker(ctx: Context, start: int, end: int, head, cue_lemma: str | None, attribution: str) -> Speaker:
    start, end = whole_names(ctx, start, end)
    while end > start and ctx.text[end - 1] in SURFACE_EDGE:
        end -= 1  # "Castell," is written "Castell" in speaker_surface: the comma ends the frame, not the name
    sp = Speaker(start, end, cue=cue_lemma, attribution=attribution)
    inside = ctx.mentions_in(start, end)
    persons = [m for m in inside if m["label"] == "PERSON"]
    at_head = [m for m in inside if head is not None and m["start_char"] <= head.idx < m["end_char"]
               and m["label"] in ("PERSON", "ORG", "GPE")]
    opener = ctx.token_at(start)
    # "Dick Ek, who sat on the Feld slate": a source that opens with "who" is the person it stands for, not one
    # its clause names
    pick = antecedent_mention(ctx, opener) if opener.lower_ in ctx.lex.person_relative_pronouns else None
    pick = pick or _phrase_person(ctx, start, persons) or (at_head[0] if at_head else None)
    if pick is None and head is not None and head.lemma_.lower() not in ctx.lex.role_nouns:
        # "a survey by the Institute", "a statement from the board": the one organisation the phrase names
        orgs = [m for m in inside if m["label"] in ("ORG", "GPE")]
        pick = orgs[0] if len(orgs) == 1 else None
    if pick is None and head is not None and head.lower_ in ctx.lex.relative_pronouns:
        # the tagger's source "who" in "Feld, who said ...": the row keeps the pronoun as its surface
        pick = antecedent_mention(ctx, head)
    if pick is not None:
        return _named_by(sp, pick)
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
        if _opens_with_article(ctx, start) and (antecedent := ctx.main_subject_person_before(start)) is not None:
            sp.name, sp.entity_id, sp.confidence = antecedent["name"], antecedent["entity_id"], 0.5
            return sp
    sp.confidence = 0.45
    return sp


def _opens_with_article(ctx: Context, start: int) -> bool:
    """Whether the source phrase at ``start`` opens with the language's definite article ("the Ohio governor")."""
    return any(ctx.text[start:start + len(a)].lower() == a for a in ctx.lex.leading_articles)


def _named_by(sp: Speaker, mention: dict) -> Speaker:
    """``sp`` naming the entity of ``mention``: a person the phrase names is surer than an organisation."""
    sp.name, sp.entity_id = mention["name"], mention["entity_id"]
    sp.confidence = 0.9 if mention["label"] == "PERSON" else 0.75
    return sp


# where the part of a source phrase that names its speaker ends and what describes the speaker begins:
# "Ilse Dorn, a pilot from Varnhelm", "Sen. Jonas Feld (R-Ore.)", "Tomas Ek — an aide to the mayor"
DESCRIPTION_OPENS = re.compile(r"[,(—–]")  # not language: punctuation


def _phrase_person(ctx: Context, start: int, persons: list[dict]) -> dict | None:
    """The person a source phrase names as its speaker: the one that ends the phrase's part before its
    first comma, bracket or dash and heads it ("the port's chief engineer Tomas Ek, ..."), not one that the
    description after it names ("Ilse Dorn, an adviser to Mayor Tomas Ek"); else the last ("the head of
    the union that backs Mayor Tomas Ek, Ilse Dorn")."""
    if not persons:
        return None
    text = ctx.text
    cut = DESCRIPTION_OPENS.search(text, persons[0]["end_char"], persons[-1]["start_char"])
    named = [m for m in persons if cut is not None and m["end_char"] <= cut.start()]
    if named and not text[named[-1]["end_char"]:cut.start()].strip(" .'’") \
            and not _modifies_another_word(ctx, named[-1], start, cut.start()):
        return named[-1]
    return persons[-1]


# how a name hangs on another word of its phrase when it is not the phrase's head: the object of a
# preposition or a verb ("an aide to X", "the group that backs X"), a clause, a possessive ("X's aide")
MODIFIER_DEPS = frozenset({"pobj", "dobj", "pcomp", "relcl", "acl", "poss"})


def _modifies_another_word(ctx: Context, mention: dict, start: int, end: int) -> bool:
    """Whether the parse hangs ``mention`` on another word of characters [start, end) as a modifier."""
    span = ctx.doc.char_span(mention["start_char"], mention["end_char"], alignment_mode="expand")
    tok = span.root if span is not None and len(span) else None
    while tok is not None and tok.head.i != tok.i and start <= tok.head.idx < end:
        if tok.dep_ in MODIFIER_DEPS:
            return True
        tok = tok.head
    return False


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
