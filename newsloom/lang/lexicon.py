"""The words of a language that the quote, entity and clean code reads, from one data file per language.

``newsloom/lang/<code>.json`` (ISO 639-1) holds the reporting verbs, the verbs of manner, belief,
attitude and intention, pronouns, role nouns, titles of persons, the small words of titles, the quotation
marks, the page-chrome lines and the words of datelines.  The code holds no word list of its own: adding a
language means adding a file (and a spaCy model that serves the language, newsloom.models).  A key the
file leaves out is empty for that language; a key the code does not know is an error.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Lexicon:
    """One language's words.  The unions below are read once per token: they are computed once per lexicon
    (cached_property writes the instance's dict directly, which a frozen dataclass allows)."""
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
    published_labels: tuple = ()  # words that label a page's publication date ("Published", "Publié le")
    updated_labels: tuple = ()  # ... its update date, which is never the publication date ("Updated")
    byline_labels: tuple = ()  # the words a byline opens with ("By", "Written by", "Par")
    not_author_labels: tuple = ()  # navigation labels near bylines that are never a name ("About the Author")
    # labels of a person who did other work on the piece than write it ("Reviewed by", "Edited by"): the name
    # after one is never the byline's
    other_role_labels: tuple = ()
    portrait_words: tuple = ()  # words an image's alt text adds to a person's name ("Ana Ruiz headshot")
    list_conjunctions: tuple = ()  # the word before a list's last item: "Ana Ruiz and Li Wei", "Léa Roux et Paul Diop"
    author_path_words: tuple = ()  # the path segment of a link to an author's page ("/author/ana-ruiz")
    byline_stop_words: tuple = ()  # words where a byline's names end: "Ana Ruiz on Friday", "Ana Ruiz writes"
    writer_roles: tuple = ()  # a writer's job words, where a byline's names end too: "Ana Ruiz, Senior Writer"
    inverted_pronouns: frozenset = frozenset()
    name_joiners: tuple = ()
    name_particles: frozenset = frozenset()
    generational_suffixes: frozenset = frozenset()
    key_articles: frozenset = frozenset()
    quote_finder: str = ""
    capitals_mark_names: bool = False  # a capital inside a sentence marks a name (not every noun, as in German)
    stemmer: str = ""  # the Snowball algorithm for the language's word stems ("english"), where it has one
    org_noun_before_names: bool = False
    names_after_role_nouns: bool = False
    title_case_headlines: bool = False  # headlines set in title case ("Mayor Rejects Harbour Plan")
    gendered_titles: dict = None  # gender -> the folded titles that say it ("mrs" -> female)
    title_modifiers: frozenset = frozenset()  # folded words of person_titles that qualify a title ("former")
    relative_pronouns: tuple = ()
    person_relative_pronouns: tuple = ()
    auxiliaries: tuple = ()
    plural_determiners: frozenset = frozenset()
    weak_source_prepositions: frozenset = frozenset()
    day_ordinals: tuple = ()
    dateline_time_words: tuple = ()
    month_first_datelines: bool = False
    # dates in numbers read month first ("03/04/2026" is March 4) where neither the page nor its site's
    # country says otherwise; tasks.clean.dates.day_first_page
    numeric_month_first: bool = False
    place_prepositions: frozenset = frozenset()
    always_place_prepositions: frozenset = frozenset()
    # a word joined by a hyphen after a place's name that makes it one ("Tarrow-based"); tasks.places
    place_compound_suffixes: frozenset = frozenset()
    # a place's kind and the word that links it to the place's name ("the town of Tarrow", "la commune de
    # Tarrow"): the name after them is a place whatever its size; tasks.places
    place_feature_nouns: frozenset = frozenset()
    place_feature_links: tuple = ()
    # a word that, with a place link after it, stands before a place as a place noun does ("30 miles south of
    # Homer", "the mayor of Homer", "au nord de Cancale"); tasks.places
    place_relation_nouns: frozenset = frozenset()
    # a word naming a division's kind, written after its name or before it with a place link ("Henan
    # province", "Province of Zaire", "la région de Bretagne"): a place name not found whole is looked up
    # without it; tasks.places.resolve
    division_nouns: frozenset = frozenset()
    # the nouns of a disease named after a place or a person, written after its name ("West Nile virus") or
    # before it with or without a place link ("la maladie de Lyme", "le virus Ebola"): the name there is no
    # place and no person; tasks.extract.diseases
    disease_nouns: frozenset = frozenset()
    disease_nouns_before: frozenset = frozenset()
    # verbs of asking (lemmas): content after one in the passive or as a bare participle ("Asked about the
    # budget, she ...", "when asked whether ...") is the question of an asker the text does not name, not
    # words of the person asked; tasks.quotes.extract
    question_verbs: frozenset = frozenset()
    # verbs of appearance (lemmas): their subject is what seems so to the writer ("the mayor seemed
    # unconvinced"), not a speaker; tasks.quotes.extract
    appearance_verbs: frozenset = frozenset()
    # words of direction that name a part of whatever place the text is about ("the South", "Western"); a
    # division named by one alone needs the article's support; tasks.places
    compass_words: frozenset = frozenset()
    event_nouns: frozenset = frozenset()
    demonym_suffixes: tuple = ()
    source_clause_markers: frozenset = frozenset()
    parse_labels: dict = None  # role -> the dependency label this language's parser gives it
    # the language's newsroom abbreviations of divisions, as written after a town ("Alexandria, La.") ->
    # the division's GeoNames key (country.admin1: "US.LA"); tasks.places
    division_abbreviations: dict = None
    # a division's kind in the plural -> in the singular, written after a list of names that share it ("Broome
    # and Tioga counties": Broome County and Tioga County); tasks.places.lists
    division_plurals: dict = None

    @cached_property
    def title_genders(self) -> dict:
        """folded title -> the gender it says ("mrs" -> "female"), from ``gendered_titles``."""
        return {title: gender for gender, titles in sorted((self.gendered_titles or {}).items())[::-1]
                for title in titles}

    @cached_property
    def cues(self) -> frozenset:
        """Every verb that can frame a direct quote: reporting verbs and verbs of manner."""
        return self.reporting_verbs | self.manner_verbs

    @cached_property
    def indirect_cues(self) -> frozenset:
        """Verbs that take reported speech or thought as a clause."""
        return (self.reporting_verbs - self.not_indirect_verbs) | self.belief_verbs

    @cached_property
    def attribution_verbs(self) -> frozenset:
        """Every verb that can frame an attribution of speech, belief, attitude or intention."""
        return self.cues | self.belief_verbs | self.attitude_verbs | self.intent_verbs



PACKS_ENV = "NEWSLOOM_LANGUAGE_PACKS"  # more folders of <code>.json files, os.pathsep-separated


def pack_dirs() -> list:
    """Where lexicon files are looked for: the shipped ``newsloom/lang/``, then each folder the environment
    variable NEWSLOOM_LANGUAGE_PACKS names (a user's own language, without editing the package)."""
    extra = [Path(p) for p in os.environ.get(PACKS_ENV, "").split(os.pathsep) if p]
    return [resources.files("newsloom") / "lang", *extra]


def lexicon_path(language: str):
    """The lexicon file of ``language`` (the first found), or None."""
    return next((d / f"{language}.json" for d in pack_dirs() if (d / f"{language}.json").is_file()), None)


def lexicon_exists(language: str) -> bool:
    return lexicon_path(language) is not None


def languages() -> list[str]:
    """The codes of every language that has a lexicon file."""
    return sorted({p.name.removesuffix(".json") for d in pack_dirs() if d.is_dir() for p in d.iterdir()
                   if p.name.endswith(".json")})


def empty_lexicon(language: str) -> Lexicon:
    """The lexicon of a language with no file: every list empty (its mentions come from the model alone)."""
    return _lexicon(language, {"language": language}, "")


@lru_cache(maxsize=None)
def load_lexicon(language: str) -> Lexicon:
    """The lexicon of ``language``; FileNotFoundError names the file a new language needs."""
    path = lexicon_path(language)
    if path is None:
        raise FileNotFoundError(f"no lexicon for language {language!r}: add newsloom/lang/{language}.json")
    return _lexicon(language, json.loads(path.read_text(encoding="utf-8")), str(path))


def _lexicon(language: str, data: dict, where: str) -> Lexicon:
    known = set(Lexicon.__annotations__) - {"open_close", "symmetric"} | {"quote_marks", "_about"}
    if unknown := set(data) - known:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    marks = data.get("quote_marks", {})
    kw = {}
    for name, typ in Lexicon.__annotations__.items():
        if name == "language":
            kw[name] = data["language"]
        elif name == "open_close":
            kw[name] = dict(marks.get("open_close", {}))
        elif name == "symmetric":
            kw[name] = frozenset(marks.get("symmetric", ()))
        elif typ == "str":
            kw[name] = str(data.get(name, ""))
        elif typ == "bool":
            kw[name] = bool(data.get(name, False))
        elif typ == "dict":
            kw[name] = dict(data.get(name, {}))
        elif typ == "tuple":
            kw[name] = tuple(tuple(x) if isinstance(x, list) else x for x in data.get(name, ()))
        else:
            kw[name] = frozenset(data.get(name, ()))
    return Lexicon(**kw)

