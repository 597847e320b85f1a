"""Names of diseases named after a place or a person ("West Nile virus", "Lyme disease", "Parkinson's disease",
"le virus Ebola"): the model reads the name as a place or a person, though the scheme it learned (OntoNotes)
names no disease.  A name written right before one of its language's disease nouns (the pack's
``disease_nouns``; one word may stand between: "Ebola hemorrhagic fever"), or right after one and its link
("la maladie de Lyme"), names the disease there; its other mentions in the article name it too, unless the
text writes them as a place ("first found in Marburg", "Reston, Virginia"): once an article has said which
disease it means, its bare name is that disease.  The mentions are dropped, as the model's scheme would."""
from __future__ import annotations

import re

from newsloom.lang import LanguagePack, alternatives
from tasks.identity.keys import fold

LOOK_CHARS = 40  # the text read after a name for its disease noun, and before it for a noun and its link
WORD_BEFORE_CHARS = 12  # the text read before a mention for a place preposition
CONTAINER_AFTER = re.compile(r",\s*[A-Z]")  # not language: a comma and a capitalised name after a town


def disease_patterns(pack: LanguagePack) -> tuple[re.Pattern | None, re.Pattern | None]:
    """(a disease noun after a name, a disease noun and its link before a name), each None where the pack
    has no such nouns; a line break never stands between a name and its noun (a headline's last word)."""
    lex = pack.lexicon
    after = before = None
    if lex.disease_nouns:
        after = re.compile(rf"(?:['’]s)?[ \t]+(?:[a-z]+[ \t]+)?[a-z]*(?i:{alternatives(lex.disease_nouns)})(?:e?s)?(?!\w)")
    if lex.disease_nouns_before:
        links = rf"(?:(?:{alternatives(lex.place_feature_links)})[ \t]*)?" if lex.place_feature_links else ""
        before = re.compile(rf"(?<!\w)(?i:{alternatives(lex.disease_nouns_before)})[ \t]+{links}$")
    return after, before


def disease_names(text: str, spans: list[dict], pack: LanguagePack) -> frozenset[str]:
    """The folded surfaces of the spans (dicts with start, end, surface) that the article writes as a
    disease's name at least once."""
    after, before = disease_patterns(pack)
    out = set()
    for m in spans:
        if (after is not None and after.match(text, m["end"], min(len(text), m["end"] + LOOK_CHARS))) or \
                (before is not None and before.search(text[max(0, m["start"] - LOOK_CHARS):m["start"]])):
            out.add(fold(m["surface"]))
    return frozenset(out)


def written_as_a_place(text: str, m: dict, where: frozenset[str]) -> bool:
    """A name after one of the language's place prepositions ("found in Marburg"), or before a comma and a
    capitalised name, as a town before its division ("Reston, Virginia")."""
    before = text[max(0, m["start"] - WORD_BEFORE_CHARS):m["start"]].split()
    return bool(before and before[-1].lower() in where) or CONTAINER_AFTER.match(text, m["end"]) is not None


def without_disease_names(text: str, spans: list[dict], pack: LanguagePack, names: frozenset[str]) -> list[dict]:
    """The spans that do not name a disease the article names (``names``, from ``disease_names``), and those
    written as a place (``written_as_a_place``): there the name is the place the disease was named after."""
    if not names:
        return spans
    where = frozenset(pack.lexicon.always_place_prepositions)
    return [m for m in spans if fold(m["surface"]) not in names or written_as_a_place(text, m, where)]
