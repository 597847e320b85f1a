"""Direct quotes: the spans inside quotation marks that someone is reported as saying.

Short scare quotes around a name or term, titles of works and programmes, slogans on signs, items of a
list of titles and headlines quoted with their byline are not quotes.  An interrupted quote (“A,” she
said, “B”) is one utterance; a quote with no frame of its own that follows an attributed one closely
continues it.
"""
from __future__ import annotations

import re

from tasks.quotes.attribution import attribute
from tasks.quotes.marks import WORD, Segment
from tasks.quotes.speakers import Context, Found, Speaker

METHOD = "quotation_marks"


def _matches(ctx: Context, name: str, text: str, pos: int | None = None, search: bool = False) -> bool:
    """Whether the language's pattern ``name`` matches ``text`` (at ``pos``, or anywhere with ``search``);
    False where the language has no such pattern."""
    pattern = ctx.pack.pattern(name)
    if pattern is None:
        return False
    if search:
        return pattern.search(text) is not None
    return pattern.match(text, pos or 0) is not None


def _title_case(words: list[str], small_words: frozenset) -> bool:
    """Up to eight words, every one but the small ones capitalised: “Meet the Press”, “Bridge of Spies”."""
    big = [w for w in words if w.lower() not in small_words]
    return 0 < len(words) <= 8 and bool(big) and all(w[0].isupper() or w[0].isdigit() for w in big)


def _is_scare_quote(ctx: Context, a: int, b: int, attributed: bool, spoken: bool = False) -> bool:
    content = ctx.text[a:b]
    words = WORD.findall(content)
    before = ctx.text[max(0, a - 52):a].rstrip("".join(ctx.marks) + "' \t")  # '' (two apostrophes) is one mark
    # a title: a film “...”, said on DTV's “Harbour Hour”, their “Save the Ferry Now” signs
    if _matches(ctx, "work_title_cue", before[-26:], search=True) or _matches(ctx, "broadcast_title", before, search=True):
        return True
    if _matches(ctx, "sign_after", ctx.text, b) and len(words) <= 8:
        return True
    if _title_case(words, ctx.lex.title_small_words) and (
            _matches(ctx, "title_after", ctx.text, b) or _matches(ctx, "on_title", before[-6:], search=True)):
        return True
    # one item of a list of titles: “The Harbour at Dawn,” “Tide Tables,” and “Salt”
    if content.rstrip().endswith(",") and _matches(ctx, "list_next", ctx.text, b + 1) \
            or _matches(ctx, "list_prev", ctx.text[max(0, a - 12):a - 1], search=True):
        return True
    # a headline quoted with its byline
    if _matches(ctx, "byline_after", ctx.text, b + 1) or _matches(ctx, "byline_before", before, search=True):
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
        if "\n" not in gap and len(gap) < 160 and re.match(r"^[,;:]?\s*[^.!?]*[,:]\s*$", gap) and _cue_in(gap, ctx.lex.gap_cue_words):
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
        spoken = attributed and (speaker.adjacent and text[:first.end].rstrip()[-1:] in (",", "!", "?")
                                 or _introduced_by_speech(ctx, first.start, first.end))
        if len(parts) == 1 and _is_scare_quote(ctx, first.start, first.end, attributed and total_words > 1, spoken):
            continue
        if total_words <= 2 and not attributed:
            continue
        for seg, _ in parts:
            rows.append(Found(seg.start, seg.end, "direct", speaker, first.start, METHOD))
        if speaker is not None:
            previous, prev_end = speaker, parts[-1][0].end
    return rows




# what ends a whole utterance inside its marks: “No.”, “Never!”
UTTERANCE_END = re.compile(r"[.!?…]\s*$")  # not language: punctuation
FRAME_BEFORE_CHARS = 8  # enough for the comma or colon, spaces and the opening marks before a quotation


def _introduced_by_speech(ctx: Context, a: int, b: int) -> bool:
    """A whole utterance that a verb of saying introduces with a comma or a colon right before its opening
    mark: 'she shook her head and said, “No.”'.  However short, it was said, not named."""
    lo = max(0, a - FRAME_BEFORE_CHARS)
    lead = ctx.text[lo:a].rstrip("".join(ctx.marks) + "' \t")
    if not lead.endswith((",", ":")) or not UTTERANCE_END.search(ctx.text[a:b]):
        return False
    punct = ctx.token_at(lo + len(lead) - 1)
    return punct.i > 0 and ctx.doc[punct.i - 1].lemma_.lower() in ctx.lex.cues


def _in_heading(text: str, pos: int) -> bool:
    """The position lies in a short paragraph without closing punctuation: a headline or subheading."""
    a = text.rfind("\n\n", 0, pos)
    b = text.find("\n\n", pos)
    para = text[0 if a == -1 else a + 2: len(text) if b == -1 else b].strip()
    return len(WORD.findall(para)) < 15 and not re.search(r"[.!?:,;][\"”’»]?$", para)


def _cue_in(gap: str, gap_cue_words: frozenset) -> bool:
    return any(w.lower() in gap_cue_words for w in WORD.findall(gap))


def _continues(text: str, prev_end: int, start: int) -> bool:
    """The quote at ``start`` follows the previous attributed quote closely: same or next paragraph."""
    if prev_end < 0 or start < prev_end:
        return False
    between = text[prev_end:start]
    return between.count("\n\n") <= 1 and len(between) < 400

