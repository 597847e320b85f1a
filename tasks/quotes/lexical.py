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
A frame is a reporting verb of the lexicon (any tense: the lemma is what counts) or a source preposition
(selon, d'après).  Indirect speech is a reporting or belief verb followed by its complementizer
(« X a estimé que ... ») and a sentence framed by a source preposition (« Selon X, ... »).

Speakers resolve to the article's mentions: a name in the frame is that entity; a pronoun (il, elle, or the
inverted -t-il) is the last person who was the subject of a clause before it; a role noun (le ministre,
la porte-parole) is the last person named with that role, or the last person named.
"""
from __future__ import annotations

import re
from functools import lru_cache

from newsloom.lexicon import Lexicon
from tasks.quotes.extract import quote_row
from tasks.quotes.marks import find_quote_segments
from tasks.quotes.speakers import Context, Found, Speaker

METHOD = "lexicon_rules"
FRAME_CHARS = 160  # how far a frame reaches from its quotation mark
MIN_UNFRAMED_WORDS = 5  # a quotation with no frame and fewer words is a term or a title in marks
WORD = re.compile(r"\w+")
CLOSERS = "»”\"’›"
OPENERS = "«“\"‘‹„"


def _inverted(lex: Lexicon) -> re.Pattern:
    """A verb with its subject pronoun after it (a-t-il ajouté, précise-t-elle, dit-il): in a frame next to
    a quotation, that is a speech frame whatever the verb."""
    pronouns = "|".join(sorted(lex.inverted_pronouns, key=len, reverse=True))
    return re.compile(rf"(?P<verb>\w+)-(?:t-)?(?P<pron>{pronouns})\b(?:\s+(?P<participle>\w+))?", re.I)


@lru_cache(maxsize=None)
def _verb_forms(gap_cue_words: frozenset, verbs: frozenset) -> frozenset:
    """The forms of ``verbs`` a frame writes, where the lemmatizer may miss them: the past participle and the
    present of regular -er and -ir verbs (déclaré, ajoute, précisent; réagi), and the gap cue words."""
    forms = set(gap_cue_words) - {"a", "ont"}
    for v in verbs:
        v = v.removeprefix("s'").removeprefix("s’")
        if v.endswith("er"):
            forms.update({v[:-2] + "é", v[:-2] + "e", v[:-2] + "ent"})
        elif v.endswith("ir"):
            forms.update({v[:-2] + "i", v[:-2] + "it"})
    return frozenset(forms)


def _cue_tokens(doc, a: int, b: int, lex: Lexicon, verbs: frozenset | None = None) -> list:
    span = doc.char_span(a, b, alignment_mode="contract")
    if span is None:
        return []
    verbs = lex.cues if verbs is None else verbs
    forms = _verb_forms(lex.gap_cue_words, verbs)
    return [t for t in span if t.lemma_.lower() in verbs and t.pos_ in ("VERB", "AUX", "NOUN", "ADJ")
            or t.lower_ in forms]


def _source_prep(text: str, a: int, b: int, lex: Lexicon) -> int | None:
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
        self.ctx, self.lex = ctx, lex
        self.inverted = _inverted(lex)

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
        sent_start, _ = _sentence_bounds(doc, pos)
        prev_start, _ = _sentence_bounds(doc, max(0, sent_start - 2)) if sent_start > 0 else (0, 0)
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
            if "Plur" in t.morph.get("Number") or (t.i > 0 and t.nbor(-1).lower_ in ("des", "les", "de", "du")):
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
        if (p := _source_prep(text, a, b, self.lex)) is not None:
            return self.source(p, self._phrase_end(p, b))
        if after and (inv := self.inverted.match(text, a + len(text[a:b]) - len(text[a:b].lstrip(" ,;—–-\u00a0\u202f")))):
            # », a-t-il ajouté / », précise-t-elle: an inverted subject pronoun right after the quotation
            group = "participle" if inv["verb"].lower() in ("a", "ont", "avait", "avaient") and inv["participle"] \
                else "verb"
            span = doc.char_span(inv.start(group), inv.end(group), alignment_mode="expand")
            verb = span[0].lemma_.lower() if span is not None and len(span) else inv[group].lower()
            return self.pronoun(inv.start("pron"), inv.end("pron"), verb)
        cues = _cue_tokens(doc, a, b, self.lex, None if after else self.lex.attribution_verbs)
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
        gap = re.compile(r",\s*(?:de|du|des|d['’])\s*(?:la\s+|l['’]\s*|le\s+|les\s+)?$", re.I)
        before = [m for m in self.ctx.mentions_in(max(0, start - 120), start) if m["label"] == "PERSON"]
        if before and gap.search(self.ctx.text, before[-1]["end_char"], org.surface_start):
            m = before[-1]
            return Speaker(m["start_char"], m["end_char"], m["name"], m["entity_id"], org.cue, "explicit", 0.8)
        return None

    def name_before(self, cue, a: int, cue_lemma: str) -> Speaker | None:
        """Two or three capitalised words right before the verb (or its auxiliary), from ``a`` on: the
        subject's name where the model tagged no entity ("Luc Besnard a salué « ... »")."""
        m = re.search(r"(?P<name>[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+){1,2})\s+(?:(?:a|ont|avait|avaient)\s+)?$",
                      self.ctx.text[a:cue.idx])
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
            return self.pronoun(start, start + len(word), "selon")
        return self.named(a, b, "selon") or self.role(a, b, "selon")

    def _phrase_end(self, start: int, limit: int) -> int:
        """Where the noun phrase after a verb or preposition ends: the next comma, full stop, colon or mark."""
        m = re.compile(rf"[,.;:!?\n{re.escape(OPENERS + CLOSERS)}]").search(self.ctx.text, start, limit)
        return m.start() if m else limit


def _is_subject(tok) -> bool:
    """The token is a subject, or part of a name in apposition to one (le ministre Étienne Morvan a ...)."""
    for _ in range(3):
        if tok.dep_ in ("nsubj", "nsubj:pass"):
            return True
        if tok.dep_ not in ("appos", "flat:name", "flat") or tok.head is tok:
            return False
        tok = tok.head
    return False


def _sentence_bounds(doc, pos: int) -> tuple[int, int]:
    tok = doc[min(len(doc) - 1, max(0, _token_at(doc, pos)))]
    sent = tok.sent
    return sent.start_char, sent.end_char


def _token_at(doc, pos: int) -> int:
    span = doc.char_span(pos, pos + 1, alignment_mode="expand")
    return span.start if span is not None and len(span) else len(doc) - 1


def _incise(res: Resolver, a: int, b: int) -> tuple[int, int, Speaker] | None:
    """An incise inside a quotation (, a-t-elle expliqué, / , a déclaré X, / , selon X,): its bounds and
    speaker.  It opens with a comma or dash and runs to the next comma, dash or the quote's end."""
    text = res.ctx.text
    for m in re.finditer(r"[,—–]\s*", text[a:b]):
        s = a + m.end()
        nxt = re.compile(r"[,—–.!?]").search(text, s, b)
        e = nxt.start() if nxt else b
        if e - s > 70 or e <= s:
            continue
        piece = text[s:e]
        if not (res.inverted.match(piece) or _source_prep(text, s, e, res.lex) is not None):
            cues = _cue_tokens(res.ctx.doc, s, e, res.lex)
            if not cues or cues[0].idx - s > 12:
                continue  # the verb of an incise comes first: a déclaré X, ajoute-t-il, poursuit le ministre
        sp = res.frame(s, e, after=True)
        if sp is not None:
            return a + m.start(), e + (1 if nxt and text[e] in ",—–" else 0), sp
    return None


def find_direct(ctx: Context, lex: Lexicon, segments) -> list[Found]:
    res = Resolver(ctx, lex)
    text = ctx.text
    out: list[Found] = []
    groups: dict[int, list] = {}
    for seg in segments:
        groups.setdefault(seg.utterance, []).append(seg)
    last: tuple[Speaker, int] | None = None  # the last attributed quote: speaker, end
    work_title = re.compile(rf"(?:{'|'.join(re.escape(w) for w in lex.work_title_words)})\s*$", re.I) \
        if lex.work_title_words else None
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
        while close < len(text) and (text[close] in CLOSERS or text[close] in " \u00a0\u202f") and close - final.end < 4:
            close += 1
        if speaker is None:  # the frame after the closing mark, up to the sentence's end
            stop = re.compile(rf"[.!?\n{re.escape(OPENERS)}]").search(text, close, close + FRAME_CHARS)
            end = stop.start() if stop else min(len(text), close + FRAME_CHARS)
            if re.match(r"[\s,—–-]*\S", text[close:end] or " ") and end > close:
                speaker = res.frame(close, end, after=True)
        if speaker is None:  # the frame before the opening mark, in its sentence
            open_at = first.start
            while open_at > 0 and (text[open_at - 1] in OPENERS or text[open_at - 1] in " \u00a0\u202f") \
                    and first.start - open_at < 3:
                open_at -= 1
            # the frame starts after the last full stop of its paragraph (the parser's sentence may start later,
            # inside the speaker's name, where it misreads a line)
            para = text.rfind("\n", 0, open_at) + 1
            stop = max(text.rfind(c, para, open_at) for c in ".!?")
            start = max(stop + 1, para, open_at - FRAME_CHARS)
            prev_close = max(text.rfind(c, start, open_at) for c in CLOSERS)
            start = max(start, prev_close + 1)
            if text[start:open_at].strip():
                speaker = res.frame(start, open_at, after=False)
        before = text[max(0, first.start - 40):first.start - 1]
        if speaker is None and work_title is not None and work_title.search(before):
            continue  # a title: le livre « ... »
        if speaker is None and last is not None and _continues(text, last[1], first.start):
            sp = last[0]
            speaker = Speaker(sp.surface_start, sp.surface_end, sp.name, sp.entity_id, sp.cue, "continuation",
                              min(sp.confidence, 0.6))
        words = sum(len(WORD.findall(text[s:e])) for s, e in parts)
        if speaker is None and words < MIN_UNFRAMED_WORDS:
            continue
        for s, e in parts:
            out.append(Found(s, e, "direct", speaker, parts[0][0], METHOD, speaker.confidence if speaker else 0.3))
        if speaker is not None:
            last = (speaker, final.end)
    return out


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a].isspace() or text[a] in ",—–.;"):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in ",—–"):
        b -= 1
    return a, b


def _continues(text: str, prev_end: int, start: int) -> bool:
    """The quote at ``start`` follows the last attributed one in its paragraph (« A », a-t-il dit. « B »), or
    opens the next paragraph."""
    between = text[prev_end:start]
    if "\n" not in between:
        return len(between) < 300
    para = text.rfind("\n", 0, start) + 1
    opens = not text[para:start].strip(" \u00a0\u202f" + OPENERS)
    return opens and between.count("\n\n") <= 1 and len(between) < 600


def find_indirect(ctx: Context, lex: Lexicon, taken: list[Found]) -> list[Found]:
    """Reported speech: a reporting or belief verb and its complementizer (X a estimé que ...), and a
    sentence framed by a source preposition (Selon X, ... / ..., selon X.)."""
    res = Resolver(ctx, lex)
    doc, text = ctx.doc, ctx.text
    indirect = lex.indirect_cues
    forms = _verb_forms(frozenset(), indirect)
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
    first = next((t for t in toks if t.pos_ != "AUX" and t.lower_ not in ("a", "ont", "avait", "avaient")), None)
    if first is None or first.i - toks[0].i > 1 or not _cue_tokens(doc, first.idx, first.idx + len(first), res.lex):
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
    if (p := _source_prep(text, a, b, res.lex)) is not None and p - a < 12:
        comma = text.find(",", p, b)
        if comma > 0 and re.match(r"\s*(?:qui|dont|où|que|qu['’])\b", text[comma + 1:b]):
            # Selon X, qui gère le port, content: the relative clause describes the source
            comma = text.find(",", comma + 1, b)
        if comma > 0:
            sp = res.source(p, comma)
            if sp is None and text[p:p + 5].strip().lower() != "" and _source_word(res.lex, text, a, p) != "pour":
                sp = Speaker(p, comma, None, None, "selon", "explicit", 0.3)  # selon les chiffres de la chambre
            if sp is not None:
                return comma + 1, _content_end(text, comma + 1, b), sp
    for prep in res.lex.source_prepositions:
        m = re.search(rf",\s*{re.escape(prep)}\s*", text[a:b], re.I)
        if m:
            s = a + m.end()
            end = _content_end(text, s, b)
            sp = res.named(s, end, "selon") or res.role(s, end, "selon")
            if sp is None and prep != "pour" and WORD.search(text, s, end):
                sp = Speaker(s, end, None, None, "selon", "explicit", 0.3)
            if sp is not None and prep != "pour" or sp is not None and sp.entity_id is not None:
                return a, a + m.start(), sp
    return None


def continue_unframed(text: str, found: list[Found]) -> list[Found]:
    """A quotation with no speaker that opens the paragraph right after reported speech ("Selon X, ..." then
    « ... ») continues that speech: the speaker of the last attributed quote of any kind before it."""
    last: Found | None = None
    for f in found:
        if f.speaker is None and f.kind == "direct" and last is not None and f.utterance == f.start \
                and _continues(text, last.end, f.start):
            sp = last.speaker
            speaker = Speaker(sp.surface_start, sp.surface_end, sp.name, sp.entity_id, sp.cue, "continuation",
                              min(sp.confidence, 0.6))
            for g in found:
                if g.utterance == f.utterance:
                    g.speaker = speaker
        if f.speaker is not None:
            last = f
    return found


def extract_lexical_quotes(doc, article_id: str, mentions: list[dict], lex: Lexicon) -> list[dict]:
    """Direct and indirect quotes of one parsed article, with speakers resolved to its mentions."""
    segments = find_quote_segments(doc.text)
    ctx = Context(doc, doc.text, mentions, quote_spans=[(s.start, s.end) for s in segments])
    direct = find_direct(ctx, lex, segments)
    found = continue_unframed(ctx.text, merge_mixed(direct, find_indirect(ctx, lex, direct)))
    return [quote_row(article_id, ctx.text, f) for f in found]
