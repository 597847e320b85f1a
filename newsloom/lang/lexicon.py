"""The words of a language that the quote, entity and clean code reads, from one data file per language.

``newsloom/lang/<code>.json`` (ISO 639-1) holds the reporting verbs, the verbs of manner, belief,
attitude and intention, pronouns, role nouns, titles of persons, the small words of titles, the quotation
marks, the page-chrome lines and the words of datelines.  The code holds no word list of its own: adding a
language means adding a file (and a spaCy model that serves the language, newsloom.models).  A key the
file leaves out is empty for that language; a key the code does not know is an error.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Lexicon:
    language: str
    reporting_verbs: frozenset
    manner_verbs: frozenset
    not_indirect_verbs: frozenset
    belief_verbs: frozenset
    attitude_verbs: frozenset
    intent_verbs: frozenset
    speaker_subject_verbs: frozenset
    gap_cue_words: frozenset
    pronouns: frozenset
    possessive_pronouns: frozenset
    not_speakers: frozenset
    role_nouns: frozenset
    org_role_nouns: frozenset
    title_small_words: frozenset
    work_title_words: tuple
    title_role_words: tuple
    sign_words: tuple
    open_close: dict
    symmetric: frozenset
    source_prepositions: tuple = ()
    complementizers: frozenset = frozenset()
    leading_articles: tuple = ()
    person_titles: tuple = ()
    chrome_lines: tuple = ()
    end_markers: tuple = ()
    cookie_words: frozenset = frozenset()
    consent_words: frozenset = frozenset()
    months: tuple = ()
    weekdays: tuple = ()
    dateline_prefixes: tuple = ()
    inverted_pronouns: frozenset = frozenset()
    name_joiners: tuple = ()
    name_particles: frozenset = frozenset()

    @property
    def cues(self) -> frozenset:
        """Every verb that can frame a direct quote: reporting verbs and verbs of manner."""
        return self.reporting_verbs | self.manner_verbs

    @property
    def indirect_cues(self) -> frozenset:
        """Verbs that take reported speech or thought as a clause."""
        return (self.reporting_verbs - self.not_indirect_verbs) | self.belief_verbs

    @property
    def attribution_verbs(self) -> frozenset:
        """Every verb that can frame an attribution of speech, belief, attitude or intention."""
        return self.cues | self.belief_verbs | self.attitude_verbs | self.intent_verbs

    @property
    def marks(self) -> frozenset:
        return frozenset("".join(self.open_close) + "".join(self.open_close.values())) | self.symmetric


def lexicon_exists(language: str) -> bool:
    return (resources.files("newsloom") / "lang" / f"{language}.json").is_file()


def languages() -> list[str]:
    """The codes of every language that has a lexicon file."""
    return sorted(p.name.removesuffix(".json") for p in (resources.files("newsloom") / "lang").iterdir()
                  if p.name.endswith(".json"))


@lru_cache(maxsize=None)
def load_lexicon(language: str = "en") -> Lexicon:
    """The lexicon of ``language``; FileNotFoundError names the file a new language needs."""
    path = resources.files("newsloom") / "lang" / f"{language}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no lexicon for language {language!r}: add newsloom/lang/{language}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    known = set(Lexicon.__annotations__) - {"open_close", "symmetric"} | {"quote_marks", "_about"}
    if unknown := set(data) - known:
        raise ValueError(f"newsloom/lang/{language}.json: unknown keys {sorted(unknown)}")
    marks = data.get("quote_marks", {})
    kw = {}
    for name, typ in Lexicon.__annotations__.items():
        if name == "language":
            kw[name] = data["language"]
        elif name == "open_close":
            kw[name] = dict(marks.get("open_close", {}))
        elif name == "symmetric":
            kw[name] = frozenset(marks.get("symmetric", ()))
        elif typ == "tuple":
            kw[name] = tuple(tuple(x) if isinstance(x, list) else x for x in data.get(name, ()))
        else:
            kw[name] = frozenset(data.get(name, ()))
    return Lexicon(**kw)


def all_lexicons() -> list[Lexicon]:
    return [load_lexicon(code) for code in languages()]


LEXICON = load_lexicon("en")
