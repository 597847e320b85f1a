"""The gazetteer: GeoNames places that install with the package, looked up by name.

One Parquet file (``data/gazetteer.parquet``, built by ``python -m tasks.places.build_gazetteer``) holds
continents, countries, first-level divisions and populated places, each with its coordinates, country,
division code, population and the names it is written by.  A worker loads it once (``load_gazetteer``) and
keeps a name index: a folded name gives the rows of every place written so, with no scan.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsloom.config import SMALLEST_PLACES
from newsloom.heap import kept_for_the_process
from tasks.identity.keys import fold

GAZETTEER_FILE = Path(__file__).parent / "data" / "gazetteer.parquet"
OUTLINES_FILE = Path(__file__).parent / "data" / "outlines.json"  # the countries' outlines, for the report's map
GAZETTEER_SCHEMA = pa.schema([
    ("geonameid", pa.string()), ("name", pa.string()), ("feature", pa.string()), ("country_code", pa.string()),
    ("admin1", pa.string()), ("lat", pa.float64()), ("lon", pa.float64()), ("population", pa.int64()),
    ("capital", pa.bool_()),  # a country's capital
    ("keys", pa.list_(pa.string())),  # every name it is written by, folded (tasks.identity.keys.fold)
])
# feature classes, largest first: a name shared by a country and a town is the country unless the text says
# otherwise ("Georgia" beside "Atlanta")
FEATURES = ("continent", "country", "admin1", "admin2", "city")
# populated places below this many people are left out: chosen on GeoVirus TUNE (docs/places.md)
DEFAULT_MIN_POPULATION = SMALLEST_PLACES


class Place(NamedTuple):
    geonameid: str
    name: str
    feature: str
    country_code: str | None
    admin1: str | None
    lat: float
    lon: float
    population: int
    capital: bool


@dataclass
class Gazetteer:
    """Places by row, held as columns (a Place is made when asked for), and folded name -> the rows of the
    places written so (one row as an int, several as a tuple: most names have one place)."""

    columns: dict[str, list]
    by_name: dict[str, int | tuple[int, ...]]
    country_of: dict[str, int]  # ISO code -> the country's row
    division_of: dict[tuple[str, str], int]  # (country, division code) -> the division's row

    def place(self, i: int) -> Place:
        return Place(*(self.columns[c][i] for c in Place._fields))

    def __len__(self) -> int:
        return len(self.columns["geonameid"])

    def candidates(self, name: str) -> list[Place]:
        rows = self.by_name.get(fold(name), ())
        return [self.place(i) for i in ((rows,) if isinstance(rows, int) else rows)]

    def country(self, code: str | None) -> Place | None:
        i = self.country_of.get(code or "")
        return self.place(i) if i is not None else None

    def division(self, country_code: str | None, admin1: str | None) -> Place | None:
        i = self.division_of.get((country_code or "", admin1 or ""))
        return self.place(i) if i is not None else None


def _name_index(keys: pa.ChunkedArray) -> dict[str, int | tuple[int, ...]]:
    flat = pc.list_flatten(keys).to_pylist()
    rows = pc.list_parent_indices(keys).to_pylist()
    index: dict[str, int | tuple[int, ...]] = {}
    for key, row in zip(flat, rows):
        have = index.get(key)
        if have is None:
            index[key] = row
        elif isinstance(have, int):
            index[key] = (have, row)
        else:
            index[key] = (*have, row)
    return index


def read_gazetteer(path: Path = GAZETTEER_FILE, min_population: int = DEFAULT_MIN_POPULATION) -> Gazetteer:
    """The gazetteer at ``path``, populated places of fewer than ``min_population`` people left out."""
    if not path.exists():
        raise FileNotFoundError(f"no gazetteer at {path}: rebuild it with python -m tasks.places.build_gazetteer")
    table = pq.read_table(path, use_threads=False)
    keep = pc.or_(pc.not_equal(table.column("feature"), "city"),
                  pc.greater_equal(table.column("population"), min_population))
    table = table.filter(keep)
    columns = {c: table.column(c).to_pylist() for c in Place._fields}
    for c in ("feature", "country_code", "admin1"):  # a few hundred distinct values: one object each
        columns[c] = [sys.intern(v) if v is not None else None for v in columns[c]]
    features, codes, admin1 = columns["feature"], columns["country_code"], columns["admin1"]
    countries = {codes[i]: i for i, f in enumerate(features) if f == "country"}
    divisions = {(codes[i], admin1[i]): i for i, f in enumerate(features) if f == "admin1"}
    gazetteer = Gazetteer(columns, _name_index(table.column("keys")), countries, divisions)
    del table, keep
    pa.default_memory_pool().release_unused()  # the decoded file's buffers go back: only the index stays
    return gazetteer


@lru_cache(maxsize=4)
def load_gazetteer(min_population: int = DEFAULT_MIN_POPULATION) -> Gazetteer:
    """The shipped gazetteer, read once per process (a worker keeps it like its spaCy model)."""
    return kept_for_the_process(read_gazetteer(GAZETTEER_FILE, min_population))


EARTH_RADIUS_KM = 6371.0


def distance_km(a: Place, b: Place) -> float:
    """The great-circle distance between two places' points."""
    la1, la2, dlon = math.radians(a.lat), math.radians(b.lat), math.radians(b.lon - a.lon)
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
