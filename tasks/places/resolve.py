"""Which place each place mention of one article means: GeoNames candidates scored in the article's context.

A mention's candidates are the gazetteer's places written with its name (the alias table's canonical name,
and the surface as written).  Each candidate gets a score, the sum of:

- **prior**: its feature class (a country over a town of the same name) and log population;
- **main name**: the name is the place's own name, not one of its alternate names;
- **containment**: the place lies in a division or country written right after it ("Springfield,
  Illinois"; "Alexandria, Egypt"), or, for that division or country, holds a place of the name before it
  ("Atlanta, Georgia" makes Georgia the state);
- **article's countries**: the share of the article's other place mentions that lie in its country, by their
  own best prior reading;
- **article's divisions**: another place mention of the article is its division, or lies in it (a division
  gets it when the article names places inside it: "Seattle" makes "Washington" the state);
- **sibling divisions**: a first-level division, in an article that names other divisions of its country
  ("Texas, Ohio and Georgia");
- **divisions named for certain**: a town or county inside the division the other names name most surely
  (an abbreviation after a town, a division written as a town's container, a division's own name, an
  organisation named after a division of one state: tasks.places.hints);
- **dateline**: a dateline names a town, and the other names' towns near it are the story's;
- **outlet's country**: the outlet's country (the URL's country-code domain) is its country;
- **capitals**: a country's capital, more so in an article that names another country's capital.

Every mention of one name in an article means one place (one sense per discourse), so the score is summed
over the name's mentions and decided once.  The weights are chosen on GeoVirus TUNE (docs/places.md).
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from tasks.identity.keys import fold
from tasks.places.gazetteer import Gazetteer, Place, distance_km
from tasks.places.neighbours import best_of, list_kin, near_the_dateline

PLACE_LABELS = ("GPE", "LOC", "FAC")  # the model's labels that name places
CONTAINER_FEATURES = ("country", "admin1")
# a second-level division written after a town ("Guildford, Surrey") holds it when the town lies this near its
# point, the centre of the box around its towns: counties and départements are rarely 120 km across
COUNTY_REACH_KM = 60
# a division named by a word of direction alone ("Western", "Centre") is a part of whatever country the text is
# about: it is read only where the article supports its country (Ghana's or Sri Lanka's "Western" province is
# never the reading of a lone "Western")
DIVISION_FEATURES = ("admin1", "admin2")
# a city is its division's namesake when it holds at least this share of the division's people (Geneva holds a
# third of its canton, Moscow half of its region; Washington, D.C. a tenth of the state of Washington's)
EPONYMOUS_SHARE = 0.25
# other divisions of one country an article must name before a division of it gains ``sibling_division``: one
# other state is as often a politician's home state beside "Washington" the capital as a list of states
SIBLING_DIVISIONS = 2
CONTAINMENT_GAP = re.compile(r"\s*,\s*$")  # "Springfield, Illinois": a comma, and nothing else, between the two


@dataclass(frozen=True)
class Weights:
    """The score's weights (chosen on GeoVirus TUNE: bench/geo.py --tune)."""

    continent: float = 3.0
    country: float = 4.5
    admin1: float = 1.5
    admin2: float = 4.0
    city: float = 0.0
    population: float = 0.75  # per tenfold population
    main_name: float = 1.0
    capital: float = 1.0  # a country's capital: news names capitals for their governments ("Moscow said")
    # a city that shares its name with a division of its country and holds much of its people (Moscow,
    # Hamburg, Geneva, New York, Kyiv beside the Kiev oblast): news means the city
    eponymous_city: float = 2.0
    # a capital in an article that names another country's capital: diplomacy names governments by their
    # capitals ("Moscow and Washington"), so "Washington" there is the city, not the state
    capital_company: float = 2.0
    containment: float = 4.0
    # a first-level division in an article that names at least SIBLING_DIVISIONS other divisions of its country:
    # a list of states ("Texas, Ohio and Georgia") names states, not the country Georgia
    sibling_division: float = 2.0  # GeoVirus TUNE: acc@161 0.778 without, 0.780 at 1.5, 0.781 from 2
    article_country: float = 2.0
    article_division: float = 1.5
    # a town or county inside a division the article names for certain (resolve.anchored_divisions)
    anchored_division: float = 1.5
    outlet_country: float = 1.0
    # a dateline names the town the story was filed from, never a country or a state ("HOLLAND —" in a paper of
    # Holland, Michigan); and a town the gazetteer has by a dateline's name needs no other support
    dateline_town: float = 4.0
    near_dateline: float = 2.0  # a town or county near the dateline's town (neighbours.near_the_dateline)
    min_score: float = -1.0  # below this the best candidate is too weak a reading: the mention stays unresolved
    # a town smaller than this, with no support from the article (no containment, no other place of its
    # country or division, not the outlet's country), is not read at all: a lone "Bellerive" is as likely a
    # place the gazetteer lacks (or a fictional one) as one of the many small towns of that name
    unsupported_min_population: int = 50_000  # GeoVirus TUNE: no place lost up to 100,000
    # a mention the model labelled a person or an organisation is a place when its name is a country's, a
    # division's, a continent's or a city's of this many people.  GeoVirus TUNE recognition F1: 0.895 without,
    # 0.912 from 100,000 (precision kept), 0.911 with every town (precision 0.911), 0.910 with no city
    misread_min_population: int = 100_000
    relabel_misread: bool = True
    # a capitalised name the model missed after a place preposition ("in Bulacan") is a place when its whole
    # name is a country's, a division's or a town's of this many people (0: never)
    context_min_population: int = 15_000  # GeoVirus TUNE: F1 unchanged, one place more placed (1,000 the same)
    # a name in one list with a place ("Homer and Cortlandville") is a place the gazetteer knows (tasks.places.lists)
    list_partners: bool = True
    # the town a list partner the model read as a person or an organisation needs.  GeoVirus TUNE recognition
    # F1: 0.921 with every town (four brands in a list of brands became places), 0.922 from 15,000
    list_misread_min_population: int = 15_000
    # a misread or missed name in a place's context is a town of any size near a town the story resolved
    # (tasks.places.neighbours)
    neighbour_towns: bool = True
    # the divisions the article's organisations are named after ("Tompkins County Health Department") count as
    # places the article names for certain (tasks.places.hints)
    organisation_hints: bool = True
    # a name the model read as an organisation, a product or a people that is a town of the story's
    # neighbourhood is a place, in any context ("Cortland built a similar line" in a story from Ithaca); a
    # person's name is not read so (many first names are towns' names too).  GeoVirus TUNE: one place gained,
    # one organisation named like a nearby town lost; CoNLL DEV TUNE ORG precision 0.565 -> 0.567
    misread_neighbours: bool = True
    # a town near a town its list names ("Mexico, Dixfield and Peru" in a story from Maine's mill towns):
    # tasks.places.neighbours.list_kin
    list_kin: float = 4.0


WEIGHTS = Weights()


@dataclass(frozen=True)
class Reading:
    place: Place
    score: float
    confidence: float


KNOWN_PLACE = "known_place"  # a mention whose place its finder already knows ("La." after a town: Louisiana)
AT_DATELINE = "at_dateline"  # a mention of the dateline's place ("HOLLAND —"): where the story was filed, a town


def name_part(surface: str) -> str:
    """The name in a span that opens with lowercase words ("de France" as a French model tags it)."""
    words = surface.split()
    while len(words) > 1 and words[0].islower():
        words.pop(0)
    return " ".join(words)


def candidates_of(m: dict, gazetteer: Gazetteer) -> list[Place]:
    if m.get(KNOWN_PLACE) is not None:
        return [m[KNOWN_PLACE]]
    seen, out = set(), []
    for name in (m.get("name"), m.get("surface"), name_part(m.get("surface") or "")):
        for p in gazetteer.candidates(name or ""):
            if p.geonameid not in seen:
                seen.add(p.geonameid)
                out.append(p)
    return out


def inside_division_noun(m: dict, gazetteer: Gazetteer, division_names: tuple[re.Pattern, ...]) -> dict:
    """A mention the gazetteer knows by none of its names, whose surface is a name inside its division's kind
    ("Anhui province", "City of Ithaca": ``division_names``, the patterns whose first group is the name),
    as a mention of that name; the mention itself otherwise."""
    if m.get(KNOWN_PLACE) is not None or candidates_of(m, gazetteer):
        return m
    for pattern in division_names:
        if (named := pattern.fullmatch(m.get("surface") or "")) is not None and gazetteer.candidates(named.group(1)):
            return {**m, "name": named.group(1), "surface": named.group(1)}
    return m


def prior(place: Place, key: str, w: Weights) -> float:
    main = w.main_name if fold(place.name) == key else 0.0
    value = getattr(w, place.feature) + w.population * math.log10(place.population + 1) + main
    return value + w.capital * place.capital


def _gap(mentions: list[dict], text: str, i: int) -> str | None:
    """The text between mention i and the next one (None at the end)."""
    if i < 0 or i + 1 >= len(mentions):
        return None
    return text[mentions[i]["end_char"]:mentions[i + 1]["start_char"]]


def containers(mentions: list[dict], text: str, conjunctions: frozenset[str] = frozenset()) -> dict[int, int]:
    """mention index -> the index of the mention written right after it as its container ("Springfield,
    Illinois", each link of "Guildford, Surrey, UK", and each pair of "Springfield, Illinois, and Dayton,
    Ohio" or "Clarksville and Detroit, Texas"), unless the two are items of a list: a run of commas whose
    conjunction comes before its last name ("Texas, Utah and Virginia")."""
    out = {}
    for i in range(len(mentions) - 1):
        gap = _gap(mentions, text, i)
        if not CONTAINMENT_GAP.match(gap) or not gap.strip():
            continue
        if _listed_run(mentions, text, i, conjunctions):
            continue
        out[i] = i + 1
    return out


def _is_conjunction(gap: str | None, conjunctions: frozenset[str]) -> bool:
    words = (gap or "").replace(",", " ").split()
    return len(words) == 1 and words[0].lower() in conjunctions


def _comma(gap: str | None) -> bool:
    return gap is not None and gap.strip() != "" and CONTAINMENT_GAP.match(gap) is not None


def list_groups(mentions: list[dict], text: str, conjunctions: frozenset[str]) -> list[list[int]]:
    """The runs of two or more place mentions joined by commas or the list's conjunction ("Mexico, Dixfield and
    Peru", "Springfield, Illinois"), as lists of mention indices."""
    groups, run = [], [0] if mentions else []
    for i in range(len(mentions) - 1):
        gap = _gap(mentions, text, i)
        if _comma(gap) or _is_conjunction(gap, conjunctions):
            run.append(i + 1)
            continue
        groups += [run] if len(run) > 1 else []
        run = [i + 1]
    return groups + ([run] if len(run) > 1 else [])


def _listed_run(mentions: list[dict], text: str, i: int, conjunctions: frozenset[str]) -> bool:
    """The run of commas from mention ``i`` on is a list: it ends in the list's conjunction and one last name
    ("Texas, Utah and Virginia").  A comma after the name the conjunction joins makes the run pairs of a
    place and its container ("Springfield, Illinois, and Dayton, Ohio")."""
    k = i + 1
    while (gap := _gap(mentions, text, k)) is not None:
        if _is_conjunction(gap, conjunctions):
            return not _comma(_gap(mentions, text, k + 1))
        if not _comma(gap):
            return False
        k += 1
    return False


def contains(container: Place, place: Place) -> bool:
    if container.feature == "country":
        return place.country_code == container.country_code and place.feature != "country"
    if container.feature == "admin1":
        return (place.country_code, place.admin1) == (container.country_code, container.admin1) \
            and place.feature in ("city", "admin2")
    if container.feature == "admin2":  # the gazetteer keeps no town's county: a town of its division near it
        return (place.country_code, place.admin1) == (container.country_code, container.admin1) \
            and place.feature == "city" and distance_km(container, place) <= COUNTY_REACH_KM
    return False


@dataclass
class Evidence:
    """What the rest of an article says about one mention's candidates."""

    countries: Counter  # country -> how many of the other mentions' likeliest places lie in it
    others: int  # how many other mentions have a likeliest place
    divisions: set  # (country, first-level division) of the other mentions' likeliest places
    listed: dict  # country -> the first-level divisions the other mentions name in it
    capitals_of: set  # the countries whose capitals the other mentions name
    anchored: Counter  # (country, first-level division) -> how many other mentions name it for certain (``anchored_divisions``)
    box: list  # the candidates of the container written right after the mention
    inner: list  # the candidates of the mention it is the container of
    namesakes: set  # the ids of its candidates that are eponymous cities
    dateline: bool = False  # the mention is the dateline's place


def anchored_divisions(places: list[dict], cands: list[list[Place]], best: list[Place | None],
                       boxes: dict[int, int]) -> dict[int, tuple]:
    """mention index -> the (country, first-level division) it names for certain: an abbreviation after a town
    ("Rome, Ga."), a division written as the container of a town it holds ("Paris, Texas"), or a name whose
    likeliest place is the division itself ("Michigan").  The counties and towns of the division the other
    names name most are the article's ("Floyd County" beside "Rome, Ga." is Georgia's)."""
    named: dict[int, tuple] = {}
    for i, (m, p) in enumerate(zip(places, best)):
        if m.get(KNOWN_PLACE) is not None and m[KNOWN_PLACE].feature == "admin1":
            named[i] = (m[KNOWN_PLACE].country_code, m[KNOWN_PLACE].admin1)
        elif p is not None and p.feature == "admin1":
            named[i] = (p.country_code, p.admin1)
    for i, j in boxes.items():
        held = [c for c in cands[j] if c.feature == "admin1" and any(contains(c, p) for p in cands[i])]
        if held:
            named[j] = (held[0].country_code, held[0].admin1)
    return named


def resolve_article(mentions: list[dict], text: str, gazetteer: Gazetteer, outlet_country: str | None = None,
                    w: Weights = WEIGHTS, conjunctions: frozenset[str] = frozenset(),
                    compass: frozenset[str] = frozenset(),
                    division_names: tuple[re.Pattern, ...] = (), hints: tuple[Place, ...] = ()) -> dict[int, Reading]:
    """mention index -> its reading, for the place mentions of one article (rows with start_char, end_char,
    label, name and surface, in text order) that the gazetteer resolves; ``conjunctions`` are the article's
    language's list words (its pack's list_conjunctions), ``compass`` its words of direction, folded (its
    pack's compass_words: a division named by one alone needs the article's support), ``division_names`` the
    patterns of a name inside its division's kind (``candidates_of``), ``hints`` the divisions the article's
    organisations are named after (tasks.places.hints), read as other places named for certain."""
    idx = [i for i, m in enumerate(mentions) if m["label"] in PLACE_LABELS]
    places = [inside_division_noun(mentions[i], gazetteer, division_names) for i in idx]
    keys = [fold(m.get("surface") or "") for m in places]
    cands = [candidates_of(m, gazetteer) for m in places]
    namesakes = [eponymous_cities(c) for c in cands]
    best_prior = [max(c, key=lambda p, k=k, e=e: prior(p, k, w) + w.eponymous_city * (p.geonameid in e))
                  if c else None for c, k, e in zip(cands, keys, namesakes)]
    boxes = containers(places, text, conjunctions)
    boxed_by = {k: j for j, k in boxes.items()}  # container index -> the index of the mention before it
    anchored = anchored_divisions(places, cands, best_prior, boxes)
    scores: dict[str, Counter] = defaultdict(Counter)  # name key -> geonameid -> summed score
    by_id: dict[str, Place] = {}
    for j, (key, cs) in enumerate(zip(keys, cands)):
        others = [p for k, p in zip(keys, best_prior) if p is not None and k != key] + list(hints)
        listed = defaultdict(set)
        for p in others:
            if p.feature == "admin1":
                listed[p.country_code].add(p.admin1)
        named = Counter([d for i, d in anchored.items() if keys[i] != key] + [(h.country_code, h.admin1) for h in hints])
        ev = Evidence(Counter(p.country_code for p in others), len(others),
                      {(p.country_code, p.admin1) for p in others if p.feature in ("admin1", "admin2", "city")}, listed,
                      {p.country_code for p in others if p.capital}, named,
                      [c for c in cands[boxes[j]] if c.feature in CONTAINER_FEATURES + ("admin2",)] if j in boxes else [],
                      cands[boxed_by[j]] if j in boxed_by else [], namesakes[j], bool(places[j].get(AT_DATELINE)))
        for p in cs:
            s = candidate_score(p, key, ev, outlet_country, w, compass)
            if s is not None:
                scores[key][p.geonameid] += s
                by_id[p.geonameid] = p
    counts = Counter(keys)
    for key in {k for k, m in zip(keys, places) if m.get(AT_DATELINE)} & set(scores):
        near_the_dateline(scores, by_id, key, counts, w.near_dateline)
    for group in list_groups(places, text, conjunctions):
        list_kin(scores, by_id, [keys[i] for i in group], w.list_kin)
    readings = {}
    for key, c in scores.items():
        gid = best_of(c)
        score = c[gid] / counts[key]
        if score >= w.min_score:
            readings[key] = Reading(by_id[gid], round(score, 3), confidence_of(c, gid))
    return {i: readings[k] for i, k in zip(idx, keys) if k in readings}


def candidate_score(p: Place, key: str, ev: Evidence, outlet_country: str | None, w: Weights,
                    compass: frozenset[str]) -> float | None:
    """The score of one candidate of a mention; None for a candidate not read at all (a small town, or a
    division named by a word of direction, with no support from the article)."""
    boxed = any(contains(c, p) for c in ev.box) or any(contains(p, c) for c in ev.inner)
    share = ev.countries[p.country_code] / ev.others if ev.others else 0.0
    in_division = (p.country_code, p.admin1) in ev.divisions if p.feature in ("city", "admin2", "admin1") else False
    named_most = max(ev.anchored.values(), default=0)
    anchored = ev.anchored[(p.country_code, p.admin1)] / named_most if p.feature in ("city", "admin2") and named_most else 0.0
    from_outlet = outlet_country is not None and p.country_code == outlet_country
    supported = boxed or share or in_division or from_outlet or ev.dateline
    if not supported and ((p.feature == "city" and p.population < w.unsupported_min_population)
                          or (p.feature in DIVISION_FEATURES and fold(p.name) in compass)):
        return None
    s = prior(p, key, w) + w.containment * boxed + w.article_country * share
    s += w.article_division * in_division + w.anchored_division * anchored + w.outlet_country * from_outlet
    siblings = len(ev.listed[p.country_code] - {p.admin1}) if p.feature == "admin1" else 0
    s += w.sibling_division * (siblings >= SIBLING_DIVISIONS)
    s += w.eponymous_city * (p.geonameid in ev.namesakes) + w.dateline_town * (ev.dateline and p.feature == "city")
    return s + w.capital_company * (p.capital and bool(ev.capitals_of - {p.country_code}))


def eponymous_cities(cands: list[Place]) -> set[str]:
    """The ids of the cities that share their name with a first-level division of their country and are its
    capital inside it or hold at least ``EPONYMOUS_SHARE`` of its people (Moscow, Hamburg, Geneva, New York, Lisbon; Kyiv
    beside the Kiev oblast around it), not a small namesake town (Oregon, Ohio beside the state of Oregon)."""
    divisions: dict[str, Place] = {}
    for p in cands:
        if p.feature == "admin1" and (p.country_code not in divisions or
                                      p.population > divisions[p.country_code].population):
            divisions[p.country_code] = p
    out = set()
    for p in cands:
        division = divisions.get(p.country_code) if p.feature == "city" else None
        if division is not None and ((p.capital and p.admin1 == division.admin1)
                                     or p.population >= EPONYMOUS_SHARE * division.population):
            out.add(p.geonameid)
    return out


def confidence_of(scores: Counter, chosen: str) -> float:
    """The chosen reading's share of a softmax over the candidates' summed scores."""
    top = max(scores.values())
    z = sum(math.exp(v - top) for v in scores.values())
    return round(math.exp(scores[chosen] - top) / z, 3)
