"""Two persons of one surname in one article ("Mr. Clinton" and "Mrs. Clinton", a father and his daughter):
a surname written alone after a gendered title is the one of that gender.

The genders come from the article's own titles (the pack's gendered titles), never from first names: a full
name takes the gender of a title written before it ("Mrs. Ana Ruiz"), or before its surname alone while it
is the only person of that surname the article has named so far.  So the rule only works where the article
itself says which namesake is which; elsewhere the nearest full name before the surname stands, as before.
"""
from __future__ import annotations

from newsloom.lang import LanguagePack
from tasks.extract.spans import title_gender
from tasks.identity.keys import name_tokens, surname


def full_name_genders(raw: list[dict], full_by_surname: dict[str, list[tuple[int, str]]],
                      pack: LanguagePack) -> dict[str, str]:
    """full name -> the gender the article's titles give it; a name given both genders has none."""
    said: dict[str, set[str]] = {}
    for m in raw:
        gender = title_gender(m.get("title"), pack)
        if gender is None or m["alias"]:
            continue
        if len(name_tokens(m["surface"])) >= 2:
            names = {m["surface"]}
        else:  # evidence only while the article has named one person of that surname
            names = {name for start, name in full_by_surname.get(surname(m["surface"]), ()) if start < m["start"]}
        if len(names) == 1:
            said.setdefault(names.pop(), set()).add(gender)
    return {name: genders.pop() for name, genders in said.items() if len(genders) == 1}


def namesake_of_gender(names_before: list[str], gender: str | None, genders: dict[str, str]) -> str | None:
    """Of the full names written before a surname alone (in text order), the one its title's ``gender``
    points to: the last of that gender, else the last of no known gender; None when the title has no gender
    or the names are of one person."""
    if gender is None or len(set(names_before)) < 2:
        return None
    same = [n for n in names_before if genders.get(n) == gender]
    unknown = [n for n in names_before if n not in genders]
    return (same or unknown or [None])[-1]
