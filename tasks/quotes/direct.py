"""Direct quotes: the spans inside quotation marks that someone is reported as saying.

Short scare quotes around a name or term, titles of works and programmes, slogans on signs, items of a
list of titles and headlines quoted with their byline are not quotes.  An interrupted quote (“A,” she
said, “B”) is one utterance; a quote with no frame of its own that follows an attributed one closely
continues it.
"""
from __future__ import annotations

import re

from newsloom.lang.lexicon import LEXICON
from tasks.quotes.marks import MARKS, WORD, Segment
from tasks.quotes.speakers import Context, Found, Speaker, attribute

METHOD = "quotation_marks"

SMALL_WORDS = LEXICON.title_small_words
GAP_CUE_WORDS = LEXICON.gap_cue_words


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in words)


# the word that announces a title: a film “...”, a column headlined “...”, the author of “...”
WORK_TITLE_CUE = re.compile(rf"(?:{_alternatives(LEXICON.work_title_words)}),?\s*$", re.IGNORECASE)
# a headline followed by its byline: “Museum to close in December,” by the Ledger's Ana Ruiz
BYLINE_AFTER = re.compile(r"\s*,?\s*by\s+(?:the\s+)?[A-Z]")
# an excerpt after its byline, as newsletters quote other outlets: "...," by the Ledger's Ana Ruiz: “The harbour ...
BYLINE_BEFORE = re.compile(r"[”\"'’],?\s+by\s+(?:the\s+)?[A-Z][^:\n“”\"]{0,60}:$")

# a programme or publication named after its broadcaster: said on DTV's “Harbour Hour”, told in KRX' “Night Desk”
BROADCAST_TITLE = re.compile(r"\b(?:on|in)\s+(?:[A-Z][\w.&-]*\s+){0,3}[A-Z][\w.&-]*['’]s?\s*$")
# a title followed by what it names: “Harbour Lights” star Marta Oksel; signs and shirts: their
# “Save the Ferry Now” signs
TITLE_AFTER = re.compile(rf"[”\"'’]{{0,2}}\s*(?:{_alternatives(LEXICON.title_role_words)})\b")
SIGN_AFTER = re.compile(rf"[”\"'’]{{0,2}}\s*(?:{_alternatives(LEXICON.sign_words)})s?\b")
# a programme or publication after "on" or "for": he said on “Dunmere Tonight”, an interview for “Quayside”
ON_TITLE = re.compile(r"\b(?:on|for)\s*$")
LIST_NEXT = re.compile(r"\s*(?:and\s+|or\s+)?[“\"]")
LIST_PREV = re.compile(r",\s*[”\"]\s*,?\s*(?:and|or)\s+$")


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


def extract_direct(ctx: Context, segments: list[Segment]) -> list[Found]:
    """The direct quotes among the quoted segments, with their speakers; each found span carries the
    utterance it belongs to (its first segment's start)."""
    text = ctx.text
    rows: list[Found] = []
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
        for seg, _ in parts:
            rows.append(Found(seg.start, seg.end, "direct", speaker, first.start, METHOD))
        if speaker is not None:
            previous, prev_end = speaker, parts[-1][0].end
    return rows




def _in_heading(text: str, pos: int) -> bool:
    """The position lies in a short paragraph without closing punctuation: a headline or subheading."""
    a = text.rfind("\n\n", 0, pos)
    b = text.find("\n\n", pos)
    para = text[0 if a == -1 else a + 2: len(text) if b == -1 else b].strip()
    return len(WORD.findall(para)) < 15 and not re.search(r"[.!?:,;][\"”’»]?$", para)


def _cue_in(gap: str) -> bool:
    return any(w.lower() in GAP_CUE_WORDS for w in WORD.findall(gap))


def _continues(text: str, prev_end: int, start: int) -> bool:
    """The quote at ``start`` follows the previous attributed quote closely: same or next paragraph."""
    if prev_end < 0 or start < prev_end:
        return False
    between = text[prev_end:start]
    return between.count("\n\n") <= 1 and len(between) < 400

