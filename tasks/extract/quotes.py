"""Quotations and their speakers, from the same spaCy Doc as the mentions (never parsed twice).

Reads: a parsed Doc of ``articles.text`` and that article's mentions.
Produces ``quotes`` rows: quote_id, article_id, text, start_char, end_char, kind, speaker,
speaker_entity_id, speaker_surface, speaker_start, speaker_end, cue, attribution, confidence,
utterance_id.

Direct quotes: every kind of mark (straight and curly double quotes, curly single quotes, « »,
„ “, ″); an apostrophe between letters is never a mark.  A quote left open at a paragraph's end
continues when the next paragraph opens with a mark (multi-paragraph quote); an unbalanced mark
is dropped and the rest of the article is still read.  Short scare quotes around a name or term,
and titles of works, are not quotes.

Attribution, in order: a reporting verb next to the quote ("X said", "said X", "X told TASS",
"according to X") whose subject is the speaker; "X: “...”"; otherwise the speaker of the
quote just before (a continuation).  A pronoun or a role noun ("the minister") is resolved to a
person named earlier in the article.  Indirect speech is a reporting verb with a clausal
complement outside quotation marks ("Lavrov said that ...").
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from newsloom.util import sha

CUES = {
    "say", "tell", "add", "state", "stress", "note", "explain", "insist", "claim", "argue", "warn", "declare",
    "announce", "affirm", "confirm", "reply", "respond", "write", "ask", "acknowledge", "admit", "assert",
    "comment", "continue", "emphasize", "emphasise", "indicate", "point", "recall", "report", "suggest", "urge",
    "describe", "charge", "deny", "conclude", "testify", "tweet", "concede", "mention", "remark", "predict",
    "promise", "vow", "complain", "observe", "underline", "underscore", "clarify", "maintain", "reiterate",
    "allege", "caution", "answer", "agree", "believe", "think", "hope", "tout", "boast", "quip", "joke",
    "shout", "exclaim", "whisper", "recount", "counter", "retort", "elaborate", "summarize", "assure",
}
# how a line was delivered, next to a direct quote only: "“Go home,” Feld barked", "“We won!” beamed Dorn",
# "she shot back", "he fired back"
MANNER_CUES = {"bark", "beam", "yell", "scream", "snap", "laugh", "sigh", "muse", "cry", "gush", "chant", "fire",
               "shoot", "interject", "thunder", "wonder", "demand", "plead", "scoff", "sneer", "fume",
               # where it was said, or the text that says it: “...,” she posted / read the email
               "post", "read"}
CUES |= MANNER_CUES
# verbs that take reported speech as a clause: "X said that ...", "X told reporters the talks would ..."
INDIRECT_CUES = CUES - {"continue", "describe", "answer", "joke", "shout", "whisper"} - MANNER_CUES
# what a source finds or a person knows, fears or expects, with a clause: "the survey found that ...",
# "FBI statistics show that ...", "aides fear the race is slipping" (PolNeAR's attributions of evidence and belief)
INDIRECT_CUES |= {"find", "show", "reveal", "feel", "fear", "know", "expect", "worry", "doubt", "estimate",
                  "realize", "recognize", "learn", "hear", "figure", "guess", "assume", "understand", "decide",
                  "suspect", "imagine", "contend", "speculate", "hint", "imply", "signal", "prove", "demonstrate",
                  "discover", "determine", "anticipate", "bet", "reckon", "remember", "remind", "inform", "convince",
                  "notice", "see", "mean", "wonder"}
# verbs whose object is what the subject says or thinks about someone: "Trump accused Clinton of lying",
# "She called the plan a betrayal", "He praised the union's restraint"
ATTITUDE_CUES = {"accuse", "criticize", "criticise", "describe", "call", "praise", "cite", "blame", "dismiss",
                 "mock", "blast", "slam", "condemn", "decry", "urge", "encourage", "pledge", "vow", "promise",
                 "demand", "question", "label", "brand", "characterize", "characterise", "welcome", "hail",
                 "lament", "defend", "reject", "endorse", "applaud", "deride", "denounce", "rebuke"}
PRONOUNS = {"he", "she", "they", "i", "we", "it"}
# subjects that never name who speaks: "it said that", "there are reports", "which says"
NOT_SPEAKERS = frozenset({"it", "there", "this", "that", "which"})
ROLE_NOUNS = {"minister", "secretary", "president", "spokesman", "spokeswoman", "spokesperson", "official",
              "ambassador", "chancellor", "senator", "governor", "mayor", "chief", "leader", "diplomat",
              "envoy", "premier", "general", "commander", "director", "chairman", "chairwoman", "candidate",
              "judge", "prosecutor", "lawyer", "attorney", "officer", "executive", "ceo", "mother", "father"}
ORG_ROLE_NOUNS = {"company", "ministry", "authority", "union", "government", "department", "office", "agency",
                  "firm", "group", "council", "institute", "embassy", "police", "army", "court", "bank", "party"}
WORK_TITLE_CUE = re.compile(r"(?:film|movie|book|novel|song|album|show|series|play|titled|entitled|called|dubbed|"
                            r"so-called|headlined|column|article|report|slogan|hashtag|motto|author\ of|biography|"
                            r"memoir|documentary|podcast|programme|program|magazine|newspaper|op-ed|editorial)"
                            r",?\s*$", re.IGNORECASE)
# a headline followed by its byline: “Museum to close in December,” by the Ledger's Ana Ruiz
BYLINE_AFTER = re.compile(r"\s*,?\s*by\s+(?:the\s+)?[A-Z]")
# an excerpt after its byline, as newsletters quote other outlets: "...," by Times' Ben Sisario: “The Living Room ...
BYLINE_BEFORE = re.compile(r"[”\"'’],?\s+by\s+(?:the\s+)?[A-Z][^:\n“”\"]{0,60}:$")

# a programme or publication named after its broadcaster: said on ABC's “This Week”, told in CBS' “60 Minutes”
BROADCAST_TITLE = re.compile(r"\b(?:on|in)\s+(?:[A-Z][\w.&-]*\s+){0,3}[A-Z][\w.&-]*['’]s?\s*$")
# a title followed by what it names: “Orange is the New Black” star Dascha Polanco; signs and shirts:
# their mangled-Spanish “Hispanics para Trump” signs
TITLE_AFTER = re.compile(r"[”\"'’]{0,2}\s*(?:star|stars|co-star|actor|actress|host|creator|director|showrunner)\b")
SIGN_AFTER = re.compile(r"[”\"'’]{0,2}\s*(?:signs?|banners?|placards?|T-shirts?|shirts?|hats?|caps?|stickers?|"
                        r"posters?)\b")
# a programme or publication after "on" or "for": he said on “Meet the Press”, an interview for “Dateline”
ON_TITLE = re.compile(r"\b(?:on|for)\s*$")
SMALL_WORDS = {"a", "an", "the", "of", "in", "on", "for", "and", "or", "to", "with", "at", "by", "is", "as", "vs"}
# a quote introduced by whose words it is: "in her words, “", "in Feld's own words: “", "in the words of Ilse Dorn, “"
IN_WORDS = re.compile(r"\b[Ii]n\s+(?:(?P<owner>his|her|their|[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,2}['’]s?)\s+(?:own\s+)?words"
                      r"|the\s+words\s+of\s+(?P<of>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3}))\s*[,:]?\s*[“\"‘'«„]*$")
LIST_NEXT = re.compile(r"\s*(?:and\s+|or\s+)?[“\"]")
LIST_PREV = re.compile(r",\s*[”\"]\s*,?\s*(?:and|or)\s+$")

OPEN_CLOSE = {"“": "”", "„": "“”", "«": "»", "‹": "›", "‘": "’", "‚": "‘’"}
SYMMETRIC = {'"', "″"}
MARKS = set("“”„«»‹›‘’‚\"″")
WORD = re.compile(r"\w+")


@dataclass
class Segment:
    start: int  # content start (after the mark)
    end: int  # content end (before the mark)
    utterance: int
    open_at_end: bool = False  # continues in the next paragraph


def _is_apostrophe(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return prev.isalnum() and nxt.isalnum() or (prev.lower() == "s" and not nxt.isalnum() and text[i] == "’" and False)


def _opens_only(text: str, i: int) -> bool:
    """A straight mark with a space (or line start) before it and a word right after it opens a quote and
    cannot close one: ``said. "Everybody``."""
    prev = text[i - 1] if i > 0 else "\n"
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return (prev.isspace() or prev in "([{—–") and nxt.isalnum()


def find_quote_segments(text: str) -> list[Segment]:
    """Spans inside quotation marks, paired per paragraph, continued across paragraphs.

    Two apostrophes (``''``, the double mark of some newspapers' archives) count as one straight
    double mark: the text is read with each ``''`` as ``" `` (same length, so offsets hold)."""
    if "''" in text:
        text = text.replace("''", '" ')
    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text)]
    segments: list[Segment] = []
    utter = 0
    carry: tuple[str, str] | None = None  # (opener, closers) carried from the previous paragraph
    for pi, (ps, pe) in enumerate(paras):
        i = ps
        open_pos, closers, opener = None, "", ""
        if carry is not None:
            # a continued quote: the paragraph opens with the same mark again
            j = ps
            if j < pe and (text[j] == carry[0] or text[j] in SYMMETRIC and carry[0] in SYMMETRIC):
                open_pos, opener, closers = j, carry[0], carry[1]
                i = j + 1
            carry = None
        while i < pe:
            ch = text[i]
            if open_pos is None:
                if ch in OPEN_CLOSE and not (ch in "‘‚" and _is_apostrophe(text, i)):
                    if ch == "‘" and i > ps and text[i - 1].isalnum():
                        i += 1
                        continue
                    open_pos, opener, closers = i, ch, OPEN_CLOSE[ch]
                elif ch in SYMMETRIC:
                    # a straight mark closed by a curly one, or a curly one by a straight one: pages mix them
                    open_pos, opener, closers = i, ch, ch + ("”" if ch == '"' else "")
            else:
                if ch == opener and ch not in closers and ch not in SYMMETRIC and not (
                        ch in "‘‚" and _is_apostrophe(text, i)):
                    open_pos = i  # the same opening mark again: the earlier one was never closed
                    i += 1
                    continue
                if ch in SYMMETRIC and opener in SYMMETRIC and _opens_only(text, i):
                    open_pos = i  # a straight mark that can only open: the earlier one was a stray
                    i += 1
                    continue
                is_close = ch in closers and not (ch == "’" and _is_apostrophe(text, i))
                if ch == '"' and opener == "“":
                    is_close = not _opens_only(text, i)
                if ch in SYMMETRIC and opener in SYMMETRIC:
                    is_close = True
                if is_close and i > open_pos + 1:
                    segments.append(Segment(open_pos + 1, i, utter))
                    utter += 1
                    open_pos = None
            i += 1
        if open_pos is not None:
            nxt = paras[pi + 1] if pi + 1 < len(paras) else None
            continues = nxt is not None and (text[nxt[0]] == opener or text[nxt[0]] in SYMMETRIC and opener in SYMMETRIC)
            if continues and opener not in "‘‚":
                segments.append(Segment(open_pos + 1, pe, utter, open_at_end=True))
                carry = (opener, closers)
            else:
                # unbalanced: forget this mark and read the rest of the paragraph again after it
                rest = find_quote_segments_in(text, open_pos + 1, pe)
                for s in rest:
                    segments.append(Segment(s[0], s[1], utter))
                    utter += 1
    return _trim(text, segments)


def find_quote_segments_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    sub = text[start:end]
    return [(start + s.start, start + s.end) for s in find_quote_segments(sub) if not s.open_at_end]


def _trim(text: str, segments: list[Segment]) -> list[Segment]:
    out = []
    for s in segments:
        a, b = s.start, s.end
        if a >= 2 and text[a - 2] == "=":  # an attribute value in markup residue: <a href="...">, tweet-date="..."
            continue
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and WORD.search(text, a, b):
            out.append(Segment(a, b, s.utterance, s.open_at_end))
    return out


# ---- attribution -----------------------------------------------------------------------------------------
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
class Context:
    doc: object
    text: str
    mentions: list[dict]
    mention_starts: list[int] = field(default_factory=list)
    quote_spans: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self):
        self.mentions = sorted(self.mentions, key=lambda m: m["start_char"])
        self.mention_starts = [m["start_char"] for m in self.mentions]

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
        subj = _subject(verb, self)
        if subj is None or subj.lower_ in NOT_SPEAKERS or subj.lower_ in also_not or self.in_quote(subj.idx):
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


def _subject(cue, ctx: Context | None = None) -> object | None:
    """The cue's subject; with ``ctx``, never one inside quotation marks (the parser sometimes hangs a
    name in the quote on the frame's verb: “[Clinton] can be very polarizing,” Kilfoyle said)."""
    for child in cue.children:
        if child.dep_ in ("nsubj", "nsubjpass") and not (ctx is not None and ctx.in_quote(child.idx)):
            if child.lower_ in ("who", "that", "which") and cue.dep_ == "relcl":
                return cue.head  # "Churkin, who charged that ..."
            return child
    if cue.dep_ == "conj" and cue.head.dep_ == "ccomp" and cue.head.head.lemma_.lower() in CUES:
        # "De Blasio said the move was made by Bratton and said, “...”": the second "said" hangs on the
        # reported clause, but its subject is the first one's
        return _subject(cue.head.head, ctx)
    if cue.dep_ in ("conj", "advcl", "xcomp") and cue.head.pos_ in ("VERB", "AUX"):
        for child in cue.head.children:
            if child.dep_ in ("nsubj", "nsubjpass") and not (ctx is not None and ctx.in_quote(child.idx)):
                return child
    # a participle misread as the clause subject: "Large majorities of voters going to the polls said
    # ..." parses as csubj "going" with "majorities" under it
    for child in cue.children:
        if child.dep_ == "csubj" and child.i < cue.i and child.tag_ == "VBG":
            for grandchild in child.children:
                if grandchild.dep_ == "nsubj" and grandchild.i < child.i:
                    return grandchild
    return None


def _speaker_from_subject(ctx: Context, subj, cue_lemma: str | None, attribution: str = "explicit") -> Speaker:
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
    return _resolve(ctx, start, end, subj, cue_lemma, attribution)


def _resolve(ctx: Context, start: int, end: int, head, cue_lemma: str | None, attribution: str) -> Speaker:
    sp = Speaker(start, end, cue=cue_lemma, attribution=attribution)
    inside = ctx.mentions_in(start, end)
    persons = [m for m in inside if m["label"] == "PERSON"]
    at_head = [m for m in inside if head is not None and m["start_char"] <= head.idx < m["end_char"]
               and m["label"] in ("PERSON", "ORG", "GPE")]
    pick = persons[-1] if persons else (at_head[0] if at_head else None)
    if pick is not None:
        sp.name, sp.entity_id = pick["name"], pick["entity_id"]
        sp.confidence = 0.9 if pick["label"] == "PERSON" else 0.75
        return sp
    word = head.text.lower() if head is not None else ctx.text[start:end].lower()
    if word in PRONOUNS and word != "it" or word in ("his", "her", "their"):  # "in her words, “...”"
        antecedent = ctx.subject_person_before(start)
        sp.attribution = "pronoun"
        if antecedent is not None:
            sp.name, sp.entity_id, sp.confidence = antecedent["name"], antecedent["entity_id"], 0.7
        else:
            sp.confidence = 0.35
        return sp
    lemma = head.lemma_.lower() if head is not None else word
    if lemma in ORG_ROLE_NOUNS:
        org = ctx.last_entity_before(start, "ORG", lemma)
        if org is not None:
            sp.name, sp.entity_id, sp.confidence = org["name"], org["entity_id"], 0.6
            return sp
    if lemma in ROLE_NOUNS:
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
    return [t for t in span if t.lemma_.lower() in CUES and t.pos_ in ("VERB", "AUX") and not ctx.in_quote(t.idx)]


def attribute(ctx: Context, seg_start: int, seg_end: int) -> Speaker | None:
    """The speaker of the quote at [seg_start, seg_end), from the words around it."""
    doc, text = ctx.doc, ctx.text
    close = seg_end
    while close < len(text) and (text[close] in MARKS or text[close] in " \t,'"):
        close += 1
    para_end = text.find("\n\n", seg_end)
    para_end = len(text) if para_end == -1 else para_end
    # "in her words, “...”", "in Feld's own words: “...”", "in the words of Ilse Dorn, “...”"
    m = IN_WORDS.search(text, max(0, seg_start - 60), max(0, seg_start - 1))
    if m is not None:
        who = m.group("owner") or m.group("of")
        a = m.start("owner") if m.group("owner") else m.start("of")
        span = doc.char_span(a, a + len(who), alignment_mode="expand")
        if span is not None and len(span):
            return _resolve(ctx, a, a + len(who), span.root, None, "explicit")
    # "X: “...”" with a name right before the colon
    before = text[max(0, seg_start - 4):seg_start]
    if ":" in before:
        colon = text.rfind(":", 0, seg_start)
        ms = [m for m in ctx.mentions_in(max(0, colon - 80), colon) if m["end_char"] >= colon - 1]
        if ms and ms[-1]["label"] == "PERSON":
            m = ms[-1]
            return _named(m, None, 0.8)
    # the sentence after the quote's end and the one holding its start
    sent_after = _sentence_at(doc, min(close, len(text) - 1), forward=True) if close < para_end else None
    para_start = text.rfind("\n\n", 0, seg_start)
    para_start = 0 if para_start == -1 else para_start + 2
    frame_end = seg_start
    while frame_end > para_start and (text[frame_end - 1] in MARKS or text[frame_end - 1] == "'"
                                       or text[frame_end - 1].isspace()):
        frame_end -= 1
    if frame_end <= para_start and para_start >= 2 and text[:para_start].rstrip()[-1:] in (",", ":"):
        frame_end = len(text[:para_start].rstrip())  # "Kerry, he said,\n\n“...”"
    sent_before = _sentence_at(doc, max(frame_end - 1, 0), forward=False) if frame_end > 0 and (
        frame_end > para_start or frame_end < para_start) else None
    candidates = []
    # the quote ends its own sentence (“... soon.”) and what follows is a new statement, not its frame:
    # “...” Kasich said he would have fired him / She says it underscores ...
    content_ends_comma = text[:seg_end].rstrip().rstrip("".join(MARKS) + "'")[-1:] == ","
    ends_sentence = text[:seg_end].rstrip().rstrip("".join(MARKS) + "'")[-1:] in (".", "…")
    if sent_after is not None:
        a, b = sent_after
        b = min(b, para_end)
        if a >= seg_start - 2 or text[close:a].strip() == "" or a <= close:
            for t in _cue_tokens(doc, max(a, close), b, ctx):
                own_clause = ends_sentence and any(
                    c.dep_ in ("ccomp", "xcomp") and c.idx > t.idx and not ctx.in_quote(c.idx) for c in t.children)
                candidates.append((4 if own_clause else 0 if t.idx - close < 40 else 2, t.idx - close, t))
    # a following paragraph that opens with the frame: "he said following ...", "Toner told reporters ..."
    if close >= para_end and para_end + 2 < len(text):
        nxt = _sentence_at(doc, para_end + 2, forward=True)
        if nxt is not None:
            lo = max(nxt[0], para_end + 2)
            for t in _cue_tokens(doc, lo, min(nxt[1], lo + 45), ctx):
                if not MARKS.intersection(text[lo:t.idx]):
                    candidates.append((1.5, t.idx - close, t))
    if sent_before is not None:
        a, b = sent_before
        same_para = frame_end > para_start
        # a frame that introduces the quote: "Hayek confirmed she had been and said, “...”"
        introduces = same_para and text[frame_end - 1:frame_end] in (",", ":") and not content_ends_comma
        for t in _cue_tokens(doc, a, min(b, frame_end), ctx):
            near = seg_start - t.idx < 40
            tier = (1 if near else 3) if same_para else 2
            candidates.append((-1 if introduces and tier in (1, 3) else tier, seg_start - t.idx, t))
    # a quote that opens its paragraph after a paragraph ending in narration with a speech verb: "Howard
    # continued his scathing remarks.\n\n“Eight years ago ...”"
    if sent_before is None and frame_end <= para_start and para_start >= 2 and text[:para_start].rstrip()[-1:] == ".":
        rng = _sentence_at(doc, len(text[:para_start].rstrip()) - 1, forward=False)
        if rng is not None and not MARKS.intersection(text[rng[0]:rng[1]]):
            for t in _cue_tokens(doc, rng[0], rng[1], ctx):
                candidates.append((2.5, seg_start - t.idx, t))
    for tier, _, cue in sorted(candidates, key=lambda c: (c[0], c[1])):
        if cue.lemma_.lower() == "accord":
            continue
        subj = _subject(cue, ctx)
        if (subj is None or ctx.in_quote(subj.idx)) and tier == 0 \
                and (named := _name_before_cue(ctx, close, cue) or _name_after_cue(ctx, cue)) is not None:
            return named
        if subj is not None and not ctx.in_quote(subj.idx):
            sp = _speaker_from_subject(ctx, subj, cue.lemma_.lower())
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
            subj = _subject(tok, ctx)
            if subj is not None and not ctx.in_quote(subj.idx):
                lemma = tok.lemma_.lower()
                sp = _speaker_from_subject(ctx, subj, lemma if lemma in CUES else None)
                sp.tier = "colon"
                return sp
    # "according to X"
    for rng in (sent_after, sent_before):
        if rng is None:
            continue
        span = doc.char_span(rng[0], rng[1], alignment_mode="expand")
        for t in span or []:
            if t.lower_ == "according" and t.i + 2 < len(doc) and doc[t.i + 1].lower_ == "to" and not ctx.in_quote(t.idx):
                head = next((c for c in doc[t.i + 1].children if c.dep_ == "pobj"), None)
                if head is not None:
                    toks = list(head.subtree)
                    return _resolve(ctx, toks[0].idx, toks[-1].idx + len(toks[-1].text), head, "according to", "explicit")
    return None


def _named(m: dict, cue_lemma: str | None, confidence: float | None = None) -> Speaker:
    """The speaker a mention names, found by its place next to the frame rather than by the parse."""
    if confidence is None:
        confidence = 0.85 if m["label"] == "PERSON" else 0.7
    return Speaker(m["start_char"], m["end_char"], m["name"], m["entity_id"], cue_lemma, "explicit", confidence)


_APPOSITIVE_GAP = re.compile(r"\s*(?:,[^,“”\"\n]{1,60},)?\s*$")


def _name_before_cue(ctx: Context, close: int, cue) -> Speaker | None:
    """“...,” Ramos, 58, told AFP / “...,” Trump barked: the name between the closing mark and the
    cue, where the parser found no subject (it made the name a compound or an adverbial)."""
    ms = [m for m in ctx.mentions_in(close, cue.idx) if m["label"] in ("PERSON", "ORG")]
    if not ms or ctx.text[close:ms[0]["start_char"]].strip(" ,\n" + "".join(MARKS)):
        return None
    m = ms[0]
    if not _APPOSITIVE_GAP.match(ctx.text[m["end_char"]:cue.idx]):
        return None
    return _named(m, cue.lemma_.lower())


_TITLE_GAP = re.compile(r"\s+(?:[\w.'’-]+\s+){0,4}$")


def _name_after_cue(ctx: Context, cue) -> Speaker | None:
    """“The risk,” said Edward Leamer, an economist ...: the name right after an inverted cue that the parser
    hung on the quote's own verb."""
    end = cue.idx + len(cue.text)
    ms = [m for m in ctx.mentions_in(end, end + 60) if m["label"] in ("PERSON", "ORG")]
    if not ms or not _TITLE_GAP.match(ctx.text[end:ms[0]["start_char"]] or " "):
        return None
    m = ms[0]
    return _named(m, cue.lemma_.lower())


def _sentence_at(doc, char: int, forward: bool) -> tuple[int, int] | None:
    """(start, end) of the sentence holding the first token at or after ``char`` (before, if not forward)."""
    if not len(doc) or char < 0:
        return None
    starts = doc.user_data.get("_tok_starts")
    if starts is None:
        starts = doc.user_data["_tok_starts"] = [t.idx for t in doc]
    i = bisect.bisect_right(starts, char) - 1  # token starting at or before char
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


# ---- the extractor --------------------------------------------------------------------------------------------
def _title_case(words: list[str]) -> bool:
    """Up to eight words, every one but the small ones capitalised: “Meet the Press”, “Bridge of Spies”."""
    big = [w for w in words if w.lower() not in SMALL_WORDS]
    return 0 < len(words) <= 8 and bool(big) and all(w[0].isupper() or w[0].isdigit() for w in big)


def _is_scare_quote(ctx: Context, a: int, b: int, attributed: bool, spoken: bool = False) -> bool:
    content = ctx.text[a:b]
    words = WORD.findall(content)
    before = ctx.text[max(0, a - 52):a].rstrip("".join(MARKS) + "' \t")  # '' (two apostrophes) is one mark
    if WORK_TITLE_CUE.search(before[-26:]) or BROADCAST_TITLE.search(before):
        return True
    if SIGN_AFTER.match(ctx.text, b) and len(words) <= 8:
        return True
    if _title_case(words) and (TITLE_AFTER.match(ctx.text, b) or ON_TITLE.search(before[-6:])):
        return True
    # one item of a list of titles: “The Harbour at Dawn,” “Tide Tables,” and “Salt”
    if content.rstrip().endswith(",") and LIST_NEXT.match(ctx.text, b + 1) or LIST_PREV.search(ctx.text[max(0, a - 12):a - 1]):
        return True
    if BYLINE_AFTER.match(ctx.text, b + 1) or BYLINE_BEFORE.search(before):
        return True
    if spoken:
        return False  # a titled, listed or bylined line is out above; what is left was said
    if len(words) <= 3 and all(w[:1].isupper() for w in words):
        return True  # a name or term in marks: “ISIS”
    if len(words) <= 2 and not attributed:
        return True
    if len(words) <= 4 and not attributed and not re.search(r"[.!?,]\s*$", content):
        return True  # a term in marks inside a sentence, with no one saying it: the “law and order” issue
    return False


def extract_quotes(doc, article_id: str, mentions: list[dict]) -> list[dict]:
    """Direct and indirect quotes of one parsed article, with speakers resolved to mentions."""
    text = doc.text
    segments = find_quote_segments(text)
    ctx = Context(doc, text, mentions, quote_spans=[(s.start, s.end) for s in segments])
    rows: list[dict] = []
    by_utterance: dict[int, list[tuple[Segment, Speaker | None]]] = {}
    for seg in segments:
        by_utterance.setdefault(seg.utterance, []).append((seg, attribute(ctx, seg.start, seg.end)))
    # interrupted quotes ("A," she said, "B"): consecutive segments in one sentence share a speaker
    utterances = sorted(by_utterance)
    merged: dict[int, int] = {u: u for u in utterances}
    for u_prev, u in zip(utterances, utterances[1:]):
        (s_prev, _), (s_cur, _) = by_utterance[u_prev][-1], by_utterance[u][0]
        gap = text[s_prev.end + 1:s_cur.start - 1]
        if "\n" not in gap and len(gap) < 160 and re.match(r"^[,;:]?\s*[^.!?]*[,:]\s*$", gap) and _cue_in(gap):
            merged[u] = merged[u_prev]
    previous: Speaker | None = None
    prev_end = -1
    groups: dict[int, list[tuple[Segment, Speaker | None]]] = {}
    for u in utterances:
        groups.setdefault(merged[u], []).extend(by_utterance[u])
    for g in sorted(groups):
        parts = groups[g]
        speaker = next((sp for _, sp in parts if sp is not None), None)
        first = parts[0][0]
        if speaker is not None and speaker.tier == "next" and previous is not None \
                and "\n\n" not in text[prev_end:first.start] and prev_end >= 0:
            speaker = None  # the quote continues the one before it in its paragraph
        attributed = speaker is not None
        if speaker is None and previous is not None and _continues(text, prev_end, first.start):
            speaker = Speaker(previous.surface_start, previous.surface_end, previous.name, previous.entity_id,
                              previous.cue, "continuation", min(previous.confidence, 0.6))
            attributed = True
        total_words = sum(len(WORD.findall(text[s.start:s.end])) for s, _ in parts)
        if len(parts) == 1 and _in_heading(text, first.start):
            continue
        # a short line with its frame right after it, ending as speech does: “Quiet,” he demanded
        spoken = attributed and speaker.adjacent and text[:first.end].rstrip()[-1:] in (",", "!", "?")
        if len(parts) == 1 and _is_scare_quote(ctx, first.start, first.end, attributed and total_words > 1, spoken):
            continue
        if total_words <= 2 and not attributed:
            continue
        uid = sha(article_id, "u", first.start, n=16)
        for seg, _ in parts:
            rows.append(_row(article_id, text, seg.start, seg.end, "direct", speaker, uid))
        if speaker is not None:
            previous, prev_end = speaker, parts[-1][0].end
    indirect, absorbed = extract_indirect(ctx, article_id)
    if absorbed:
        gone = set(absorbed)
        rows = [r for r in rows if (r["start_char"], r["end_char"]) not in gone]
    rows.extend(_without_nested(indirect))
    rows.sort(key=lambda r: r["start_char"])
    return rows


def _without_nested(rows: list[dict]) -> list[dict]:
    """One reported clause once: of indirect rows with the same span, or one inside another, the outer one
    (found first on ties) stays."""
    rows = sorted(rows, key=lambda r: (r["start_char"], -r["end_char"]))
    kept: list[dict] = []
    for r in rows:
        if any(k["start_char"] <= r["start_char"] and r["end_char"] <= k["end_char"] for k in kept):
            continue
        kept.append(r)
    return kept


def _in_heading(text: str, pos: int) -> bool:
    """The position lies in a short paragraph without closing punctuation: a headline or subheading."""
    a = text.rfind("\n\n", 0, pos)
    b = text.find("\n\n", pos)
    para = text[0 if a == -1 else a + 2: len(text) if b == -1 else b].strip()
    return len(WORD.findall(para)) < 15 and not re.search(r"[.!?:,;][\"”’»]?$", para)


def _cue_in(gap: str) -> bool:
    return any(w.lower() in {"said", "says", "added", "adds", "told", "stressed", "noted", "explained", "insisted",
                             "continued", "warned", "argued", "asked", "wrote", "replied"} for w in WORD.findall(gap))


def _continues(text: str, prev_end: int, start: int) -> bool:
    """The quote at ``start`` follows the previous attributed quote closely: same or next paragraph."""
    if prev_end < 0 or start < prev_end:
        return False
    between = text[prev_end:start]
    return between.count("\n\n") <= 1 and len(between) < 400


def extract_indirect(ctx: Context, article_id: str) -> tuple[list[dict], list[tuple[int, int]]]:
    """Reported speech: a reporting verb with a clausal complement, before or after the verb.

    A clause wholly outside quotation marks is indirect speech.  A clause that holds quoted words
    among its own ("Castell says the strike “will be over by Friday”") is reported
    speech too, with the quoted fragments inside it: it is returned with kind ``indirect`` and the
    fragments it covers are returned as absorbed, so that the quote is one row, not two.  A clause
    that is mostly the quotation itself is left to the direct quote.
    """
    rows, absorbed = [], []
    text = ctx.text
    for tok in ctx.doc:
        if tok.lemma_.lower() not in INDIRECT_CUES or tok.pos_ != "VERB" or ctx.in_quote(tok.idx):
            continue
        comp = next((c for c in tok.children if c.dep_ == "ccomp"), None)
        if comp is None:
            continue
        toks = _reported_tokens(comp)
        while toks and (toks[0].lower_ == "that" and toks[0].dep_ == "mark" or toks[0].is_punct):
            toks = toks[1:]
        while toks and toks[-1].is_punct and toks[-1].text not in MARKS:
            toks = toks[:-1]
        if len(toks) < 3:
            continue
        a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        while b > a and (text[b - 1] in MARKS or text[b - 1] in ",;:"):
            b -= 1
        while a < b and text[a] in MARKS:
            a += 1
        if "\n\n" in text[a:b]:
            continue
        inside, covered = ctx.quoted_in(a, b)
        if inside and not covered:
            # crosses a quotation's edge: the parse and the marks disagree.  Keep what comes before the
            # comma ahead of the first quotation the clause runs into ("Feld said the quay needed no new
            # rules, telling the Harbor Ledger that “we keep the old ones, ...")
            first = min((qs for qs, qe in ctx.quote_spans if qs < b and a < qe and not (qs >= a - 1 and qe <= b + 1)),
                        default=a)
            cut = text.rfind(",", a, max(a, first - 1))
            if cut == -1 or len(text[a:cut].split()) < 4:
                continue
            b = cut
            inside, covered = ctx.quoted_in(a, b)
            if inside and not covered:
                continue
        if inside > 0.75 * (b - a):
            continue  # essentially the direct quote
        if (subj := ctx.speaker_subject(tok)) is None:
            continue
        rows.append(_indirect(ctx, article_id, a, b, _speaker_from_subject(ctx, subj, tok.lemma_.lower()), 0.85, 0.6))
        absorbed.extend(covered)
    for row, covered in _partial_quotes(ctx, article_id, {(r["start_char"], r["end_char"]) for r in rows}):
        rows.append(row)
        absorbed.extend(covered)
    for row, covered in _attitudes(ctx, article_id):
        rows.append(row)
        absorbed.extend(covered)
    for row, covered in _according_to(ctx, article_id):
        rows.append(row)
        absorbed.extend(covered)
    taken = [(r["start_char"], r["end_char"]) for r in rows]
    for row, covered in [*_colon_lines(ctx, article_id), *_as_clauses(ctx, article_id), *_intentions(ctx, article_id),
                         *_topics(ctx, article_id)]:
        if not any(row["start_char"] < b and a < row["end_char"] for a, b in taken):
            rows.append(row)
            absorbed.extend(covered)
            taken.append((row["start_char"], row["end_char"]))
    taken = [(r["start_char"], r["end_char"]) for r in rows]
    for row in _parentheticals(ctx, article_id):
        if not any(row["start_char"] < b and a < row["end_char"] for a, b in taken):
            rows.append(row)
    return rows, absorbed


def _reported_tokens(head) -> list:
    """The tokens of the clause under ``head``, up to where the next attribution begins."""
    return _until_next_attribution([t for t in head.subtree if not t.is_space], head.i)


def _until_next_attribution(toks: list, after: int) -> list:
    """``toks`` cut where the next attribution begins, past token ``after``.  The parser hangs the
    speaker's next verb on the clause ("said the move was made by Bratton and said, “Who ...”": the
    clause ends before "and said"), a participle of speech after a comma is the next attribution
    ("insisted that he has “expanded the party,” claiming that he is responsible ..."), and so is a
    relative clause with a speaker of its own (", which he declared “a total disaster”")."""
    for k, t in enumerate(toks):
        if t.i > after and t.lemma_.lower() in CUES and t.pos_ == "VERB" and (
                t.dep_ == "conj" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children)
                or t.tag_ == "VBG" and t.dep_ == "advcl" and _after_comma(toks, k)):
            while k > 0 and (toks[k - 1].dep_ == "cc" or toks[k - 1].is_punct):
                k -= 1
            return toks[:k]
        if t.i > after and t.dep_ == "relcl" and t.lemma_.lower() in CUES | ATTITUDE_CUES and any(
                c.dep_ == "nsubj" and c.lower_ not in ("who", "which", "that") for c in t.children):
            first = min(x.i for x in t.subtree)
            k = next((j for j, x in enumerate(toks) if x.i == first), 0)
            if k > 0 and toks[k - 1].text == ",":  # set off by a comma: not part of what is reported
                return toks[:k - 1]
    return toks


def _after_comma(toks: list, k: int) -> bool:
    """The token before toks[k], past closing marks, is a comma or a dash."""
    k -= 1
    while k >= 0 and toks[k].text in MARKS:
        k -= 1
    return k >= 0 and toks[k].text in (",", "—", "–", ";")


def _parentheticals(ctx: Context, article_id: str):
    """"The ferry, the mayor said, will run again by May.": the speech clause sits inside the sentence
    between commas, and the reported words are the two sides of it (one utterance, two spans)."""
    doc, text = ctx.doc, ctx.text
    for tok in doc:
        if tok.lemma_.lower() not in INDIRECT_CUES or tok.pos_ != "VERB" or ctx.in_quote(tok.idx):
            continue
        subj = _subject(tok, ctx)
        if subj is None or subj.i > tok.i or subj.lower_ in NOT_SPEAKERS:
            continue
        first = subj.left_edge.i
        if first < 1 or doc[first - 1].text != "," or tok.i + 1 >= len(doc) or doc[tok.i + 1].text != ",":
            continue
        sent = tok.sent
        before = [t for t in doc[sent.start:first - 1] if not t.is_space]
        after = [t for t in doc[tok.i + 2:sent.end] if not t.is_space]
        if not before or len(after) < 3 or any(t.text in MARKS for t in [*before, *after]):
            continue
        right = _clause_span(ctx, after)
        if right is None:
            continue
        speaker = _speaker_from_subject(ctx, subj, tok.lemma_.lower())
        speaker.confidence = round(speaker.confidence * (0.8 if speaker.entity_id else 0.55), 3)
        uid = sha(article_id, "p", right[0], n=16)
        a, b = before[0].idx, before[-1].idx + len(before[-1].text)
        if len([t for t in before if not t.is_punct]) >= 2 and "\n" not in text[a:b]:
            yield _row(article_id, text, a, b, "indirect", speaker, uid)
        yield _row(article_id, text, right[0], right[1], "indirect", speaker, uid)


def _clause_span(ctx: Context, toks: list) -> tuple[int, int] | None:
    """Character span of tokens with edge punctuation and marks trimmed, or None when too short or when it
    is mostly a direct quote or crosses a quotation's edge; also returns nothing across paragraphs."""
    text = ctx.text
    while toks and (toks[0].is_punct and toks[0].text not in MARKS or toks[0].is_space):
        toks = toks[1:]
    while toks and (toks[-1].is_punct and toks[-1].text not in MARKS or toks[-1].is_space):
        toks = toks[:-1]
    if len(toks) < 3:
        return None
    a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
    while a < b and text[a] in MARKS:
        a += 1
    while b > a and (text[b - 1] in MARKS or text[b - 1] in ",;:"):
        b -= 1
    if "\n" in text[a:b] or b - a < 8:
        return None
    return a, b


def _partial_quotes(ctx: Context, article_id: str, taken: set[tuple[int, int]]):
    """A few quoted words inside someone's sentence ("Clinton is describing as “unhinged” a tweet", "he
    encouraged Americans to “check out” her tape"): the reported part is the clause that holds them, from
    the verb whose subject is the speaker.  It takes the quoted words in (they are absorbed)."""
    doc, text = ctx.doc, ctx.text
    for qs, qe in ctx.quote_spans:
        if any(a <= qs and qe <= b for a, b in taken):
            continue
        if IN_WORDS.search(text, max(0, qs - 60), max(0, qs - 1)):
            continue  # "in her words, “...”": her words, direct
        span = doc.char_span(qs, qe, alignment_mode="expand")
        if span is None or not len(span):
            continue
        sent = span[0].sent
        if (qe - qs) > 0.6 * (sent.end_char - sent.start_char) or len(WORD.findall(text[sent.start_char:qs])) < 3:
            continue  # the quote is (most of) the sentence: a direct quote, attributed as one
        child, verb = span.root, span.root.head
        while verb.i != child.i and not (verb.pos_ in ("VERB", "AUX") and _subject(verb, ctx) is not None):
            child, verb = verb, verb.head
        if verb.i == child.i or ctx.in_quote(verb.idx) or not (sent.start <= verb.i < sent.end):
            continue
        lemma = verb.lemma_.lower()
        if (subj := ctx.speaker_subject(verb, frozenset({"what"}))) is None:
            continue
        if child.i < verb.i:
            continue  # the quoted words are in the subject's side
        found = _clause_span(ctx, _reported_tokens(child))
        if found is None:
            continue
        a, b = found
        if not (a <= qs and qe <= b + 1) or (b - a) < 1.3 * (qe - qs):
            continue
        speaker = _speaker_from_subject(ctx, subj, lemma if lemma in CUES or lemma in ATTITUDE_CUES else None)
        if speaker.entity_id is None and lemma not in CUES and lemma not in ATTITUDE_CUES:
            continue  # "the company launched its “smart” fridge": no one is quoted
        covered = ctx.quoted_in(a, b)[1]
        taken.add((a, b))
        yield _indirect(ctx, article_id, a, b, speaker, 0.7), covered


def _attitudes(ctx: Context, article_id: str):
    """"X accused Y of ...", "X called the plan “a betrayal”": the verb's object side is what X said of it."""
    for tok in ctx.doc:
        if tok.lemma_.lower() not in ATTITUDE_CUES or tok.pos_ != "VERB" or ctx.in_quote(tok.idx):
            continue
        if any(c.dep_ == "ccomp" for c in tok.children) and tok.lemma_.lower() in INDIRECT_CUES:
            continue  # taken as reported speech
        right = [c for c in tok.children if c.i > tok.i and c.dep_ in ("dobj", "prep", "xcomp", "oprd", "ccomp", "attr",
                                                                        "pcomp", "advcl", "dative")]
        if not right:
            continue
        toks = [t for c in right for t in c.subtree]
        toks = [t for t in ctx.doc[min(t.i for t in toks):max(t.i for t in toks) + 1]]
        # "mocked Feld for calling himself the “captain of the quay,” noting that ..."
        toks = _until_next_attribution(toks, tok.i)
        if len(toks) < 4 or not any(t.pos_ in ("VERB", "AUX") or t.text in MARKS for t in toks):
            continue  # "the union rejected the offer": an act, not words said about something
        span = _clause_span(ctx, toks)
        if span is None:
            continue
        a, b = span
        inside, covered = ctx.quoted_in(a, b)
        if inside and not covered:
            continue
        if (subj := ctx.speaker_subject(tok)) is None:
            continue
        yield _indirect(ctx, article_id, a, b, _speaker_from_subject(ctx, subj, tok.lemma_.lower()), 0.75, 0.5), covered


def _according_to(ctx: Context, article_id: str):
    """"According to X, CLAUSE." and "CLAUSE, according to X.": the clause is reported, X its source."""
    for tok in ctx.doc:
        if tok.lower_ != "according" or tok.i + 2 >= len(ctx.doc) or ctx.doc[tok.i + 1].lower_ != "to" \
                or ctx.in_quote(tok.idx):
            continue
        to = ctx.doc[tok.i + 1]
        head = next((c for c in to.children if c.dep_ == "pobj"), None)
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
        if (covered := ctx.reported(a, b)) is None:
            continue  # a direct quote (attributed by the same phrase) or a parse that crosses its marks
        src = list(head.subtree)
        speaker = _resolve(ctx, src[0].idx, src[-1].idx + len(src[-1].text), head, "according to", "explicit")
        yield _indirect(ctx, article_id, a, b, speaker, 0.85, 0.6), covered


# verbs of intention and stance with an infinitive: "Trump declined to affirm ...", "voters want to limit
# immigration", "the senator vowed to block the bill" (never "seems to", "is expected to": the writer's reading)
INTENT_CUES = {"want", "decline", "refuse", "expect", "plan", "intend", "vow", "promise",
               "pledge", "threaten", "hope", "aim", "seek", "agree", "offer", "wish", "prefer", "mean"}


def _intentions(ctx: Context, article_id: str):
    """What someone wants, refuses or vows to do: the infinitive after a verb of intention or stance."""
    for tok in ctx.doc:
        if tok.lemma_.lower() not in INTENT_CUES or tok.pos_ not in ("VERB", "AUX") or ctx.in_quote(tok.idx):
            continue
        comp = next((c for c in tok.children if c.dep_ == "xcomp" and c.i > tok.i and c.pos_ in ("VERB", "AUX")
                     and any(a.lower_ == "to" and a.dep_ == "aux" for a in c.children)), None)
        if comp is None or (found := _clause_span(ctx, list(comp.subtree))) is None:
            continue
        a, b = found
        if (covered := ctx.reported(a, b)) is None or (subj := ctx.speaker_subject(tok)) is None:
            continue
        if subj.dep_ == "nsubjpass":
            continue  # "the bank is expected to ...": the writer's reading of someone, not their words
        yield _indirect(ctx, article_id, a, b, _speaker_from_subject(ctx, subj, tok.lemma_.lower()), 0.7, 0.5), covered


# what someone talks about or calls for, as a phrase: "she talked about how her experiences shaped her",
# "asked about his daughter's work", "Cuomo is pushing for a $15 minimum wage", "his attacks on Clinton"
TOPIC_VERBS = {"about": {"talk", "speak", "ask", "write", "muse", "joke", "complain", "worry", "comment", "testify",
                         "warn", "boast", "brag", "tweet", "post", "rant", "argue", "reminisce", "groan", "lecture",
                         "think", "care", "fret", "laugh", "tell", "say", "inquire", "speculate", "lie", "wonder"},
               "on": {"comment", "testify", "insist", "elaborate", "focus", "remark", "reflect", "weigh",
                      "waffle", "backpedal", "compromise", "agree", "attack", "campaign"},
               "for": {"call", "push", "press", "appeal", "advocate", "plead", "lobby", "campaign", "argue", "ask"}}
TOPIC_NOUNS = {"about": {"question", "statement", "comment", "remark", "language", "claim", "speech", "joke",
                         "complaint", "concern", "warning", "tweet", "post", "story", "interview", "talk"},
               "on": {"attack", "criticism", "stance", "position", "view", "comment", "remark", "statement",
                      "speech", "remarks"},
               "of": {"criticism", "criticisms", "accusation", "praise", "denial", "condemnation", "description",
                      "characterization", "endorsement", "rejection", "defense", "defence"},
               "for": {"call", "appeal", "plea", "demand", "support", "push"}}


def _topics(ctx: Context, article_id: str):
    """What someone talks about, calls for or attacks, as the phrase after the preposition."""
    for prep in ctx.doc:
        words = prep.lower_
        if words not in TOPIC_VERBS or prep.dep_ != "prep" or ctx.in_quote(prep.idx):
            continue
        head = prep.head
        lemma = head.lemma_.lower()
        if head.pos_ == "VERB" and lemma in TOPIC_VERBS[words]:
            subj = ctx.speaker_subject(head)
        elif head.pos_ == "NOUN" and lemma in TOPIC_NOUNS.get(words, ()):
            subj = next((c for c in head.children if c.dep_ == "poss"), None)
            if subj is None and head.dep_ in ("dobj", "pobj", "nsubj") and head.head.pos_ == "VERB":
                subj = _subject(head.head, ctx)
            if subj is not None and (subj.lower_ in NOT_SPEAKERS or ctx.in_quote(subj.idx)):
                subj = None
        else:
            continue
        obj = next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)
        if obj is None or subj is None or (found := _clause_span(ctx, list(obj.subtree))) is None:
            continue
        a, b = found
        if (covered := ctx.reported(a, b)) is None:
            continue
        yield _indirect(ctx, article_id, a, b, _speaker_from_subject(ctx, subj, lemma), 0.6, 0.4), covered


def _as_clauses(ctx: Context, article_id: str):
    """"As Ryan has pointed out, that's the “textbook definition” of racism." and "CLAUSE, as Sanders'
    campaign manager suggested.": the rest of the sentence is reported, the "as" clause names its source."""
    for tok in ctx.doc:
        if tok.lower_ != "as" or tok.dep_ != "mark" or ctx.in_quote(tok.idx):
            continue
        verb = tok.head
        if verb.lemma_.lower() not in INDIRECT_CUES or verb.pos_ != "VERB" or verb.i < tok.i:
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
        if (covered := ctx.reported(a, b)) is None:
            continue
        yield _indirect(ctx, article_id, a, b, _speaker_from_subject(ctx, subj, verb.lemma_.lower()), 0.85, 0.6), covered


# a line that opens with a name and a colon: a transcript ("Feld: Well, nobody saw that coming ...") or a
# headline ("Dorn: Trust the harbour board on safety, not its critics")
COLON_LINE = re.compile(r"(?m)^[ \t]*(?P<name>[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3})[ \t]*:[ \t]+(?P<content>\S[^\n]*)$")


def _colon_lines(ctx: Context, article_id: str):
    """A line that opens with a person's name and a colon reports what follows, to the end of the line."""
    text = ctx.text
    for m in COLON_LINE.finditer(text):
        a, b = m.start("content"), m.end("content")
        if text[a] in MARKS or ctx.in_quote(a) or len(WORD.findall(text[a:b])) < 3:
            continue  # a quotation after the colon is a direct quote, attributed as one
        while b > a and text[b - 1] in " .,;:":
            b -= 1
        names = [x for x in ctx.mentions_in(m.start("name"), m.end("name") + 1) if x["label"] == "PERSON"]
        if not names:
            continue
        if (covered := ctx.reported(a, b)) is None:
            continue
        yield _indirect(ctx, article_id, a, b, _named(names[-1], None, 0.7), 1.0), covered


def _indirect(ctx: Context, article_id: str, a: int, b: int, speaker: Speaker, resolved: float,
              unresolved: float | None = None) -> dict:
    """An indirect row; the speaker's confidence scaled by how sure the form is (``unresolved`` when the
    speaker is not resolved to an entity, if that form says less then)."""
    factor = resolved if speaker.entity_id or unresolved is None else unresolved
    speaker.confidence = round(speaker.confidence * factor, 3)
    return _row(article_id, ctx.text, a, b, "indirect", speaker, sha(article_id, "i", a, n=16))


def _row(article_id: str, text: str, a: int, b: int, kind: str, sp: Speaker | None, uid: str) -> dict:
    return {
        "quote_id": sha(article_id, kind, a, b, n=16),
        "article_id": article_id,
        "text": text[a:b],
        "start_char": a, "end_char": b, "kind": kind,
        "speaker": sp.name if sp else None,
        "speaker_entity_id": sp.entity_id if sp else None,
        "speaker_surface": text[sp.surface_start:sp.surface_end] if sp else None,
        "speaker_start": sp.surface_start if sp else None,
        "speaker_end": sp.surface_end if sp else None,
        "cue": sp.cue if sp else None,
        "attribution": sp.attribution if sp else "none",
        "confidence": float(sp.confidence) if sp else 0.3,
        "utterance_id": uid,
    }
