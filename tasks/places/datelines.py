"""The dateline that opens a story ("TARROW (AP) —", "CORTLAND —"): where the story was filed, a place mention
and the strongest signal of the article's focus (tasks.places.focus)."""
from __future__ import annotations

import re

from newsloom.lang import pack_for
from tasks.identity.keys import entity_id_for
from tasks.places.gazetteer import Gazetteer

# not language: the dateline's place ends at its first punctuation ("PORT-LAURIER (AFP) —", "KYIV, March 3 —")
DATELINE_PLACE = re.compile(r"(.+?)\s*(?:,|\(|--|[—―–])")
DATELINE_LABEL = "GPE"  # a dateline names where the story was filed: a place
HEAD_LINES = 3  # the lines a text may open with before its dateline: a headline, a byline, a date
HEAD_LINE_MAX_WORDS = 30  # a longer line is the story itself (as a plain-text page's title: tasks.clean)


def dateline_span(text: str, language: str | None) -> tuple[int, int]:
    """(start, end) of the place dateline ("TARROW (AP) —", the language pack's ``place_dateline``) that opens
    the story: at the start of the text, or of the first line after its head lines (a headline, a byline, a
    date: at most ``HEAD_LINES`` lines of at most ``HEAD_LINE_MAX_WORDS`` words); (0, 0) without one."""
    pattern = pack_for(language).pattern("place_dateline") if language else None
    if pattern is None:
        return 0, 0
    start = 0
    for _ in range(HEAD_LINES + 1):
        while text.startswith("\n", start):
            start += 1
        if (match := pattern.match(text, start)) is not None:
            return start, match.end()
        cut = text.find("\n", start)
        if cut < 0 or len(text[start:cut].split()) > HEAD_LINE_MAX_WORDS:
            break
        start = cut + 1
    return 0, 0


def dateline_mention(text: str, span: tuple[int, int], mentions: list[dict], gazetteer: Gazetteer) -> dict | None:
    """The place of a dateline (``text[start:end]`` of ``span``) as a GPE mention, where the gazetteer knows it
    ("TARROW (AP) —": the model rarely reads a name in capitals, or reads it as a person).  A mention the model
    made of exactly that name becomes the place; any other mention over it leaves the dateline alone."""
    start, end = span
    if not end:
        return None
    head = DATELINE_PLACE.match(text[start:end])
    name = head.group(1).strip() if head else ""
    end = start + len(name)
    if not name or not gazetteer.candidates(name.title()):
        return None
    over = [m for m in mentions if m["start_char"] < end and m["end_char"] > start]
    if over and not (len(over) == 1 and (over[0]["start_char"], over[0]["end_char"]) == (start, end)):
        return None
    place = found_place(None, start, end, text[start:end], name.title(), sentence_of(mentions, start))
    del place["article_id"]  # the caller sets it; a mention the dateline replaces keeps its own
    if over:
        over[0].update(place)  # the model's reading of the dateline ("ROTTERDAM" as a person) gives way
        return None
    return place


def sentence_of(mentions: list[dict], start: int) -> int:
    """The sentence of the last mention before ``start`` (a mention added without a parse)."""
    before = [m.get("sentence", 0) for m in mentions if m["start_char"] < start]
    return before[-1] if before else 0


def found_place(article_id: str | None, start: int, end: int, surface: str, name: str, sentence: int) -> dict:
    """A GPE mention that a rule found without the model (a dateline, a name in a place's context or list, an
    abbreviated division), with the name it is looked up by."""
    eid = entity_id_for(name, DATELINE_LABEL)
    return {"article_id": article_id, "start_char": start, "end_char": end, "surface": surface, "name": name,
            "label": DATELINE_LABEL, "sentence": sentence, "label_score": 1.0, "entity_id": eid,
            "article_entity_id": eid, "article_name": name, "article_label": DATELINE_LABEL}
