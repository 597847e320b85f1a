"""places: every place mention resolved to a GeoNames place, and the place each article is about.

A pure function over one part's tables, which the entity-extract stage runs on its own part after the parse
(the gazetteer is loaded once per worker, like the spaCy model):

- ``mentions``: each place mention (GPE, LOC, FAC) the gazetteer resolves (tasks.places.resolve) gets
  ``geonameid``, ``lat``, ``lon``, ``country_code``, ``place_feature`` and ``place_score``; its ``entity_id``
  (and ``article_entity_id``) becomes the place's (a hash of its GeoNames id) and its name the GeoNames
  name, so "Kyiv" and "Kiev" are one entity and Paris, France and Paris, Texas are two.
  Places the model missed or misread become mentions where the gazetteer knows them: a dateline ("TARROW
  (AP) —"), a person or organisation named like a country or a large city, or followed by a division that
  holds a town of its name ("Decatur, Ala."), a known name after a place
  preposition ("in Tarragona"), a division abbreviated after a place ("Alexandria, La."), a known name in
  one list with a place ("Homer and Cortland": tasks.places.lists).
- ``articles``: ``focus_geonameid`` and ``focus_country`` (tasks.places.focus).
"""
from __future__ import annotations

import re

import pyarrow as pa

from newsloom import schemas
from newsloom.domains import country_domain
from newsloom.lang import alternatives, pack_for
from newsloom.util import sha
from tasks.identity.keys import ID_CHARS, fold
from tasks.places.datelines import DATELINE_LABEL, dateline_mention, dateline_span, found_place, sentence_of
from tasks.places.focus import article_focus
from tasks.places.gazetteer import Gazetteer, Place
from tasks.places.hints import organisation_places
from tasks.places.lists import ANY_TOWN, NAME, divisions_sharing_a_noun, known_place_name, places_in_lists
from tasks.places.misread import (
    ATTRIBUTIVE,
    IN_TABLE,
    confirmed_place,
    mark_attributive,
    mark_table_organisations,
    may_be_misread,
    misread_candidate,
)
from tasks.places.neighbours import NEIGHBOURS_ONLY, Neighbourhood, neighbourhood_of
from tasks.places.resolve import (
    AT_DATELINE,
    CONTAINER_FEATURES,
    CONTAINMENT_GAP,
    KNOWN_PLACE,
    PLACE_LABELS,
    WEIGHTS,
    Reading,
    Weights,
    contains,
    resolve_article,
)

PLACE_ID_KIND = "PLACE"  # the first part hashed into a place's entity id, beside its GeoNames id
# a country-code domain that is not the country's ISO code
TLD_COUNTRY = {"uk": "GB"}  # not language: the one ccTLD that differs from its ISO 3166 code
PERSON_LABEL = "PERSON"
PREPOSITION_CHARS = 24  # the text read before a name for a place preposition or noun ("municipality of ")
# not language: ", La." / ", TX" right after a place; the word is looked up in the pack or as a postal code
ABBREVIATION_AFTER = re.compile(r",\s*([A-Z][A-Za-z.]{1,5})(?![\w])")
POSTAL_CODE = re.compile(r"[A-Z]{2}")  # not language: US postal codes are the US divisions' GeoNames codes
POSTAL_COUNTRY = "US"


def place_entity_id(place: Place) -> str:
    return sha(PLACE_ID_KIND, place.geonameid, n=ID_CHARS)


def outlet_country(url: str | None, gazetteer: Gazetteer) -> str | None:
    """The country of an outlet's country-code domain ("example.co.uk" -> GB); None for .com and the like, and
    for the country codes sold as generic names (.io, .tv: newsloom.domains)."""
    tld = country_domain(url)
    code = TLD_COUNTRY.get(tld, tld.upper()) if tld else None
    return code if code and gazetteer.country(code) is not None else None


def relabel_misread_places(mentions: list[dict], gazetteer: Gazetteer, w: Weights) -> None:
    """Mentions the model misread (a person, an organisation, a product, a people: tasks.places.misread) whose
    name is a known country, division, continent or large city become place mentions (``confirmed_place``)."""
    for m in mentions:
        label = confirmed_place(m, gazetteer, w)
        if label is not None:
            m["label"] = m["article_label"] = label


def division_after(text: str, end: int, gazetteer: Gazetteer, abbreviations: dict) -> tuple[int, int, Place] | None:
    """(start, end, division) of a division written as an abbreviation right after a place: the language's
    newsroom abbreviation ("Alexandria, La.") or a US postal code ("Austin, TX")."""
    match = ABBREVIATION_AFTER.match(text, end)
    if match is None:
        return None
    word = match.group(1)
    key = abbreviations.get(word) or (f"{POSTAL_COUNTRY}.{word}" if POSTAL_CODE.fullmatch(word) else None)
    country, _, code = (key or "").partition(".")
    division = gazetteer.division(country, code) if key else None
    return (match.start(1), match.end(1), division) if division is not None else None


def division_written_after(text: str, i: int, mentions: list[dict], gazetteer: Gazetteer,
                           abbreviations: dict) -> list[Place]:
    """The divisions and countries written right after mention i, after a comma: an abbreviation ("Decatur,
    Ala.", "Austin, TX") or the next mention's name ("Decatur, Alabama", "Tripoli, Lebanon")."""
    m = mentions[i]
    found = division_after(text, m["end_char"], gazetteer, abbreviations)
    if found is not None:
        return [found[2]]
    after = mentions[i + 1] if i + 1 < len(mentions) else None
    if after is None or not CONTAINMENT_GAP.fullmatch(text[m["end_char"]:after["start_char"]]):
        return []
    return [p for p in gazetteer.candidates(after["surface"]) if p.feature in CONTAINER_FEATURES]


def relabel_towns_before_divisions(text: str, mentions: list[dict], gazetteer: Gazetteer, abbreviations: dict) -> None:
    """Mentions the model may have misread (``may_be_misread``: a person, an organisation, ..., with no title
    before them) that a division or country follows after a comma, where the gazetteer has a place of that name inside it ("Decatur, Ala.":
    a town of any size; the model reads many small towns as persons) become place mentions."""
    for i, m in enumerate(mentions):
        if not may_be_misread(m):
            continue
        containers_after = division_written_after(text, i, mentions, gazetteer, abbreviations)
        inside = gazetteer.candidates(m["surface"])
        if any(contains(c, p) for c in containers_after for p in inside):
            m["label"] = m["article_label"] = DATELINE_LABEL


def with_abbreviated_divisions(text: str, mentions: list[dict], gazetteer: Gazetteer, abbreviations: dict) -> list[dict]:
    """The mentions with a GPE mention, its place known, for each division abbreviation written right after a
    place mention.  A mention of the model's that lies inside the abbreviation ("Ga" of "Rome, Ga.", "N.Y."
    read as New York City) is that mention, read as the division: it is never a second row beside it."""
    out = list(mentions)
    for m in mentions:
        if m["label"] not in PLACE_LABELS:
            continue
        found = division_after(text, m["end_char"], gazetteer, abbreviations)
        if found is None:
            continue
        start, end, division = found
        overlapping = [x for x in out if x["start_char"] < end and x["end_char"] > start]
        if any(x["start_char"] < start or x["end_char"] > end or x.get(KNOWN_PLACE) for x in overlapping):
            continue  # a longer mention holds the abbreviation, or it is read already
        out = [x for x in out if all(x is not y for y in overlapping)]
        out.append({**found_place(m.get("article_id"), start, end, text[start:end], division.name,
                                  m.get("sentence", 0)), KNOWN_PLACE: division})
    return out


def calendar_words(pack) -> frozenset[str]:
    """The language's month and weekday names, folded: "in March" is a date, not the town of March."""
    months = {name for forms in pack.lexicon.months for name in forms}
    return frozenset(months | set(pack.lexicon.weekdays))


def compass_words(pack) -> frozenset[str]:
    """The language's words of direction, folded: a place named by one alone needs the article's support."""
    return frozenset(fold(x) for x in pack.lexicon.compass_words)


def where_pattern(where_words: frozenset[str]) -> re.Pattern | None:
    """A place preposition of the language and the capitalised name after it ("in Tarrow", "near Port Ellis")."""
    if not where_words:
        return None
    return re.compile(rf"(?<!\w)(?:{alternatives(where_words)})\s+({NAME})")


def compound_pattern(suffixes: frozenset[str]) -> re.Pattern | None:
    """A capitalised name joined by a hyphen to one of the language's place suffixes ("Tarrow-based",
    "Kyiv-born")."""
    if not suffixes:
        return None
    return re.compile(rf"(?<![\w-])({NAME})-(?:{alternatives(suffixes)})(?![\w-])")


def division_name_patterns(pack) -> tuple[re.Pattern, ...]:
    """The name inside a division's kind, as the first group: after it ("Henan province"), and after it and
    its link ("Province of Limburg", "région de Bretagne"); none where the pack has no division nouns."""
    lex = pack.lexicon
    if not lex.division_nouns:
        return ()
    nouns = alternatives(lex.division_nouns)
    out = [re.compile(rf"(.+?)\s+(?i:{nouns})")]
    if lex.place_feature_links:
        out.append(re.compile(rf"(?i:{nouns})\s+(?i:{alternatives(lex.place_feature_links)})\s*(.+)"))
    return tuple(out)


def feature_words(pack) -> tuple[str, str] | None:
    """(regex alternation of the language's place nouns and place relation nouns, of the words that link them
    to a name) for "the town of Tarrow", "la commune de Tarrow", "south of Tarrow"; None where the pack has
    none."""
    lex = pack.lexicon
    nouns = frozenset(lex.place_feature_nouns) | frozenset(lex.place_relation_nouns)
    if not nouns or not lex.place_feature_links:
        return None
    return alternatives(nouns), alternatives(lex.place_feature_links)


def feature_pattern(pack) -> re.Pattern | None:
    """A place noun, its link and the capitalised name after it ("the village of Tarrow")."""
    words = feature_words(pack)
    return re.compile(rf"(?<!\w)(?i:{words[0]})\s+(?i:{words[1]})\s*({NAME})") if words else None


def _context_names(text: str, pack, w: Weights):
    """(the (start, end) of each capitalised name in a place's context, the population a town of that name
    needs): after a place preposition, its whole name; after a place noun ("the town of"), its whole name,
    any town the gazetteer has; before a place suffix, its last words that make a known name are tried from
    the longest."""
    for pattern, whole, floor in (
            (where_pattern(frozenset(pack.lexicon.always_place_prepositions)), True, w.context_min_population),
            (where_pattern(weak_place_prepositions(pack)), True, NEIGHBOURS_ONLY),
            (feature_pattern(pack), True, ANY_TOWN),
            (compound_pattern(frozenset(pack.lexicon.place_compound_suffixes)), False, w.context_min_population)):
        for match in pattern.finditer(text) if pattern is not None else ():
            start, end = match.span(1)
            if whole:
                yield [(start, end)], floor
            else:  # "The Port Ellis-based firm": "Port Ellis", not "The Port Ellis"
                yield [(start + word.start(), end) for word in re.finditer(r"\S+", text[start:end])], floor


def _before_patterns(pack, w: Weights) -> list[tuple[re.Pattern, int]]:
    """(what ends the text right before a place's name, the population a town of that name needs): a place
    preposition ("in"), a place noun and its link ("the town of")."""
    out = []
    if pack.lexicon.always_place_prepositions:
        out.append((re.compile(rf"(?<!\w)(?:{alternatives(pack.lexicon.always_place_prepositions)})\s+$"),
                    w.context_min_population))
    if (weak := weak_place_prepositions(pack)):
        out.append((re.compile(rf"(?<!\w)(?:{alternatives(weak)})\s+$"), NEIGHBOURS_ONLY))
    if (words := feature_words(pack)) is not None:
        out.append((re.compile(rf"(?<!\w)(?i:{words[0]})\s+(?i:{words[1]})\s*$"), ANY_TOWN))
    return out


def weak_place_prepositions(pack) -> frozenset[str]:
    """The prepositions that stand before places and before other things as often ("to Groton", "to Smith"):
    a name after one is a place only as a town of the story's neighbourhood (tasks.places.neighbours)."""
    return frozenset(pack.lexicon.place_prepositions) - frozenset(pack.lexicon.always_place_prepositions)


def relabel_placed_names(text: str, mentions: list[dict], gazetteer: Gazetteer, pack, w: Weights,
                         near: Neighbourhood | None = None) -> None:
    """Mentions the model misread (``misread_candidate``: a person, an organisation, ...), right after a place
    preposition ("officials in Dogubayazit") whose whole name is a country's, a division's or a town's of at
    least ``w.context_min_population`` people, or right after a place noun ("the town of Pandi") whose name is any
    place's the gazetteer has, become place mentions, as a name the model missed there does
    (``places_in_context``); in the story's neighbourhood ``near``, a town of any size."""
    if not w.context_min_population:
        return
    befores = _before_patterns(pack, w)
    calendar = calendar_words(pack) | compass_words(pack)
    for m in mentions:
        if not misread_candidate(m) or fold(m["surface"]) in calendar:
            continue
        before = text[max(0, m["start_char"] - PREPOSITION_CHARS):m["start_char"]]
        floors = [floor for pattern, floor in befores if pattern.search(before)]
        if floors and known_place_name(m["surface"], gazetteer, min(floors), near):
            m["label"] = m["article_label"] = DATELINE_LABEL


def places_in_context(text: str, mentions: list[dict], gazetteer: Gazetteer, pack, w: Weights,
                      near: Neighbourhood | None = None) -> list[dict]:
    """GPE mentions of the names the model missed in a place's context, after a place preposition ("in
    Bulacan") or before a place suffix ("Tarrow-based"), whose name is a country's, a division's, or a town's
    of at least ``w.context_min_population`` people (any town in the story's neighbourhood ``near``), by its
    main name; month and weekday names are never places."""
    if not w.context_min_population:
        return []
    covered = [(m["start_char"], m["end_char"]) for m in mentions]
    # month and weekday names, and words of direction alone ("in Western unity"), are never places here
    calendar, added = calendar_words(pack) | compass_words(pack), []
    for spans, floor in _context_names(text, pack, w):
        known = [k for k, (a, b) in enumerate(spans) if fold(text[a:b]) not in calendar
                 and known_place_name(text[a:b], gazetteer, floor, near)]
        if not known:
            continue
        k = known[0]
        while k + 1 < len(spans) and fold(text[slice(*spans[k + 1])]) == fold(text[slice(*spans[k])]):
            k += 1  # "The Tarragona" is Tarragona: the name without the article the fold drops
        start, end = spans[k]
        if any(s < end and e > start for s, e in covered):
            continue
        name = text[start:end]
        added.append(found_place(mentions[0]["article_id"] if mentions else None, start, end, name, name,
                                 sentence_of(mentions, start)))
        covered.append((start, end))
    return added


def apply_reading(m: dict, reading: Reading) -> None:
    p = reading.place
    eid = place_entity_id(p)
    m.update(entity_id=eid, article_entity_id=eid, name=p.name, article_name=p.name, geonameid=p.geonameid,
             lat=p.lat, lon=p.lon, country_code=p.country_code, place_feature=p.feature,
             place_score=reading.confidence)


def locate_article(text: str, url: str | None, language: str | None, mentions: list[dict], gazetteer: Gazetteer,
                   w: Weights = WEIGHTS, title: str | None = None) -> tuple[list[dict], Place | None, str | None]:
    """(the article's mentions with their places, its focus place, its focus country).  The places are
    found and resolved twice when the first reading resolves towns: the second time, a town of any size
    around them is a place in a place's context (tasks.places.neighbours)."""
    pack = pack_for(language) if language else None
    dateline = dateline_span(text, language)
    added = dateline_mention(text, dateline, mentions, gazetteer)
    if added is not None:
        added.update(article_id=mentions[0]["article_id"] if mentions else None)
        mentions = [added, *mentions]
    abbreviations = (pack.lexicon.division_abbreviations or {}) if pack else {}
    mark_attributive(text, mentions, frozenset(pack.lexicon.division_nouns) if pack else frozenset())
    mark_table_organisations(text, mentions)
    if w.relabel_misread:
        relabel_misread_places(mentions, gazetteer, w)
        mentions = sorted(mentions, key=lambda m: m["start_char"])
        relabel_towns_before_divisions(text, mentions, gazetteer, abbreviations)
    mentions = with_abbreviated_divisions(text, mentions, gazetteer, abbreviations)
    if pack:
        mentions = divisions_sharing_a_noun(text, mentions, gazetteer, frozenset(pack.lexicon.list_conjunctions),
                                            pack.lexicon.division_plurals, calendar_words(pack) | compass_words(pack))
    mentions = places_in_contexts(text, mentions, gazetteer, pack, w)
    hints = tuple(organisation_places(mentions, gazetteer)) if w.organisation_hints else ()
    readings = read_places(text, url, mentions, dateline, gazetteer, pack, w, hints)
    near = neighbourhood_of([r.place for r in readings.values()] + list(hints)) if pack and w.neighbour_towns else None
    if near is not None:
        before = [m["label"] for m in mentions]
        mentions = places_in_contexts(text, mentions, gazetteer, pack, w, near)
        if [m["label"] for m in mentions] != before:
            readings = read_places(text, url, mentions, dateline, gazetteer, pack, w, hints)
    for i, reading in readings.items():
        apply_reading(mentions[i], reading)
    for m in mentions:
        m.pop(KNOWN_PLACE, None)
        m.pop(AT_DATELINE, None)
        m.pop(ATTRIBUTIVE, None)
        m.pop(IN_TABLE, None)
    resolved = [(mentions[i], r.place) for i, r in sorted(readings.items())]
    where = frozenset(pack.lexicon.always_place_prepositions) if pack else frozenset()
    focus, country = article_focus(text, resolved, gazetteer, dateline, title, where)
    return mentions, focus, country


def places_in_contexts(text: str, mentions: list[dict], gazetteer: Gazetteer, pack, w: Weights,
                       near: Neighbourhood | None = None) -> list[dict]:
    """The mentions, in text order, with the places a place's context names (after a place preposition or noun,
    before a place suffix, in a list with a place) relabelled or added (none without a language pack)."""
    if pack:
        if near is not None and w.misread_neighbours:
            for m in mentions:
                if misread_candidate(m) and m["label"] != PERSON_LABEL \
                        and known_place_name(m["surface"], gazetteer, NEIGHBOURS_ONLY, near):
                    m["label"] = m["article_label"] = DATELINE_LABEL
        relabel_placed_names(text, mentions, gazetteer, pack, w, near)
        mentions = mentions + places_in_context(text, mentions, gazetteer, pack, w, near)
        if w.list_partners:
            mentions = mentions + places_in_lists(text, mentions, gazetteer, frozenset(pack.lexicon.list_conjunctions),
                                                  calendar_words(pack) | compass_words(pack),
                                                  w.list_misread_min_population, near)
    return sorted(mentions, key=lambda m: m["start_char"])


def read_places(text: str, url: str | None, mentions: list[dict], dateline: tuple[int, int], gazetteer: Gazetteer,
                pack, w: Weights, hints: tuple[Place, ...] = ()) -> dict:
    """mention index -> its reading (``resolve_article`` with the language's words and the dateline marked)."""
    for m in mentions:
        if dateline[0] <= m["start_char"] < dateline[1] and m["label"] in PLACE_LABELS:
            m[AT_DATELINE] = True
    conjunctions = frozenset(pack.lexicon.list_conjunctions) if pack else frozenset()
    compass = compass_words(pack) if pack else frozenset()
    return resolve_article(mentions, text, gazetteer, outlet_country(url, gazetteer), w, conjunctions, compass,
                           division_name_patterns(pack) if pack else (), hints)


def locate_places(articles: pa.Table, mentions: pa.Table, gazetteer: Gazetteer,
                  w: Weights = WEIGHTS) -> tuple[pa.Table, pa.Table]:
    """(articles with their focus, mentions with their places) of one part."""
    by_article: dict[str, list[dict]] = {}
    for m in mentions.to_pylist():
        by_article.setdefault(m["article_id"], []).append(m)
    rows, out = articles.to_pylist(), []
    for a in rows:
        if a.get("dup_of") is not None:
            continue
        ms = by_article.pop(a["article_id"], [])
        for m in ms:
            m.setdefault("article_id", a["article_id"])
        ms, focus, country = locate_article(a["text"], a.get("url"), a.get("language"), ms, gazetteer, w,
                                            a.get("title"))
        for m in ms:
            m["article_id"], m["run_id"] = a["article_id"], a["run_id"]
        out.extend(ms)
        a["focus_geonameid"] = focus.geonameid if focus else None
        a["focus_country"] = country
    for ms in by_article.values():  # mentions of articles not in this part: none in a pipeline run
        out.extend(ms)
    return schemas.from_rows(rows, schemas.ARTICLES), schemas.from_rows(out, schemas.MENTIONS)
