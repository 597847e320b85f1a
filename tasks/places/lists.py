"""Places named in one list with a place: "between Homer and Cortlandville", "from Truxton, Tully and Marathon".

The items of a list name things of one kind, so a capitalised name coordinated with a place mention is a
place where the gazetteer has a place by that name.  Local news names its small towns this way, and the
model reads many of them as organisations or misses them.  A name the model missed needs any town of that
name (``ANY_TOWN``); a name it read as a person or an organisation needs a town of ``misread_floor`` people
(``Weights.list_misread_min_population``), since a person can be listed beside a place ("in Tarrow, Smith
and Jones said").  A comma alone links two items only inside a list that goes on to its conjunction ("A,
B and C"): "Tarrow, Smith said" is no list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from newsloom.lang import alternatives
from tasks.identity.keys import fold
from tasks.places.datelines import DATELINE_LABEL, found_place, sentence_of
from tasks.places.gazetteer import Gazetteer
from tasks.places.misread import misread_candidate
from tasks.places.neighbours import NEIGHBOURS_ONLY, Neighbourhood
from tasks.places.resolve import DIVISION_FEATURES

LIST_LABELS = ("GPE", "LOC")  # the place mentions whose list partners are places (a FAC's are streets and sites)
# a name the model missed in a place's context ("the town of X", "X and <place>") may be any town the gazetteer has
ANY_TOWN = 1
# not language: one to three capitalised words, the shape of a place's name ("Bulacan", "Dar es Salaam" is
# missed, "Port Ellis" found); the words around it come from the pack
NAME = r"[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){0,2}"
LOOK_CHARS = 60  # the text read on each side of a place for its list partners
MAX_PASSES = 4  # a list is followed one item further each pass ("A, B, C and D" from A)


@dataclass(frozen=True)
class ListLinks:
    """The language's list patterns around a place mention."""
    partner_after: re.Pattern  # "<place> and Homer", "<place>, Homer and ..."
    partner_before: re.Pattern  # "Homer and <place>", "Homer, <place>"
    list_goes_on: re.Pattern  # after an item, more of its list: ", ..." or " and ..."


def list_links(conjunctions: frozenset[str]) -> ListLinks:
    conj = alternatives(conjunctions)
    goes_on = rf"(?:\s*,|,?\s+(?:{conj})\s)"
    return ListLinks(
        partner_after=re.compile(rf"(?:,?\s+(?:{conj})\s+|,\s*(?=(?:{NAME}){goes_on}))({NAME})"),
        partner_before=re.compile(rf"(?<![\w'’-])({NAME})(,?\s+(?:{conj})\s+|,\s+)$"),
        list_goes_on=re.compile(goes_on))


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]


def partner_spans(text: str, m: dict, links: ListLinks):
    """For each list partner of mention ``m``, the (start, end) spans it may take, longest first: after it,
    its first words; before it, its last words ("Then Homer and ..." is "Homer")."""
    s, e = m["start_char"], m["end_char"]
    if (hit := links.partner_after.match(text, e, min(len(text), e + LOOK_CHARS))) is not None:
        words = _word_spans(text, *hit.span(1))
        yield [(words[0][0], words[k][1]) for k in range(len(words) - 1, -1, -1)]
    lo = max(0, s - LOOK_CHARS)
    hit = links.partner_before.search(text[lo:s])
    if hit is None:
        return
    if "," == hit.group(2).strip() and not links.list_goes_on.match(text, e):
        return  # "Smith, <place>" is a list only when it goes on: "Smith, <place> and ..."
    words = _word_spans(text, lo + hit.start(1), lo + hit.end(1))
    yield [(words[k][0], words[-1][1]) for k in range(len(words))]


def known_place_name(name: str, gazetteer: Gazetteer, floor: int, near: Neighbourhood | None = None) -> bool:
    """Whether ``name`` is the main name of a country, a division, or a town of ``floor`` people or of any size
    in the story's neighbourhood ``near``; with the floor ``NEIGHBOURS_ONLY``, of a town of the neighbourhood."""
    if floor == NEIGHBOURS_ONLY:
        return near is not None and any(fold(p.name) == fold(name) and near.holds(p) for p in gazetteer.candidates(name))
    return any(fold(p.name) == fold(name) and (p.feature != "city" or p.population >= floor
                                                or (near is not None and near.holds(p)))
               for p in gazetteer.candidates(name))


def places_in_lists(text: str, mentions: list[dict], gazetteer: Gazetteer, conjunctions: frozenset[str],
                    skip_words: frozenset[str], misread_floor: int, near: Neighbourhood | None = None) -> list[dict]:
    """GPE mentions of the names the model missed in a list with a place; the list partners it read as
    persons or organisations are relabelled GPE in ``mentions`` (a town of ``misread_floor`` people, or any
    town in the story's neighbourhood ``near``).  ``skip_words`` (folded) are never places
    (months, weekdays, words of direction).  Returns the added mentions."""
    if not conjunctions:
        return []
    links, added = list_links(conjunctions), []
    for _ in range(MAX_PASSES):
        everything = sorted(mentions + added, key=lambda x: x["start_char"])
        found, relabelled = _one_pass(text, everything, gazetteer, links, skip_words, misread_floor, near)
        added.extend(found)
        if not found and not relabelled:
            break
    return added


def _one_pass(text: str, mentions: list[dict], gazetteer: Gazetteer, links: ListLinks,
              skip_words: frozenset[str], misread_floor: int, near: Neighbourhood | None) -> tuple[list[dict], int]:
    """(the new place mentions, how many mentions were relabelled) of one pass over the list partners."""
    by_span = {(m["start_char"], m["end_char"]): m for m in mentions}
    taken = [(m["start_char"], m["end_char"]) for m in mentions]
    found, relabelled = [], 0
    for m in [m for m in mentions if m["label"] in LIST_LABELS]:
        for options in partner_spans(text, m, links):
            for a, b in options:
                name = text[a:b]
                if fold(name) in skip_words:
                    continue
                if (same := by_span.get((a, b))) is not None:
                    if misread_candidate(same) and known_place_name(name, gazetteer, misread_floor, near):
                        same["label"] = same["article_label"] = DATELINE_LABEL
                        relabelled += 1
                    break
                if not any(x < b and y > a for x, y in taken) and known_place_name(name, gazetteer, ANY_TOWN):
                    found.append(found_place(m.get("article_id"), a, b, name, name, m.get("sentence", 0)))
                    taken.append((a, b))
                    break
    return found, relabelled


def shared_noun_pattern(conjunctions: frozenset[str], plurals: dict) -> re.Pattern:
    """A list of names and the plural of the division's kind they share ("Broome and Tioga counties")."""
    names = rf"(?<![\w'’-])(?:{NAME})(?:\s*,\s*(?:{NAME}))*,?\s+(?:{alternatives(conjunctions)})\s+(?:{NAME})"
    return re.compile(rf"({names})\s+(?i:({alternatives(frozenset(plurals))}))(?!\w)")


def _division_named(words: list[tuple[int, int]], text: str, kind: str, gazetteer: Gazetteer) -> tuple[int, int, str] | None:
    """(start, end, the name to look up) of the longest last words of a list item that name a division of
    that kind ("Broome" + "county": "Broome County") or by themselves ("Anhui" of "Anhui and Henan provinces")."""
    for k in range(len(words)):
        a, b = words[k][0], words[-1][1]
        for name in (f"{text[a:b]} {kind.title()}", text[a:b]):
            if any(p.feature in DIVISION_FEATURES and fold(p.name) == fold(name) for p in gazetteer.candidates(name)):
                return a, b, name
    return None


def divisions_sharing_a_noun(text: str, mentions: list[dict], gazetteer: Gazetteer, conjunctions: frozenset[str],
                             plurals: dict | None, skip_words: frozenset[str] = frozenset()) -> list[dict]:
    """The mentions with a GPE mention for each name of a list that shares one division's kind in the plural
    ("Broome and Tioga counties": Broome County and Tioga County; "Anhui and Henan provinces"), where the
    gazetteer has that division.  The model's mentions inside the list ("Broome and Tioga" as one
    organisation) give way; a mention that reaches beyond it leaves the list alone.  ``skip_words`` (folded:
    words of direction, months) name no division here ("the Northern and Eastern states")."""
    if not conjunctions or not plurals:
        return mentions
    for match in shared_noun_pattern(conjunctions, plurals).finditer(text):
        start, end = match.span(1)
        kind = plurals[match.group(2).lower()]
        items = [_word_spans(text, start + n.start(), start + n.end()) for n in re.finditer(NAME, match.group(1))]
        found = [hit for words in items if (hit := _division_named(words, text, kind, gazetteer)) is not None
                 and fold(text[hit[0]:hit[1]]) not in skip_words]
        over = [m for m in mentions if m["start_char"] < end and m["end_char"] > start]
        if not found or any(m["start_char"] < start or m["end_char"] > end for m in over):
            continue
        if {(a, b) for a, b, _ in found} <= {(m["start_char"], m["end_char"]) for m in over if m["label"] in LIST_LABELS}:
            continue  # read already
        sentence = over[0].get("sentence", 0) if over else sentence_of(mentions, start)
        article = mentions[0].get("article_id") if mentions else None
        mentions = [m for m in mentions if all(m is not x for x in over)]
        mentions += [found_place(article, a, b, text[a:b], name, sentence) for a, b, name in found]
    return sorted(mentions, key=lambda m: m["start_char"])
