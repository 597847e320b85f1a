"""Places (issue 30): the shipped gazetteer, resolution in context, the focus of an article, and the columns the
extract stage writes.  The texts are made up for these tests; the places are real, so that they resolve."""
from __future__ import annotations

import gc
import json
import math
import sys

import pyarrow as pa
import pytest
from conftest import ROOT

from newsloom import schemas
from tasks.places import locate_article, locate_places, outlet_country, place_entity_id
from tasks.places.focus import article_focus
from tasks.places.gazetteer import GAZETTEER_FILE, OUTLINES_FILE, load_gazetteer
from tasks.places.resolve import containers, resolve_article

sys.path.insert(0, str(ROOT))  # bench.geo: the GeoVirus floors run the bench's own functions
ENGLISH_LISTS = frozenset({"and"})


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def mentions_of(text: str, names: list[str], label: str = "GPE") -> list[dict]:
    """GPE mentions of each name's first occurrence after the previous one, in text order."""
    rows, pos = [], 0
    for n in names:
        i = text.index(n, pos)
        rows.append({"start_char": i, "end_char": i + len(n), "label": label, "name": n, "surface": n})
        pos = i + len(n)
    return rows


def readings(text: str, names: list[str], gazetteer, outlet: str | None = None) -> dict[str, tuple]:
    ms = mentions_of(text, names)
    found = resolve_article(ms, text, gazetteer, outlet, conjunctions=ENGLISH_LISTS)
    return {ms[i]["surface"] + f"@{ms[i]['start_char']}": (r.place.name, r.place.feature, r.place.country_code,
                                                            r.place.admin1, r.place.geonameid)
            for i, r in found.items()}


def only(result: dict, surface: str) -> tuple:
    hits = [v for k, v in result.items() if k.startswith(surface + "@")]
    assert len(hits) == 1, (surface, result)
    return hits[0]


def test_the_gazetteer_ships_in_the_package_and_loads_once(gazetteer):
    assert GAZETTEER_FILE.exists() and OUTLINES_FILE.exists()
    assert load_gazetteer() is gazetteer  # once per process, like the spaCy model
    features = {gazetteer.place(i).feature for i in range(len(gazetteer))}
    assert features == {"continent", "country", "admin1", "admin2", "city"}
    france = gazetteer.country("FR")
    assert france.name == "France" and 44 < france.lat < 48 and 0 < france.lon < 5  # the mainland's centre
    assert [p.name for p in gazetteer.candidates("Kiev") if p.feature == "city"] == ["Kyiv"]  # an alternate name
    outlines = json.loads(OUTLINES_FILE.read_text())
    assert len(outlines) > 150 and all(len(ring) >= 4 for ring in outlines)


def test_a_loaded_gazetteer_is_out_of_the_garbage_collectors_way(gazetteer):
    """Kept for the process's life (newsloom.heap): its name index is in no generation that a full
    collection walks, so a stage that triggers one does not pay for walking it."""
    tracked = gc.get_objects()
    assert gc.get_freeze_count() > 0
    assert not any(o is gazetteer.by_name or o is gazetteer.columns for o in tracked)
    fresh = [["a list the collector tracks"]]
    assert any(o is fresh for o in gc.get_objects())  # an object made later is collected as usual


def test_the_names_of_one_place_are_one_entity_and_namesakes_are_two(gazetteer):
    kyiv = readings("Talks in Kiev went on; Kyiv said later.", ["Kiev", "Kyiv"], gazetteer)
    assert only(kyiv, "Kiev") == only(kyiv, "Kyiv") and only(kyiv, "Kiev")[1] == "city"
    france = only(readings("A fair in Paris drew crowds.", ["Paris"], gazetteer), "Paris")
    texas = only(readings("He moved to Paris, Texas, last year.", ["Paris", "Texas"], gazetteer), "Paris")
    assert (france[2], texas[2], texas[3]) == ("FR", "US", "TX")
    assert france[4] != texas[4]


def test_context_decides_between_namesakes(gazetteer):
    springfield = readings("She grew up in Springfield, Illinois.", ["Springfield", "Illinois"], gazetteer)
    assert only(springfield, "Springfield")[2:4] == ("US", "IL")
    state = readings("Protests in Seattle spread across Washington.", ["Seattle", "Washington"], gazetteer)
    assert only(state, "Washington")[1] == "admin1"  # a city of the state is named: the state
    capital = readings("Moscow and Washington agreed to talk.", ["Moscow", "Washington"], gazetteer)
    assert only(capital, "Washington")[1:3] == ("city", "US") and only(capital, "Moscow")[1:3] == ("city", "RU")
    lisbon = readings("Ships sail from Lisbon every week.", ["Lisbon"], gazetteer)
    assert only(lisbon, "Lisbon")[1:3] == ("city", "PT")  # the capital, not the district named after it
    georgia = readings("Flights from Tbilisi to other cities in Georgia resumed.", ["Tbilisi", "Georgia"], gazetteer)
    assert only(georgia, "Georgia")[1:3] == ("country", "GE")
    listed = readings("Storms hit Texas, Utah and Virginia.", ["Texas", "Utah", "Virginia"], gazetteer)
    assert {v[1] for v in listed.values()} == {"admin1"}  # a list, not "Texas in Utah"
    # the division written after a town holds it: the state, though the country Georgia has the larger prior
    atlanta = readings("The agency sits in Atlanta, Georgia, far from Jakarta.", ["Atlanta", "Georgia", "Jakarta"],
                       gazetteer)
    assert only(atlanta, "Georgia")[1:3] == ("admin1", "US")
    # a list of a country's divisions names a division of it
    states = readings("Cases rose in Idaho, Ohio and Georgia, and in Ontario and Quebec.",
                      ["Idaho", "Ohio", "Georgia", "Ontario", "Quebec"], gazetteer)
    assert only(states, "Georgia")[1:3] == ("admin1", "US")


def test_a_division_named_by_a_direction_needs_its_country_in_the_article(gazetteer):
    from newsloom.lang import pack_for
    from tasks.identity.keys import fold

    compass = frozenset(fold(x) for x in pack_for("en").lexicon.compass_words)
    alone = "Rains flooded roads across the Western region on Monday."
    ms = mentions_of(alone, ["Western"], label="LOC")
    assert resolve_article(ms, alone, gazetteer, conjunctions=ENGLISH_LISTS, compass=compass) == {}
    backed = "Rains flooded roads in Ghana, across the Western region and in Accra."
    ms = mentions_of(backed, ["Ghana", "Western", "Accra"], label="LOC")
    found = resolve_article(ms, backed, gazetteer, conjunctions=ENGLISH_LISTS, compass=compass)
    assert (found[1].place.feature, found[1].place.country_code) == ("admin1", "GH")


def test_a_lone_small_town_is_left_unresolved(gazetteer):
    # a name only small towns carry, with nothing in the article to back one of them: no guess
    assert readings("The festival in Bellerive drew visitors.", ["Bellerive"], gazetteer) == {}


def test_the_outlets_country_domain(gazetteer):
    assert outlet_country("https://news.example.co.uk/a", gazetteer) == "GB"
    assert outlet_country("https://www.example.fr/x", gazetteer) == "FR"
    assert outlet_country("https://example.com/x", gazetteer) is None and outlet_country(None, gazetteer) is None
    assert outlet_country("https://ledger.example.io/x", gazetteer) is None  # .io is sold as a generic name


def test_focus_weighs_the_dateline_and_counts_cities_for_their_country(gazetteer):
    text = "DAMASCUS (Wire) — Officials in Damascus met.\n\nLater, Syria and Turkey spoke; Turkey and Turkey again."
    ms = mentions_of(text, ["DAMASCUS", "Damascus", "Syria", "Turkey", "Turkey", "Turkey"])
    ms[0]["name"] = "Damascus"
    found = resolve_article(ms, text, gazetteer, conjunctions=ENGLISH_LISTS)
    pairs = [(ms[i], r.place) for i, r in sorted(found.items())]
    focus, country = article_focus(text, pairs, gazetteer, dateline=(0, len("DAMASCUS (Wire) — ")))
    assert country == "SY" and focus.name == "Damascus"  # 3 Turkeys weigh less than a dateline and a lede
    later = "Officials met in Damascus.\n\nTurkey said; Turkey and Turkey again, and Turkey."
    ms = mentions_of(later, ["Damascus", "Turkey", "Turkey", "Turkey", "Turkey"])
    found = resolve_article(ms, later, gazetteer, conjunctions=ENGLISH_LISTS)
    focus, country = article_focus(later, [(ms[i], r.place) for i, r in sorted(found.items())], gazetteer)
    assert (country, focus.name) == ("TR", "Turkey")  # four mentions outweigh one in the lede


def _articles(rows: list[dict]) -> pa.Table:
    base = {"doc_id": "d", "source": "s", "n_words": 30, "text_hash": "h", "run_id": "r", "language": "en"}
    return schemas.from_rows([{**base, **r} for r in rows], schemas.ARTICLES)


def test_locate_places_writes_the_place_columns_and_the_focus(gazetteer):
    text = "ROTTERDAM (Harbour Post) — A new line will sail to Lisbon and Rotterdam in June, said Ana Ruiz."
    articles = _articles([{"article_id": "a1", "text": text, "url": "https://harbour.example.nl/x"},
                          {"article_id": "a2", "text": "Copy of a1.", "dup_of": "a1"}])
    ms = [dict(m, article_id="a1", entity_id="e", article_entity_id="e", article_name=m["name"],
               article_label="GPE", sentence=0, run_id="r") for m in mentions_of(text, ["Lisbon", "Rotterdam"])]
    ms.append({"article_id": "a1", "entity_id": "p", "name": "Ana Ruiz", "surface": "Ana Ruiz", "label": "PERSON",
               "start_char": text.index("Ana"), "end_char": len(text) - 1, "sentence": 0, "run_id": "r"})
    out_articles, out_mentions = locate_places(articles, schemas.from_rows(ms, schemas.MENTIONS), gazetteer)
    rows = {r["surface"]: r for r in out_mentions.to_pylist()}
    assert set(rows) == {"ROTTERDAM", "Lisbon", "Rotterdam", "Ana Ruiz"}  # the dateline became a mention
    assert rows["ROTTERDAM"]["geonameid"] == rows["Rotterdam"]["geonameid"]
    assert rows["Rotterdam"]["entity_id"] == rows["Rotterdam"]["article_entity_id"] != "e"
    assert rows["Lisbon"]["country_code"] == "PT" and math.isclose(rows["Lisbon"]["lat"], 38.7, abs_tol=0.3)
    assert rows["Ana Ruiz"]["geonameid"] is None and rows["Ana Ruiz"]["entity_id"] == "p"
    focus = {r["article_id"]: (r["focus_geonameid"], r["focus_country"]) for r in out_articles.to_pylist()}
    assert focus["a1"] == (rows["Rotterdam"]["geonameid"], "NL") and focus["a2"] == (None, None)
    rotterdam = next(p for p in gazetteer.candidates("Rotterdam") if p.geonameid == rows["Rotterdam"]["geonameid"])
    assert rows["Rotterdam"]["entity_id"] == place_entity_id(rotterdam) and rotterdam.country_code == "NL"


def test_a_dateline_the_model_read_as_a_person_is_the_place(gazetteer):
    text = "ROTTERDAM (Harbour Post) — The port opened a new quay."
    m = {"article_id": "a1", "start_char": 0, "end_char": 9, "surface": "ROTTERDAM", "name": "Rotterdam",
         "label": "PERSON", "entity_id": "p", "article_entity_id": "p", "article_name": "Rotterdam",
         "article_label": "PERSON", "sentence": 0}
    located, focus, country = locate_article(text, None, "en", [m], gazetteer)
    assert len(located) == 1 and located[0]["label"] == "GPE" and located[0]["country_code"] == "NL"
    assert (focus.name, country) == ("Rotterdam", "NL")


def _misread(text: str, name: str, label: str, article: str = "a1", title: str | None = None) -> dict:
    i = text.index(name)
    return {"article_id": article, "start_char": i, "end_char": i + len(name), "surface": name, "name": name,
            "label": label, "entity_id": name, "article_entity_id": name, "article_name": name,
            "article_label": label, "sentence": 0, "title": title}


def test_a_town_the_model_read_as_a_person_is_a_place_when_its_division_follows(gazetteer):
    # a town of about 4,000 people, far under the size that makes a misread name a place on its own
    text = "The fair in Mount Olive, Ala., drew crowds; Mount Olive, Alabama, will host it again."
    first = _misread(text, "Mount Olive", "PERSON")
    second = _misread(text, "Mount Olive, Alabama", "ORG")
    second.update(end_char=second["start_char"] + len("Mount Olive"), surface="Mount Olive", name="Mount Olive")
    state = _misread(text, "Alabama", "GPE")
    located, _, _ = locate_article(text, None, "en", [first, second, state], gazetteer)
    towns = [m for m in located if m["surface"] == "Mount Olive"]
    assert [(m["label"], m.get("country_code")) for m in towns] == [("GPE", "US"), ("GPE", "US")]
    assert {m["surface"] for m in located if m["label"] == "GPE"} == {"Mount Olive", "Ala.", "Alabama"}
    # no division after it, or a title before it: the person stays a person
    alone = "Mount Olive spoke first, and Mr. Mount Olive, Alabama's envoy, spoke last."
    person = _misread(alone, "Mount Olive", "PERSON")
    titled = _misread(alone, "Mount Olive,", "PERSON", title="Mr.")
    titled.update(start_char=alone.index("Mount Olive, A"), end_char=alone.index("Mount Olive, A") + len("Mount Olive"),
                  surface="Mount Olive", name="Mount Olive")
    located, _, _ = locate_article(alone, None, "en", [person, titled, _misread(alone, "Alabama", "GPE")], gazetteer)
    assert [m["label"] for m in located if m["surface"] == "Mount Olive"] == ["PERSON", "PERSON"]


def test_a_person_named_like_a_small_division_stays_a_person(gazetteer):
    # Paul is a municipality of Cape Verde (a first-level division of 2,600 people): too small to outweigh the
    # model's reading of a person; Romania is a country whatever the model said
    text = "Paul spoke to reporters, and Romania replied."
    paul, romania = _misread(text, "Paul", "PERSON"), _misread(text, "Romania", "PERSON")
    located, _, _ = locate_article(text, None, "en", [paul, romania], gazetteer)
    assert [m["label"] for m in located] == ["PERSON", "GPE"]


def test_french_names_resolve_through_alternate_names(gazetteer):
    text = "Le salon réunit des exposants de Suisse, de Genève et d'Allemagne, venus aussi de France."
    ms = mentions_of(text, ["Suisse", "Genève", "Allemagne", "de France"], label="LOC")
    found = resolve_article(ms, text, gazetteer, conjunctions=frozenset({"et"}))
    got = {ms[i]["surface"]: (r.place.name, r.place.country_code) for i, r in found.items()}
    assert got == {"Suisse": ("Switzerland", "CH"), "Genève": ("Geneva", "CH"), "Allemagne": ("Germany", "DE"),
                   "de France": ("France", "FR")}  # the French model's span opens with "de"


def test_the_sample_run_writes_places_and_the_report_table(sample_run):
    """The flow over data/raw: the two sample articles set in real ports (one English, one French) get their
    places, their focus and the places aggregate; the fictional places of the others stay unresolved."""
    import pandas as pd

    out, _ = sample_run
    mentions, articles = pd.read_parquet(out / "mentions"), pd.read_parquet(out / "articles")
    places = pd.read_parquet(out / "places.parquet")
    placed = mentions[mentions["geonameid"].notna()]
    by_surface = placed.groupby("surface")["country_code"].first().to_dict()
    assert {"Rotterdam": "NL", "Lisbon": "PT", "Hamburg": "DE", "Lyon": "FR", "Genève": "CH",
            "Marseille": "FR"}.items() <= by_surface.items()
    assert not placed["surface"].isin(["Kestria", "Dunmere", "Port-Laurier"]).any()  # fictional: no guess
    focus = articles.set_index("source")["focus_country"].to_dict()
    ferry = next(k for k in focus if k.endswith("ferry-route.txt"))
    fair = next(k for k in focus if k.endswith("salon-lyon.txt"))
    assert (focus[ferry], focus[fair]) == ("NL", "FR")  # the datelines: ROTTERDAM, LYON
    rotterdam = places.set_index("name").loc["Rotterdam"]
    assert rotterdam["n_focus"] >= 1 and rotterdam["n_mentions"] >= 4 and rotterdam["country_code"] == "NL"
    entities = pd.read_parquet(out / "entities.parquet").set_index("entity_id")
    assert entities.loc[rotterdam["entity_id"], "geonameid"] == rotterdam["geonameid"]


def test_the_seed_articles_places_and_focus(gazetteer):
    """The seed articles (../shared/seeds): Moscow, Damascus, Washington and Syria resolve to the right places,
    and every seed is about Russia or Syria, as its headline and text say."""
    from datetime import datetime, timezone

    from conftest import shared_path

    from newsloom.config import make_config
    from tasks.clean import clean_articles
    from tasks.extract import extract_and_locate

    seeds = sorted(shared_path("seeds").glob("*.txt"))
    now = datetime.now(timezone.utc)
    documents = schemas.from_rows([{"doc_id": p.name, "source": p.name, "fetched_at": now, "media_type": "text/plain",
                                    "content": p.read_bytes(), "run_id": "t"} for p in seeds], schemas.DOCUMENTS)
    config = make_config(sources=[str(seeds[0].parent)], out="/tmp/newsloom-test-unused")
    articles, _ = clean_articles(documents, config)
    mentions, _, _, articles = extract_and_locate(articles, config)
    placed = {(m["surface"], m["geonameid"]) for m in mentions.to_pylist() if m["geonameid"]}
    expected = {"Moscow": "524901", "Damascus": "170654", "Washington": "4140963", "Syria": "163843"}
    for surface, geonameid in expected.items():
        assert {g for s, g in placed if s == surface} == {geonameid}, surface
    focus = {a["source"][:3]: a["focus_country"] for a in articles.to_pylist()}
    assert focus == {"000": "RU", "001": "SY", "002": "SY", "003": "SY", "004": "SY"}


# a little under what bench/geo.py measured on GeoVirus REPORT (docs/benchmarks.md: F1 0.889, acc@161 0.691)
GEO_REPORT_FLOORS = {"f1": 0.88, "acc161": 0.70}


def test_geovirus_report_floors(gazetteer):
    """Recognition and resolution on GeoVirus REPORT, through the production functions, above their floors
    and above the bare model's recognition."""
    from conftest import shared_path

    shared_path("eval", "geo", "geovirus.jsonl")
    from bench.geo import bare_places, load_docs, pipeline_mentions, predictions, score, split_of
    from tasks.places.resolve import WEIGHTS

    docs = [d for d in load_docs() if split_of(d["id"]) == "REPORT"]
    res = score(docs, predictions(docs, pipeline_mentions(docs, None), gazetteer, WEIGHTS))
    for metric, floor in GEO_REPORT_FLOORS.items():
        assert res[metric] >= floor, (metric, res)
    assert res["f1"] > score(docs, bare_places(docs, None))["f1"]


def test_a_known_place_in_a_places_context_becomes_a_mention(gazetteer):
    from newsloom.lang import pack_for
    from tasks.places import places_in_context
    from tasks.places.resolve import WEIGHTS

    text = "Flooding was reported in Tarragona and near Kestria Harbour in March, officials in Dunmere said."
    found = places_in_context(text, [], gazetteer, pack_for("en"), WEIGHTS)
    assert [m["surface"] for m in found] == ["Tarragona"]  # not a month, not a fictional place
    assert found[0]["label"] == "GPE" and text[found[0]["start_char"]:found[0]["end_char"]] == "Tarragona"
    covered = [{"start_char": text.index("Tarragona"), "end_char": text.index("Tarragona") + 9, "label": "ORG"}]
    assert places_in_context(text, covered, gazetteer, pack_for("en"), WEIGHTS) == []
    # a place's name hyphened to a place suffix, the longest known name from its last word back
    text = "The Tarragona-based firm hired a Kestria-born chef; The Barcelona-bound train and Dunmere-based staff."
    found = places_in_context(text, [], gazetteer, pack_for("en"), WEIGHTS)
    assert [m["surface"] for m in found] == ["Tarragona", "Barcelona"]
    assert all(text[m["start_char"]:m["end_char"]] == m["surface"] for m in found)
    assert places_in_context(text, [], gazetteer, pack_for("fr"), WEIGHTS) == []  # French has no such suffix
    # a word of direction alone after a preposition is not a place ("cracks in Western unity")
    assert places_in_context("Cracks appeared in Western unity.", [], gazetteer, pack_for("en"), WEIGHTS) == []


def test_a_known_town_the_model_misread_after_a_place_preposition_is_a_place(gazetteer):
    """'officials in Lelystad' with Lelystad read as an organisation: a town of about 76,000 people, under the
    size that makes a misread name a place on its own, is one after 'in'; the same name as a subject is not."""
    text = "Officials in Lelystad confirmed the result. Lelystad said more tests would follow."
    placed = _misread(text, "Lelystad", "ORG")
    subject = _misread(text, "Lelystad said", "ORG")
    subject.update(end_char=subject["start_char"] + len("Lelystad"), surface="Lelystad", name="Lelystad")
    located, _, _ = locate_article(text, None, "en", [placed, subject], gazetteer)
    assert [(m["label"], m.get("country_code")) for m in located] == [("GPE", "NL"), ("ORG", None)]
    # a name that is no place's stays what the model read
    text = "The award went to officials in Dunmere."
    located, _, _ = locate_article(text, None, "en", [_misread(text, "Dunmere", "ORG")], gazetteer)
    assert [m["label"] for m in located] == ["ORG"]


def test_a_known_name_after_a_place_noun_is_a_place_whatever_its_size(gazetteer):
    """'the town of Cancale' (about 5,700 people): a place noun says what the name is, so any place the
    gazetteer has counts, where 'in Cancale' alone needs 15,000 people; so does a name the model misread;
    a name the gazetteer lacks is left alone, and French writes 'la commune de'."""
    from newsloom.lang import pack_for
    from tasks.places import places_in_context
    from tasks.places.resolve import WEIGHTS

    text = "The ferry left the town of Cancale at noon and docked in Cancale again at dusk."
    found = places_in_context(text, [], gazetteer, pack_for("en"), WEIGHTS)
    assert [(m["surface"], m["start_char"]) for m in found] == [("Cancale", text.index("Cancale"))]
    assert places_in_context("The ferry left the village of Dunmere at noon.", [], gazetteer, pack_for("en"), WEIGHTS) == []
    assert [m["surface"] for m in places_in_context("Le bac a quitté la commune de Cancale à midi.", [], gazetteer,
                                                    pack_for("fr"), WEIGHTS)] == ["Cancale"]
    misread = "Crews from the port of Paimpol joined the search."
    located, _, _ = locate_article(misread, None, "en", [_misread(misread, "Paimpol", "PERSON")], gazetteer)
    assert [m["label"] for m in located] == ["GPE"]  # placed or not, by the resolver's own rules for a lone town


def test_a_name_in_one_list_with_a_place_is_a_place(gazetteer):
    """'Ithaca, Homer and Cortland': the model missed Homer (a village of about 3,000) and read Cortland as an
    organisation; items of one list are of one kind, so both are places.  A person after a place and a comma
    is no list ('In Ithaca, Shelby said'), and a name no place has stays out."""
    text = "Crews from Ithaca, Homer and Cortland cleared the road with Dunmere. In Ithaca, Shelby said it was done."
    first, second = text.index("Ithaca"), text.rindex("Ithaca")
    ithaca = [dict(_misread(text, "Ithaca", "GPE"), start_char=i, end_char=i + 6) for i in (first, second)]
    cortland, shelby = _misread(text, "Cortland", "ORG"), _misread(text, "Shelby", "PERSON")
    located, _, _ = locate_article(text, None, "en", [ithaca[0], cortland, ithaca[1], shelby], gazetteer)
    by_surface = {m["surface"]: m for m in located}
    assert [m["surface"] for m in located] == ["Ithaca", "Homer", "Cortland", "Ithaca", "Shelby"]
    assert by_surface["Homer"]["label"] == by_surface["Cortland"]["label"] == "GPE"
    assert all(by_surface[n].get("country_code") == "US" for n in ("Ithaca", "Homer", "Cortland"))
    assert by_surface["Shelby"]["label"] == "PERSON"
    from dataclasses import replace

    from tasks.places.resolve import WEIGHTS
    off, _, _ = locate_article(text, None, "en", [dict(m) for m in (ithaca[0], cortland, ithaca[1], shelby)],
                               gazetteer, replace(WEIGHTS, list_partners=False))
    assert "Homer" not in [m["surface"] for m in off]  # the setting turns the rule off


def test_a_dateline_after_the_headline_and_byline_is_the_place(gazetteer):
    from tasks.places.datelines import dateline_span

    text = "Bridge repairs approved\nBy Ana Quill\n\nCORTLAND — The county voted to fix the road to Ithaca."
    start = text.index("CORTLAND")
    assert dateline_span(text, "en") == (start, start + len("CORTLAND — "))
    located, focus, country = locate_article(text, None, "en", [_misread(text, "Ithaca", "GPE")], gazetteer)
    dateline = next(m for m in located if m["start_char"] == start)
    assert (dateline["surface"], dateline["label"], dateline["country_code"]) == ("CORTLAND", "GPE", "US")
    assert (focus.name, focus.admin1, country) == ("Cortland", "NY", "US")
    story = " ".join(["The county board met on Thursday."] * 8)  # a first line of more words is the story
    assert dateline_span(story + "\nCORTLAND — More later.", "en") == (0, 0)


def test_a_division_named_with_its_kind_is_that_division(gazetteer):
    """'Anhui province', 'the Province of Limburg', 'the City of Ithaca': the name inside the division's kind,
    where the whole is no place's; GeoNames' own designators are cut from the division's name ('Henan Sheng')."""
    from newsloom.lang import pack_for
    from tasks.places import division_name_patterns

    patterns = division_name_patterns(pack_for("en"))
    text = "Anhui province reported cases, as did the Province of Limburg in the Netherlands."
    ms = mentions_of(text, ["Anhui province", "Province of Limburg", "Netherlands"])
    found = resolve_article(ms, text, gazetteer, conjunctions=ENGLISH_LISTS, division_names=patterns)
    assert [(found[i].place.name, found[i].place.feature, found[i].place.country_code) for i in (0, 1)] == [
        ("Anhui", "admin1", "CN"), ("Limburg", "admin1", "NL")]
    assert resolve_article(ms, text, gazetteer, conjunctions=ENGLISH_LISTS).keys() == {2}  # not without the patterns
    text = "Schools in Ithaca, New York, and the City of Ithaca agreed."
    ms = mentions_of(text, ["Ithaca", "New York", "City of Ithaca"])
    found = resolve_article(ms, text, gazetteer, conjunctions=ENGLISH_LISTS, division_names=patterns)
    assert found[0].place.geonameid == found[2].place.geonameid and found[2].place.admin1 == "NY"


def test_a_known_name_after_a_direction_or_a_role_of_a_place_is_a_place(gazetteer):
    """'five miles south of Marathon' (a village of about 900 people), 'the mayor of McGraw', 'residents of
    Cincinnatus', 'Ithaca-area volunteers': the words around the name say it is a place (the packs'
    place_relation_nouns and place_compound_suffixes); 'south of Dunmere', a name no place has, stays out."""
    from newsloom.lang import pack_for
    from tasks.places import places_in_context
    from tasks.places.resolve import WEIGHTS

    text = ("The fire started five miles south of Marathon and south of Dunmere. The mayor of McGraw and "
            "residents of Cincinnatus helped; Ithaca-area volunteers brought water.")
    found = places_in_context(text, [], gazetteer, pack_for("en"), WEIGHTS)
    assert sorted(m["surface"] for m in found) == ["Cincinnatus", "Ithaca", "Marathon", "McGraw"]
    fr = "Le feu a pris au nord de Cancale, et le maire de Dunmere est venu."
    assert [m["surface"] for m in places_in_context(fr, [], gazetteer, pack_for("fr"), WEIGHTS)] == ["Cancale"]


def test_a_town_its_county_and_its_country_are_one_chain(gazetteer):
    """'Guildford, Surrey, UK': three names joined by commas and no conjunction are a town, its county and its
    country, not a list; Surrey, the county, holds the English Guildford (the Canadian city of Surrey holds a
    Guildford too, and its prior is larger)."""
    text = "Samples went to a laboratory in Guildford, Surrey, UK, on Friday."
    found = resolve_article(mentions_of(text, ["Guildford", "Surrey", "UK"]), text, gazetteer,
                            conjunctions=ENGLISH_LISTS)
    assert [(found[i].place.country_code, found[i].place.feature) for i in range(3)] == [
        ("GB", "city"), ("GB", "admin2"), ("GB", "country")]


def test_an_abbreviated_division_the_model_tagged_is_one_mention_of_the_division(gazetteer):
    """'Cortland, N.Y.': the model's own 'N.Y.' is read as the state, not as New York City (an alternate name
    of the city in GeoNames); its 'Ga' of 'Rome, Ga.' becomes the one mention 'Ga.', the state, with no second
    row beside it."""
    text = "The buses run from Cortland, N.Y., to Ithaca. A shelter opened in Rome, Ga., on Monday."
    ms = [_misread(text, "Cortland", "GPE"), _misread(text, "N.Y.", "GPE"), _misread(text, "Ithaca", "GPE"),
          _misread(text, "Rome", "GPE"), _misread(text, "Ga", "GPE")]
    located, _, _ = locate_article(text, None, "en", ms, gazetteer)
    places = [(m["surface"], m.get("place_feature"), m.get("country_code")) for m in located if m["label"] == "GPE"]
    assert places == [("Cortland", "city", "US"), ("N.Y.", "admin1", "US"), ("Ithaca", "city", "US"),
                      ("Rome", "city", "US"), ("Ga.", "admin1", "US")]
    state = next(m for m in located if m["surface"] == "N.Y.")
    assert state["name"] == "New York" and 42 < state["lat"] < 44  # the state's point, not the city's (40.7)


def test_places_joined_by_and_with_their_containers_are_pairs_not_a_list(gazetteer):
    """'Springfield, Illinois, and Dayton, Ohio' and 'Clarksville and Detroit, Texas': a comma after the name
    the conjunction joins makes the run pairs of a town and its state.  'Texas, Utah and Virginia' stays a list."""
    text = ("The firm has plants in Springfield, Illinois, and Dayton, Ohio. The hikers came from Clarksville "
            "and Detroit, Texas. Voters in Texas, Utah and Virginia went to the polls.")
    names = ["Springfield", "Illinois", "Dayton", "Ohio", "Clarksville", "Detroit", "Texas", "Texas", "Utah", "Virginia"]
    ms = mentions_of(text, names)
    boxes = containers(ms, text, ENGLISH_LISTS)
    assert (boxes.get(0), boxes.get(2), boxes.get(5)) == (1, 3, 6) and 7 not in boxes and 8 not in boxes
    found = resolve_article(ms, text, gazetteer, conjunctions=ENGLISH_LISTS)
    got = [(ms[i]["surface"], r.place.feature, r.place.admin1) for i, r in sorted(found.items())]
    assert ("Springfield", "city", "IL") in got and ("Dayton", "city", "OH") in got
    assert ("Detroit", "city", "TX") in got  # a town of about 700 people, beside Michigan's city of 640,000
    assert [g for g in got if g[0] in ("Utah", "Virginia")] == [("Utah", "admin1", "UT"), ("Virginia", "admin1", "VA")]


def test_counties_are_read_inside_the_division_the_article_names_for_certain(gazetteer):
    """'Floyd County' and 'Polk County' are counties of six and eight states; beside 'Rome, Ga.' they are
    Georgia's, even where other names' likeliest places lie in other states (Lindale, Texas; Cave Spring,
    Virginia).  Where two divisions are named for certain, the one named more often holds the county."""
    text = ("ROME, Ga. — Floyd County opened a shelter for Rome, Lindale and Cave Spring, and Polk County will "
            "send animals there.")
    ms = mentions_of(text, ["ROME", "Floyd County", "Rome", "Lindale", "Cave Spring", "Polk County"])
    ms[0]["name"] = "Rome"
    ms = [dict(m, article_id="a1", sentence=0) for m in ms]
    located, _, _ = locate_article(text, None, "en", ms, gazetteer)
    counties = {m["surface"]: (m.get("place_feature"), m.get("lat")) for m in located if "County" in m["surface"]}
    assert counties["Floyd County"][0] == "admin2" and counties["Polk County"][0] == "admin2"
    assert all(33.9 < lat < 34.5 for _, lat in counties.values())  # north-west Georgia, not Virginia (36.9) or Texas
    text = ("Flooding closed roads in Michigan near Monroe County. Engineers from Columbus, Ohio, inspected a "
            "bridge. Michigan officials said repairs would take weeks.")
    ms = mentions_of(text, ["Michigan", "Monroe County", "Columbus", "Ohio", "Michigan"])
    found = resolve_article(ms, text, gazetteer, conjunctions=ENGLISH_LISTS)
    assert (found[1].place.feature, found[1].place.admin1) == ("admin2", "MI")


def test_a_dateline_names_a_town_and_its_neighbours_are_read_around_it(gazetteer):
    """'HOLLAND —' opens a story of a Michigan paper: a dateline names the town the story was filed from, never
    a country, so it is Holland, Michigan, not the Netherlands; a county the story names near it ('Ottawa
    County', a county of four states) is the one around that town."""
    text = "HOLLAND — The council voted to build a library branch. Ottawa County will pay a third of the cost."
    ms = [dict(m, article_id="a1", sentence=0) for m in mentions_of(text, ["HOLLAND", "Ottawa County"])]
    ms[0]["name"] = "Holland"
    located, focus, country = locate_article(text, None, "en", ms, gazetteer)
    town, county = located
    assert (town["country_code"], town["place_feature"]) == ("US", "city") and 42.5 < town["lat"] < 43.0
    assert (focus.name, country) == ("Holland", "US")
    assert county["place_feature"] == "admin2" and 42.8 < county["lat"] < 43.1  # Michigan's, by Holland
    # no dateline: the same names read by their priors, the Netherlands first
    plain = "Holland voted to build a library branch. Ottawa County will pay a third of the cost."
    ms = [dict(m, article_id="a1", sentence=0) for m in mentions_of(plain, ["Holland", "Ottawa County"])]
    located, _, _ = locate_article(plain, None, "en", ms, gazetteer)
    assert located[0]["country_code"] == "NL"


def test_small_towns_the_model_misread_are_places_near_the_towns_the_story_resolved(gazetteer):
    """'Schools in Whitney Point and Deposit closed' (towns of about 900 and 1,600 people that the model read as
    organisations) and 'Vestal, Endicott and Johnson City' (Endicott, about 13,000, read as an organisation):
    towns of those names lie within a county of the story's Binghamton, Vestal and Johnson City, so they are
    places.  With no such town resolved, the same names need the size a misread name needs anywhere."""
    text = ("BINGHAMTON — Residents of Vestal, Endicott and Johnson City moved cars. "
            "Schools in Whitney Point and Deposit closed early.")
    ms = [_misread(text, "BINGHAMTON", "GPE"), _misread(text, "Vestal", "GPE"), _misread(text, "Endicott", "ORG"),
          _misread(text, "Johnson City", "GPE"), _misread(text, "Whitney Point", "ORG"), _misread(text, "Deposit", "ORG")]
    ms[0]["name"] = "Binghamton"
    located, _, _ = locate_article(text, None, "en", ms, gazetteer)
    got = {m["surface"]: (m["label"], m.get("country_code")) for m in located}
    assert got["Endicott"] == got["Whitney Point"] == got["Deposit"] == ("GPE", "US")
    alone = "Schools in Whitney Point and Deposit closed early, officials said."
    ms = [_misread(alone, "Whitney Point", "ORG"), _misread(alone, "Deposit", "ORG")]
    located, _, _ = locate_article(alone, None, "en", ms, gazetteer)
    assert [m["label"] for m in located] == ["ORG", "ORG"]


def test_names_that_share_a_plural_division_noun_are_each_a_division(gazetteer):
    """'Broome and Tioga counties' (the model read 'Broome and Tioga' as one organisation) is Broome County and
    Tioga County; 'Anhui and Henan provinces' two provinces; 'the Northern and Eastern states' no place."""
    text = ("Warnings went out for Broome and Tioga counties near Binghamton. Rains hit Anhui and Henan provinces. "
            "Trade opened to the Northern and Eastern states.")
    ms = [_misread(text, "Broome and Tioga", "ORG"), _misread(text, "Binghamton", "GPE")]
    located, _, _ = locate_article(text, None, "en", ms, gazetteer)
    got = [(m["surface"], m.get("place_feature"), m.get("country_code")) for m in located]
    assert got == [("Broome", "admin2", "US"), ("Tioga", "admin2", "US"), ("Binghamton", "city", "US"),
                   ("Anhui", "admin1", "CN"), ("Henan", "admin1", "CN")]
    tioga = next(m for m in located if m["surface"] == "Tioga")
    assert tioga["lat"] > 41.95  # New York's Tioga County, beside Binghamton; Pennsylvania's lies south of 42


def test_a_title_case_dateline_with_its_division_is_the_dateline(gazetteer):
    """'Cortland, N.Y. —' as local papers write it: the town (which the model missed here) is a mention and the
    focus, and 'N.Y.' is the state.  A capitalised word before a dash with no division after it opens many a
    line that is no dateline ('Update — ...'), so title case alone is not enough."""
    from tasks.places.datelines import dateline_span
    text = "Cortland, N.Y. — The council met on Tuesday. Officials in Syracuse watched the vote."
    ms = [dict(m, article_id="a1", sentence=1) for m in mentions_of(text, ["Syracuse"])]
    located, focus, country = locate_article(text, None, "en", ms, gazetteer)
    assert [(m["surface"], m.get("place_feature")) for m in located] == [
        ("Cortland", "city"), ("N.Y.", "admin1"), ("Syracuse", "city")]
    assert (focus.name, focus.admin1, country) == ("Cortland", "NY", "US")
    assert dateline_span("Update — the council met on Tuesday.", "en") == (0, 0)
    assert dateline_span("Headline here\nRome, Ga. (AP) — The shelter opened.", "en")[1] > 0


def test_places_the_model_read_as_a_product_or_a_people_are_places_unless_written_as_adjectives(gazetteer):
    """'in Ithaca' read as a product and 'the Punjab province' read as a people's name are places; 'Somali
    refugees' is a people's adjective, even though Somali is the name of a region of Ethiopia."""
    text = "Buses stop in Ithaca. Floods hit the Punjab province. Aid reached Somali refugees in camps."
    ms = [_misread(text, "Ithaca", "PRODUCT"), _misread(text, "Punjab", "NORP"), _misread(text, "Somali", "NORP")]
    located, _, _ = locate_article(text, None, "en", ms, gazetteer)
    assert [(m["surface"], m["label"]) for m in located] == [("Ithaca", "GPE"), ("Punjab", "GPE"), ("Somali", "NORP")]
    assert "attributive" not in located[2]  # the mark is the stage's own, never a column


def test_an_agency_named_for_its_county_says_where_the_story_is(gazetteer):
    """'The Tompkins County Health Department' is an organisation, not a place mention, but only New York has a
    Tompkins County: the dateline 'LANSING' is then the town of about 3,600 people there, not Michigan's
    capital or the towns of Kansas and Illinois.  Names that several divisions or towns share ('Greene County',
    'Santa Ana', 'Washington') say nothing."""
    from tasks.places.hints import organisation_places
    orgs = ["Tompkins County Health Department", "Greene County Sheriff Office", "Santa Ana City Council",
            "Washington Post", "Town Board"]
    found = organisation_places([{"label": "ORG", "surface": o} for o in orgs], gazetteer)
    assert [(p.name, p.admin1) for p in found] == [("Tompkins County", "NY")]
    text = "LANSING — The Town Board heard residents. The Tompkins County Health Department asked for a study."
    ms = [_misread(text, "LANSING", "GPE"), _misread(text, "Town Board", "ORG"),
          _misread(text, "Tompkins County Health Department", "ORG")]
    ms[0]["name"] = "Lansing"
    located, focus, _ = locate_article(text, None, "en", ms, gazetteer)
    assert (located[0]["country_code"], focus.admin1) == ("US", "NY") and 42.3 < located[0]["lat"] < 42.7
    assert [m["label"] for m in located[1:]] == ["ORG", "ORG"]  # the agency stays an organisation


def test_a_name_after_to_or_from_is_a_place_only_as_a_town_of_the_neighbourhood(gazetteer):
    """'to Groton' (a village of about 2,000 people the model read as a person) is a place in a story from
    Ithaca, 20 km off; 'to Groton' in a story that resolved no town near it stays a person, as 'gave the
    prize to Groton' might be."""
    text = "ITHACA — A sewer line would run from the city to Groton along the state road."
    ms = [_misread(text, "ITHACA", "GPE"), _misread(text, "Groton", "PERSON")]
    ms[0]["name"] = "Ithaca"
    located, _, _ = locate_article(text, None, "en", ms, gazetteer)
    assert [(m["surface"], m["label"]) for m in located] == [("ITHACA", "GPE"), ("Groton", "GPE")]
    assert located[1]["country_code"] == "US" and 42.4 < located[1]["lat"] < 42.8
    alone = "The board gave the prize to Groton on Tuesday."
    located, _, _ = locate_article(alone, None, "en", [_misread(alone, "Groton", "PERSON")], gazetteer)
    assert located[0]["label"] == "PERSON"


def test_a_town_of_the_neighbourhood_the_model_read_as_an_organisation_is_a_place(gazetteer):
    """'Cortland built a similar line' in a story from Ithaca: the model's organisation is the city 30 km away.
    A person's name is left alone even there ('Cortland spoke' names a man)."""
    text = "ITHACA — The city will build a sewer line. Cortland built a similar line, and Cortland spoke."
    first = _misread(text, "Cortland", "ORG")
    second = dict(_misread(text, "Cortland spoke", "PERSON"), end_char=text.index("Cortland spoke") + 8,
                  surface="Cortland", name="Cortland")
    ms = [_misread(text, "ITHACA", "GPE"), first, second]
    ms[0]["name"] = "Ithaca"
    located, _, _ = locate_article(text, None, "en", ms, gazetteer)
    assert [m["label"] for m in located] == ["GPE", "GPE", "PERSON"]
    assert 42.5 < located[1]["lat"] < 42.7


def test_names_listed_with_a_small_town_are_the_towns_around_it(gazetteer):
    """'Mexico, Dixfield and Peru' beside Rumford, Maine: a list that names a small town names the towns around
    it, so Mexico and Peru are Maine's towns of those names, not the countries.  A list of countries stays
    countries, and a list of towns beside their state leaves the state alone."""
    text = ("The mill in Rumford, Maine, will close. Workers from Mexico, Dixfield and Peru commute to it. "
            "Trade talks with Mexico, Peru and Chile went on.")
    ms = mentions_of(text, ["Rumford", "Maine", "Mexico", "Dixfield", "Peru", "Mexico", "Peru", "Chile"])
    found = resolve_article(ms[:5], text, gazetteer, conjunctions=ENGLISH_LISTS)
    assert [(found[i].place.country_code, found[i].place.admin1) for i in range(2, 5)] == [("US", "ME")] * 3
    later = mentions_of(text[text.index("Trade"):], ["Mexico", "Peru", "Chile"])
    found = resolve_article(later, text[text.index("Trade"):], gazetteer, conjunctions=ENGLISH_LISTS)
    assert [found[i].place.feature for i in range(3)] == ["country"] * 3


def test_an_organisation_on_a_results_line_stays_the_club(gazetteer):
    """On a line that is no prose (a results table), a name the model read as an organisation is the club
    named after its town, even beside towns the story resolved: 'Brentford' is a town of west London there,
    but 'Brentford 2 Hatfield 1' reports a match.  In prose after 'in', the same name is the place."""
    text = ("LONDON — Results on Saturday:\nBrentford 2 Hatfield 1\nWatford 0 Luton 3\n\n"
            "Flooding closed roads in Brentford on Sunday.")
    ms = [_misread(text, "LONDON", "GPE"), _misread(text, "Brentford", "ORG")]
    ms[0]["name"] = "London"
    located, _, _ = locate_article(text, None, "en", ms, gazetteer)
    assert [m["label"] for m in located[:2]] == ["GPE", "ORG"]
    i = text.rindex("Brentford")
    prose = dict(ms[1], start_char=i, end_char=i + len("Brentford"))
    located, _, _ = locate_article(text, None, "en", [dict(ms[0]), prose], gazetteer)
    assert located[1]["label"] == "GPE" and "in_table" not in located[1]
