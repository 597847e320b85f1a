"""The towns around the places a story resolved: a local story names its small towns beside one another.

The model reads many small towns as persons or organisations ("Schools in Whitney Point and Deposit closed"),
and the rules that find places in a place's context (``tasks.places.places_in_context``, the list partners
of ``tasks.places.lists``) ask a misread or a missed name for a town of some thousands of people, since a
person or a firm may stand in those contexts too.  A town of that name within ``NEIGHBOUR_KM`` of a town or
county the story already resolved is the evidence that lifts that floor: two names that are neighbouring
towns by chance are rare, and a story about one town names the towns around it.
"""
from __future__ import annotations

from dataclasses import dataclass

from tasks.places.gazetteer import Place
from tasks.places.resolve import distance_km

# how far from a town or county the story resolved a town may lie and count as its neighbour: a county or two,
# the area a local paper covers
NEIGHBOUR_KM = 50
HOME_FEATURES = ("city", "admin2")
# the floor of a context that names places no more often than other things ("to Groton", "to Smith"): only a town
# of the neighbourhood is a place there, whatever its size, and nothing is without a neighbourhood
NEIGHBOURS_ONLY = -1  # a country's or a state's point is its middle: no neighbourhood


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
