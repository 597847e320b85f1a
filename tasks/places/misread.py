"""Places the model misread: a mention it labelled a person, an organisation, a product or a people that
may be a place (``misread_candidate``), and the names whose place is certain whatever the model said
(``confirmed_place``).  The rules that read a misread name by its context live in tasks.places and
tasks.places.lists."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsloom.prose import is_prose
from tasks.identity.keys import fold
from tasks.places.gazetteer import Gazetteer

if TYPE_CHECKING:
    from tasks.places.resolve import Weights

# the model's labels a place may be misread as: a person or an organisation ("Romania" as a person,
# "Mozambique" as an organisation), a product ("Ithaca"), and a people's name (NORP: "the Punjab province",
# "Central African Republic" in a list), unless it is written as a people's adjective (``ATTRIBUTIVE``)
MISREAD_LABELS = ("ORG", "PERSON", "PRODUCT", "NORP")
PEOPLE_LABEL = "NORP"
ATTRIBUTIVE = "attributive"  # a NORP mention a lowercase word follows that is no division's kind ("Somali refugees")
ATTRIBUTE_AFTER = re.compile(r"[ \t]+([^\W\d_A-Z][\w'’-]*)")  # not language: a lowercase word right after a name
IN_TABLE = "in_table"  # an organisation on a line that is no prose: a results table's club, not its town
ORGANISATION_LABEL = "ORG"
NATION_FEATURES = ("continent", "country")  # a name of one of these is a place whatever the model said
PEOPLED_FEATURES = ("admin1", "city")  # ... and of one of these, when it holds enough people


def may_be_misread(m: dict) -> bool:
    """A mention the model labelled a person, an organisation, a product or a people that may be a misread
    place: no title before it ("Ms Georgia"), not a people's adjective (``ATTRIBUTIVE``), not a club on a
    results line (``IN_TABLE``)."""
    return m["label"] in MISREAD_LABELS and not m.get("title") and not m.get(ATTRIBUTIVE) and not m.get(IN_TABLE)


def misread_candidate(m: dict) -> bool:
    """``may_be_misread``, and its name is its surface (no full name or alias stands behind it)."""
    return may_be_misread(m) and fold(m.get("name") or "") == fold(m["surface"])


def mark_attributive(text: str, mentions: list[dict], division_nouns: frozenset[str]) -> None:
    """Mark the people's names written as adjectives: a NORP mention followed by a lowercase word that is not
    a division's kind ("Somali refugees", but "the Punjab province")."""
    for m in mentions:
        if m["label"] != PEOPLE_LABEL:
            continue
        after = ATTRIBUTE_AFTER.match(text, m["end_char"])
        if after is not None and after.group(1).lower() not in division_nouns:
            m[ATTRIBUTIVE] = True


def mark_table_organisations(text: str, mentions: list[dict]) -> None:
    """Mark the organisations on lines that are not prose (results, standings, fixtures: newsloom.prose): a
    club named after its town ("Fulham 2 Brighton 1") is the club there, and no rule reads it as the town."""
    for m in mentions:
        if m["label"] == ORGANISATION_LABEL:
            start = text.rfind("\n", 0, m["start_char"]) + 1
            end = text.find("\n", m["end_char"])
            if not is_prose(text[start:end if end >= 0 else len(text)]):
                m[IN_TABLE] = True


def confirmed_place(m: dict, gazetteer: Gazetteer, w: "Weights") -> str | None:
    """The place label ("GPE", or "LOC" for a continent) of a misread mention (``misread_candidate``) whose
    whole name is a country's or a continent's, or a first-level division's or a city's of at least
    ``w.misread_min_population`` people (a person called Paul is not Cape Verde's municipality of
    2,600 people): no title before it ("Ms Georgia"), no organisation's word in it.  None otherwise."""
    if not misread_candidate(m):
        return None
    key = fold(m["surface"])
    for p in gazetteer.candidates(m["surface"]):
        if fold(p.name) != key:
            continue
        if p.feature in NATION_FEATURES or (p.feature in PEOPLED_FEATURES and p.population >= w.misread_min_population):
            return "LOC" if p.feature == "continent" else "GPE"
    return None
