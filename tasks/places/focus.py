"""The place an article is about, from its resolved place mentions.

Each resolved mention weighs ``MENTION_WEIGHT``; one in the first paragraph weighs ``FIRST_PARAGRAPH_WEIGHT``
more, one after a place preposition ("in Syria": where something happens, not a country that acts)
``WHERE_WEIGHT`` more, and the dateline ("TARROW (AP) —", the place the story was filed from)
``DATELINE_WEIGHT`` more; a place the headline names gets ``HEADLINE_WEIGHT`` once.  A
place's weight also counts for the places that contain it (a city's for its division and its country), so
"Damascus" three times and "Syria" once make Syria the focus country.

- ``focus_country``: the country with the most weight (ties: the one named first);
- ``focus_geonameid``: among the places of that country (all places where none has a country), the one with
  the most weight of its own, the more specific on a tie (a city over its country), then the one named first.
"""
from __future__ import annotations

import re
from collections import Counter

from tasks.places.gazetteer import FEATURES, Gazetteer, Place

MENTION_WEIGHT = 1.0
FIRST_PARAGRAPH_WEIGHT = 1.0  # the lede says where the news is
DATELINE_WEIGHT = 3.0  # the strongest signal: the outlet's own statement of where the story happened
HEADLINE_WEIGHT = 2.0  # a place the headline names: what the story is about, once per place
# "in Syria", "à Lyon": where something happens, not a country acting ("Russia said", "the U.S. asked")
WHERE_WEIGHT = 1.0
PARAGRAPH_BREAK = "\n\n"  # articles.text separates paragraphs with a blank line (the contract)


def mention_weight(m: dict, text: str, first_paragraph_end: int, dateline: tuple[int, int],
                   where_words: frozenset[str]) -> float:
    weight = MENTION_WEIGHT
    if m["start_char"] < first_paragraph_end:
        weight += FIRST_PARAGRAPH_WEIGHT
    if dateline[0] <= m["start_char"] < dateline[1]:
        weight += DATELINE_WEIGHT
    before = text[max(0, m["start_char"] - WORD_BEFORE_CHARS):m["start_char"]].split()
    if before and before[-1].lower().rstrip("'’") in where_words:
        weight += WHERE_WEIGHT
    return weight


WORD_BEFORE_CHARS = 12  # enough for the longest place preposition and its space


def containers_of(place: Place, gazetteer: Gazetteer) -> list[Place]:
    """The division and the country a place lies in, as the gazetteer knows them."""
    out = []
    if place.feature in ("city", "admin2"):
        division = gazetteer.division(place.country_code, place.admin1)
        if division is not None:
            out.append(division)
    if place.feature != "country":
        country = gazetteer.country(place.country_code)
        if country is not None:
            out.append(country)
    return out


def in_headline(surface: str, title: str | None) -> bool:
    return bool(title) and re.search(rf"(?<!\w){re.escape(surface)}(?!\w)", title) is not None


def article_focus(text: str, resolved: list[tuple[dict, Place]], gazetteer: Gazetteer,
                  dateline: tuple[int, int] = (0, 0),
                  title: str | None = None, where_words: frozenset[str] = frozenset()) -> tuple[Place | None, str | None]:
    """(focus place, focus country code) of one article from its (mention, place) pairs in text order, the
    text's dateline at ``dateline`` ((start, end); (0, 0): none), its headline ``title``, and ``where_words`` the
    language's place prepositions ("in", "à")."""
    if not resolved:
        return None, None
    cut = text.find(PARAGRAPH_BREAK)
    first_paragraph_end = cut if cut >= 0 else len(text)
    own, total, first = Counter(), Counter(), {}
    places = {}
    headlined = set()
    for order, (m, place) in enumerate(resolved):
        weight = mention_weight(m, text, first_paragraph_end, dateline, where_words)
        if place.geonameid not in headlined and in_headline(m["surface"], title):
            headlined.add(place.geonameid)
            weight += HEADLINE_WEIGHT
        own[place.geonameid] += weight
        for p in (place, *containers_of(place, gazetteer)):
            total[p.geonameid] += weight
            places[p.geonameid] = p
            first.setdefault(p.geonameid, order)
    countries = Counter()
    for gid, weight in total.items():
        if places[gid].feature == "country":
            countries[places[gid].country_code] += weight
    country = min(countries, key=lambda c: (-countries[c], first[gazetteer.country(c).geonameid])) if countries else None
    pool = [gid for gid in own if country is None or places[gid].country_code == country] or list(own)
    specific = {f: i for i, f in enumerate(FEATURES)}
    focus = min(pool, key=lambda g: (-own[g], -specific[places[g].feature], first[g]))
    return places[focus], country or places[focus].country_code
