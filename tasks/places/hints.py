"""Places an organisation's name locates: "the Tompkins County Health Department", "Missouri State Highway Patrol".

A local story names its county's and its state's agencies more often than the county or the state itself.
Such a name is no place mention (the row stays the organisation's), but the division it opens with says where
the story is.  Only a division the gazetteer knows by that name in one first-level division is read: "Greene
County" names counties of fourteen states and says nothing, "Tompkins County" one.
"""
from __future__ import annotations

from tasks.identity.keys import fold
from tasks.places.gazetteer import Gazetteer, Place

ORGANISATION_LABEL = "ORG"
HINT_FEATURES = ("admin1", "admin2")


def organisation_places(mentions: list[dict], gazetteer: Gazetteer) -> list[Place]:
    """The divisions the organisations of an article are named after, one per organisation mention: its
    longest opening words, short of its whole name, that name divisions of one first-level division only."""
    out = []
    for m in mentions:
        words = (m.get("surface") or "").split() if m["label"] == ORGANISATION_LABEL else []
        for k in range(len(words) - 1, 0, -1):
            if (place := only_division(" ".join(words[:k]), gazetteer)) is not None:
                out.append(place)
                break
    return out


def only_division(name: str, gazetteer: Gazetteer) -> Place | None:
    """The division of that exact name, where every place of that name (a division or a town) lies in one
    first-level division ("Tompkins County"; "New York", the state and its city); None otherwise ("Santa Ana"
    is a department of El Salvador and a city of California; "Washington" a state and towns of many)."""
    same = [p for p in gazetteer.candidates(name) if fold(p.name) == fold(name)]
    divisions = [p for p in same if p.feature in HINT_FEATURES]
    if not divisions or len({(p.country_code, p.admin1) for p in same}) > 1:
        return None
    return max(divisions, key=lambda p: p.feature)  # admin2 over admin1
