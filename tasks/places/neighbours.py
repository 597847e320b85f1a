"""The towns around the places a story resolved: a local story names its small towns beside one another.

The model reads many small towns as persons or organisations ("Schools in Whitney Point and Deposit closed"),
and the rules that find places in a place's context (``tasks.places.places_in_context``, the list partners
of ``tasks.places.lists``) ask a misread or a missed name for a town of some thousands of people, since a
person or a firm may stand in those contexts too.  A town of that name within ``NEIGHBOUR_KM`` of a town or
county the story already resolved is the evidence that lifts that floor: two names that are neighbouring
towns by chance are rare, and a story about one town names the towns around it.  For the same reason the
names of one list with a town are read as the towns around it (``list_kin``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tasks.places.gazetteer import Place, distance_km

# how far from a town or county the story resolved a town may lie and count as its neighbour: a county or two,
# the area a local paper covers
NEIGHBOUR_KM = 50
HOME_FEATURES = ("city", "admin2")  # a country's or a state's point is its middle: no neighbourhood
# the floor of a context that names places no more often than other things ("to Groton", "to Smith"): only a town
# of the neighbourhood is a place there, whatever its size, and nothing is without a neighbourhood
NEIGHBOURS_ONLY = -1
# how far from the town a story was filed from its other towns and counties may lie and still be read as its
# own: a local paper's area, a county or two around it
NEAR_DATELINE_KM = 80


@dataclass(frozen=True)
class Neighbourhood:
    """The towns and counties a story resolved, whose neighbouring towns it may name."""

    homes: tuple[Place, ...]

    def holds(self, place: Place) -> bool:
        """Whether ``place`` is a town within ``NEIGHBOUR_KM`` of one of the homes (not a home itself)."""
        return place.feature == "city" and any(
            h.geonameid != place.geonameid and distance_km(h, place) <= NEIGHBOUR_KM for h in self.homes)


def neighbourhood_of(places: list[Place]) -> Neighbourhood | None:
    """The neighbourhood of a story's resolved places; None when it resolved no town or county."""
    homes = tuple({p.geonameid: p for p in places if p.feature in HOME_FEATURES}.values())
    return Neighbourhood(homes) if homes else None


def best_of(scores: Counter) -> str:
    """The id of a name's likeliest place: the highest summed score (ties to the larger id, for a stable run)."""
    return max(scores.items(), key=lambda kv: (kv[1], kv[0]))[0]


def near_the_dateline(scores: dict[str, Counter], by_id: dict[str, Place], dateline_key: str, counts: Counter,
                      weight: float) -> None:
    """Raise every other name's towns and counties within ``NEAR_DATELINE_KM`` of the town the dateline
    likeliest names, by ``weight`` for each of their mentions: a local story's places lie around the town it
    was filed from ("Hamilton" in a story from Holland, Michigan, is Michigan's).  One way only, from the
    dateline's first reading: never a loop."""
    home = by_id[best_of(scores[dateline_key])]
    if home.feature != "city":
        return
    for key, c in scores.items():
        if key == dateline_key:
            continue
        for gid in c:
            if by_id[gid].feature in HOME_FEATURES and distance_km(home, by_id[gid]) <= NEAR_DATELINE_KM:
                c[gid] += weight * counts[key]


def list_kin(scores: dict[str, Counter], by_id: dict[str, Place], keys: list[str], weight: float) -> None:
    """Raise, for each name of one list, its towns in the neighbourhood of the towns the list's other names
    likeliest are: the items of a list are of one kind, and a list that names a small town names the towns
    around it ("Mexico, Dixfield and Peru" beside Rumford, Maine, are Maine's towns, not two countries), and
    never the town another name of it already is.  A name first read as a state is left alone: lists name
    states beside towns ("Long Island, New York, and Pennsylvania"), and rarely countries.  Read once, from
    each name's first reading."""
    first = {key: by_id[best_of(scores[key])] for key in set(keys) & set(scores)}
    homes = {key: p for key, p in first.items() if p.feature == "city"}
    for key, p in first.items():
        near = Neighbourhood(tuple(h for k, h in homes.items() if k != key))
        if p.feature == "admin1" or not near.homes:
            continue
        for gid in [gid for gid in scores[key] if near.holds(by_id[gid])]:
            scores[key][gid] += weight
