"""Frames of reported speech in a language's lexicon: the words around a quotation or a reported clause
that say who said it, resolved to the article's mentions (used by tasks.quotes.lexical).

- a frame is a reporting verb of the lexicon (its lemma, or the participle and present forms the
  lemmatizer may miss), an inverted subject pronoun next to a quotation (a-t-il ajouté, précise-t-elle),
  or a source preposition (selon, d'après; recorded as the cue under the lexicon's first one);
- its speaker is, first found: a person or organisation named in it; the person of an organisation the
  parse took for the subject ("X, de l'Institut Y, estime"); a pronoun, resolved to the last person
  named in its sentence or the one before who is a subject (or in apposition to one); a role noun, resolved
  to the last person named with that role; a capitalised name the model did not tag; else a common
  noun, an attributed source we cannot name.
"""
from __future__ import annotations

import re
from functools import lru_cache

from newsloom.lang.lexicon import Lexicon
from tasks.quotes.speakers import Context, Speaker

WORD = re.compile(r"\w+")


@lru_cache(maxsize=None)
def phrase_end(marks: str) -> re.Pattern:
    """Where a noun phrase in a frame ends: a comma, a full stop, a colon or one of the language's marks."""
    return re.compile(rf"[,.;:!?\n{re.escape(marks)}]")


@lru_cache(maxsize=None)
def _inverted(inverted_pronouns: frozenset) -> re.Pattern:
    """A verb with its subject pronoun after it (a-t-il ajouté, précise-t-elle, dit-il): in a frame next to
    a quotation, that is a speech frame whatever the verb."""
    pronouns = "|".join(sorted(inverted_pronouns, key=len, reverse=True))
    return re.compile(rf"(?P<verb>\w+)-(?:t-)?(?P<pron>{pronouns})\b(?:\s+(?P<participle>\w+))?", re.I)


@lru_cache(maxsize=None)
def verb_forms(gap_cue_words: frozenset, verbs: frozenset, auxiliaries: frozenset = frozenset()) -> frozenset:
    """The forms of ``verbs`` a frame writes, where the lemmatizer may miss them: the past participle and the
    present of regular -er and -ir verbs (déclaré, ajoute, précisent; réagi), and the gap cue words."""
    forms = set(gap_cue_words) - auxiliaries  # "a" and "ont" alone say nothing; with a participle they do
    for v in verbs:
        v = v.removeprefix("s'").removeprefix("s’")
        if v.endswith("er"):
            forms.update({v[:-2] + "é", v[:-2] + "e", v[:-2] + "ent"})
        elif v.endswith("ir"):
            forms.update({v[:-2] + "i", v[:-2] + "it"})
    return frozenset(forms)


def cue_tokens(doc, a: int, b: int, lex: Lexicon, verbs: frozenset | None = None) -> list:
    span = doc.char_span(a, b, alignment_mode="contract")
    if span is None:
        return []
    verbs = lex.cues if verbs is None else verbs
    forms = verb_forms(lex.gap_cue_words, verbs, frozenset(lex.auxiliaries))
    return [t for t in span if t.lemma_.lower() in verbs and t.pos_ in ("VERB", "AUX", "NOUN", "ADJ")
            or t.lower_ in forms]


def source_prep(text: str, a: int, b: int, lex: Lexicon) -> int | None:
    """The end of a source preposition (selon, d'après) that opens ``text[a:b]`` after spaces and commas."""
    head = text[a:b].lstrip(" ,;.\u00a0\u202f—–-")
    off = b - a - len(text[a:b].lstrip(" ,;.\u00a0\u202f—–-"))
    low = head.lower()
    for prep in sorted(lex.source_prepositions, key=len, reverse=True):
        if low.startswith(prep + " ") or prep.endswith(("'", "’")) and low.startswith(prep):
            return a + off + len(prep)
    return None


class Resolver:
    """Speakers of one article, from frames to entities."""

    def __init__(self, ctx: Context, lex: Lexicon):
        self.ctx, self.lex, self.pack = ctx, lex, ctx.pack
        self.source_cue = lex.source_prepositions[0] if lex.source_prepositions else None
        self.inverted = _inverted(lex.inverted_pronouns)

    def named(self, a: int, b: int, cue: str | None) -> Speaker | None:
        """A person or organisation the text [a, b) names (persons first, the nearest first)."""
        inside = [m for m in self.ctx.mentions_in(a, b) if m["label"] in ("PERSON", "ORG", "GPE", "LOC", "MISC")]
        persons = [m for m in inside if m["label"] == "PERSON"]
        pick = persons[0] if persons else (inside[0] if inside and inside[0]["label"] in ("ORG", "MISC") else None)
        if pick is None:
            return None
        conf = 0.85 if pick["label"] == "PERSON" else 0.7
        return Speaker(pick["start_char"], pick["end_char"], pick["name"], pick["entity_id"], cue, "explicit", conf)

    def antecedent(self, pos: int) -> dict | None:
        """The person a pronoun at ``pos`` stands for: among the persons named (outside quotations) in its
        sentence and the one before, the last one that is the subject of its clause or in apposition to it
        (le ministre Étienne Morvan a ...); else the last one named there; else the last one named before."""
        doc, ctx = self.ctx.doc, self.ctx
        sent_start, _ = _sentence_around(doc, pos)
        prev_start, _ = _sentence_around(doc, max(0, sent_start - 2)) if sent_start > 0 else (0, 0)
        persons = [m for m in ctx.mentions_in(prev_start, pos) if m["label"] == "PERSON" and not ctx.in_quote(m["start_char"])]
        for m in reversed(persons):
            span = doc.char_span(m["start_char"], m["end_char"], alignment_mode="expand")
            if span is not None and any(_is_subject(t) for t in span):
                return m
        return persons[-1] if persons else ctx.last_person_before(pos)

    def pronoun(self, start: int, end: int, cue: str | None) -> Speaker:
        antecedent = self.antecedent(start)
        sp = Speaker(start, end, cue=cue, attribution="pronoun", confidence=0.35)
        if antecedent is not None:
            sp.name, sp.entity_id, sp.confidence = antecedent["name"], antecedent["entity_id"], 0.7
        return sp

    def role(self, a: int, b: int, cue: str | None) -> Speaker | None:
        """A role noun in [a, b) (le ministre, la porte-parole, l'entreprise) resolved to who was named so."""
        span = self.ctx.doc.char_span(a, b, alignment_mode="contract")
        for t in span or []:
            lemma = t.lemma_.lower()
            if "Plur" in t.morph.get("Number") or (t.i > 0 and t.nbor(-1).lower_ in self.lex.plural_determiners):
                continue  # des commerçants, les élus: a group, not the one person named before
            if lemma in self.lex.role_nouns or t.lower_ in self.lex.role_nouns:
                m = self.ctx.last_person_before(a, role=t.lower_) or self.ctx.last_person_before(a)
                if m is not None:
                    return Speaker(t.idx, t.idx + len(t), m["name"], m["entity_id"], cue, "explicit", 0.6)
                return Speaker(t.idx, t.idx + len(t), None, None, cue, "explicit", 0.4)
            if lemma in self.lex.org_role_nouns:
                m = self.ctx.last_entity_before(a, "ORG", t.lower_)
                if m is not None:
                    return Speaker(t.idx, t.idx + len(t), m["name"], m["entity_id"], cue, "explicit", 0.6)
        return None

    def subject(self, cue, a: int, b: int) -> Speaker | None:
        """The speaker a reporting verb frames within [a, b): its subject's entity, a pronoun or role."""
        lemma = cue.lemma_.lower()
        verb = cue if cue.dep_ not in ("aux", "aux:tense", "aux:pass") else cue.head
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "expl:subj") and a <= c.idx < b]
        for subj in subjects:
            lo, hi = subj.left_edge.idx, subj.right_edge.idx + len(subj.right_edge)
            if (sp := self.named(lo, hi, lemma)) is not None:
                return self.person_of(sp, lo) or sp
            word = subj.lower_.lstrip("-").removeprefix("t-")
            if word in self.lex.pronouns:
                return self.pronoun(subj.idx, subj.idx + len(subj), lemma)
            if (sp := self.role(lo, hi, lemma)) is not None:
                return sp
            if subj.pos_ == "PROPN" and subj.text[:1].isupper():
                # a name the model did not tag: the speaker by name, with no entity to join
                name = " ".join(t.text for t in [subj, *[c for c in subj.children if c.dep_ == "flat:name"]])
                return Speaker(lo, hi, name, None, lemma, "explicit", 0.5)
        return None

    def frame(self, a: int, b: int, after: bool) -> Speaker | None:
        """The speaker a frame in [a, b) names.  ``after``: the frame follows its quote (», a déclaré X)."""
        text, doc = self.ctx.text, self.ctx.doc
        if (p := source_prep(text, a, b, self.lex)) is not None:
            return self.source(p, self._phrase_end(p, b))
        if after and (inv := self.inverted.match(text, a + len(text[a:b]) - len(text[a:b].lstrip(" ,;—–-\u00a0\u202f")))):
            # », a-t-il ajouté / », précise-t-elle: an inverted subject pronoun right after the quotation
            group = "participle" if inv["verb"].lower() in self.lex.auxiliaries and inv["participle"] \
                else "verb"
            span = doc.char_span(inv.start(group), inv.end(group), alignment_mode="expand")
            verb = span[0].lemma_.lower() if span is not None and len(span) else inv[group].lower()
            return self.pronoun(inv.start("pron"), inv.end("pron"), verb)
        cues = cue_tokens(doc, a, b, self.lex, None if after else self.lex.attribution_verbs)
        if not cues:
            return None
        cue = cues[0] if after else cues[-1]
        lemma = cue.lemma_.lower()
        if after:  # », a déclaré Ilse Dorn / », a assuré son président, Henri Duval / », Ilse Dorn a ajouté
            tail = cue.idx + len(cue)
            tail_end = self._phrase_end(tail, b)
            return (self.named(tail, tail_end, lemma) or self.named(tail, b, lemma) or self.role(tail, tail_end, lemma)
                    or self.named(a, cue.idx, lemma) or self.subject(cue, a, b) or self.unnamed(tail, tail_end, lemma))
        return (self.subject(cue, a, b) or self.named(a, cue.idx, lemma) or self.role(a, cue.idx, lemma)
                or self.name_before(cue, a, lemma))

    def person_of(self, org: Speaker, start: int) -> Speaker | None:
        """The person an organisation is said of, when the parse took the organisation for the subject:
        "Amélie Roussel, de l'Institut Deschamps, estime que" (a name, a comma and de/du/d' before it)."""
        if org.entity_id is None or any(m["label"] == "PERSON" for m in self.ctx.mentions_in(org.surface_start,
                                                                                             org.surface_end)):
            return None
        before = [m for m in self.ctx.mentions_in(max(0, start - 120), start) if m["label"] == "PERSON"]
        of_organisation = self.pack.pattern("of_organisation")
        if before and of_organisation is not None and of_organisation.search(self.ctx.text, before[-1]["end_char"],
                                                                              org.surface_start):
            m = before[-1]
            return Speaker(m["start_char"], m["end_char"], m["name"], m["entity_id"], org.cue, "explicit", 0.8)
        return None

    def name_before(self, cue, a: int, cue_lemma: str) -> Speaker | None:
        """Two or three capitalised words right before the verb (or its auxiliary), from ``a`` on: the
        subject's name where the model tagged no entity ("Luc Besnard a salué « ... »")."""
        m = self.pack.pattern("name_before_verb").search(self.ctx.text[a:cue.idx])
        if m is None or m.start("name") > 0 and not self.ctx.text[a:a + m.start("name")].strip(" ,;:—–-") == "":
            return None
        s, e = a + m.start("name"), a + m.end("name")
        return Speaker(s, e, m["name"], None, cue_lemma, "explicit", 0.5)

    def unnamed(self, a: int, b: int, cue: str | None) -> Speaker | None:
        """A source the frame names with a common noun and no entity (», a promis le cabinet du maire): the
        quote is attributed, to nobody we can name, rather than taken for a continuation."""
        span = self.ctx.doc.char_span(a, b, alignment_mode="contract")
        noun = next((t for t in span or [] if t.pos_ == "NOUN"), None)
        if noun is None:
            return None
        return Speaker(noun.idx, noun.idx + len(noun), None, None, cue, "explicit", 0.3)

    def source(self, a: int, b: int) -> Speaker | None:
        """The source a preposition names in [a, b): selon Ilse Dorn, d'après la mairie, selon lui."""
        word = self.ctx.text[a:b].strip().lower()
        if word in self.lex.pronouns:
            start = a + self.ctx.text[a:b].lower().index(word)
            return self.pronoun(start, start + len(word), self.source_cue)
        return self.named(a, b, self.source_cue) or self.role(a, b, self.source_cue)

    def _phrase_end(self, start: int, limit: int) -> int:
        """Where the noun phrase after a verb or preposition ends: the next comma, full stop, colon or mark."""
        marks = self.pack.marks
        m = phrase_end(marks.openers + marks.closers).search(self.ctx.text, start, limit)
        return m.start() if m else limit


def _is_subject(tok) -> bool:
    """The token is a subject, or part of a name in apposition to one (le ministre Étienne Morvan a ...)."""
    for _ in range(3):
        if tok.dep_ in ("nsubj", "nsubj:pass"):
            return True
        if tok.dep_ not in ("appos", "flat:name", "flat") or tok.head.i == tok.i:
            return False
        tok = tok.head
    return False


def _sentence_around(doc, pos: int) -> tuple[int, int]:
    tok = doc[min(len(doc) - 1, max(0, _token_at(doc, pos)))]
    sent = tok.sent
    return sent.start_char, sent.end_char


def _token_at(doc, pos: int) -> int:
    span = doc.char_span(pos, pos + 1, alignment_mode="expand")
    return span.start if span is not None and len(span) else len(doc) - 1
