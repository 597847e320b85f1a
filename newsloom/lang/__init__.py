"""Language packs: everything the stages know about a language, in one place per language.

A pack is built from ``newsloom/lang/<code>.json`` (ISO 639-1): the lexicon (reporting verbs, pronouns,
role nouns, titles, quotation marks, months, chrome lines, ...), and what is derived from it once, on first
use, and cached on the pack (compiled patterns, the quote finder's name).  Stages ask ``pack_for(code)``
and never compare a language code: adding a language is adding its file (and a spaCy model that serves
it, newsloom.models).
"""
from __future__ import annotations

from functools import lru_cache

from newsloom.lang.lexicon import Lexicon, languages, lexicon_exists, load_lexicon

__all__ = ["Lexicon", "languages", "lexicon_exists", "load_lexicon", "name_particles"]


@lru_cache(maxsize=1)
def name_particles() -> frozenset[str]:
    """The small words inside names (al-, bin, van, von, de, du, ...) of every pack: a name keeps the
    particles of its origin whatever the language of the article that writes it."""
    return frozenset().union(*(load_lexicon(code).name_particles for code in languages()))
