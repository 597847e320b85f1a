"""Language packs: everything the stages know about a language, in one place per language.

A pack is ``newsloom/lang/<code>.json`` (ISO 639-1), the lexicon: reporting verbs, pronouns, role nouns,
titles, quotation marks, months, chrome lines, mention cues and the parse labels they read, the name of its
quote finder; and, where a language needs patterns that are not word lists, a small module
``newsloom/lang/<code>.py`` whose ``patterns(lexicon)`` returns them by name.  Everything is built on first
use and cached on the pack, never at import.

Stages ask ``pack_for(code)`` and never compare a language code.  Adding a language is adding its JSON file
(and a spaCy model that serves it, newsloom.models); its module is optional.  A pattern or word list a pack
does not have is ``None`` or empty, and the rule that reads it does not run for that language.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import snowballstemmer
import spacy

from newsloom.lang.lexicon import Lexicon, empty_lexicon, languages, lexicon_exists, load_lexicon

__all__ = ["LanguagePack", "Lexicon", "QuoteMarks", "alternatives", "languages", "lexicon_exists", "load_lexicon",
           "name_particles", "pack_for", "all_packs", "reload_packs", "key_articles", "generational_suffixes"]


CONTENT_WORD = re.compile(r"\w+")  # apostrophes split words: "l'usine" -> "l", "usine"; "Dorn's" -> "dorn", "s"
# what comes right before a sentence's first word (a few characters back): a sentence's end, an opening mark
SENTENCE_OPENS = re.compile(r"[.!?:;…«“‘\"'(\[—–-]\W*$")
OPENER_WINDOW = 4  # characters looked at: the mark and the spaces or quotation marks after it
STEM_CACHE = 1 << 16  # distinct words stemmed once each; news vocabularies of a run fit many times over


def opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the text or a sentence (so its capital says nothing)."""
    before = text[max(0, start - OPENER_WINDOW):start]
    return (start <= OPENER_WINDOW and not any(c.isalnum() for c in text[:start])) or bool(SENTENCE_OPENS.search(before))


def alternatives(words) -> str:
    """A regex alternation of ``words``, longest first (so "de la" is tried before "de")."""
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


@dataclass(frozen=True)
class QuoteMarks:
    """A language's quotation marks: opening mark -> the marks that close it, and marks that do both.  The
    derived sets are read once per character or token: each is computed once."""
    open_close: dict
    symmetric: frozenset

    @cached_property
    def all(self) -> frozenset:
        return frozenset("".join(self.open_close) + "".join(self.open_close.values())) | self.symmetric

    @cached_property
    def openers(self) -> str:
        return "".join(sorted(set(self.open_close) | self.symmetric))

    @cached_property
    def closers(self) -> str:
        return "".join(sorted(set("".join(self.open_close.values())) | self.symmetric))


class LanguagePack:
    """One language: its lexicon, its quotation marks, its patterns, its quote finder."""

    def __init__(self, code: str):
        self.code = code

    def __repr__(self) -> str:
        return f"LanguagePack({self.code!r})"

    @cached_property
    def has_lexicon(self) -> bool:
        """Whether the language has a lexicon file; without one, its pack is empty: mentions come from the
        model alone and no quotes are found."""
        return lexicon_exists(self.code)

    @cached_property
    def lexicon(self) -> Lexicon:
        return load_lexicon(self.code) if self.has_lexicon else empty_lexicon(self.code)

    @property
    def quote_finder(self) -> str | None:
        """The name of the finder that reads this language's quotes (tasks.quotes.FINDERS): the trained
        attribution tagger or the lexicon's rules; None for a pack that finds no quotes."""
        return self.lexicon.quote_finder or None

    @cached_property
    def marks(self) -> QuoteMarks:
        return QuoteMarks(dict(self.lexicon.open_close), frozenset(self.lexicon.symmetric))

    @cached_property
    def stop_words(self) -> frozenset[str]:
        """The language's function words: spaCy's own list for the language (its language data, no model
        needed), empty where spaCy has no class for it."""
        try:
            return frozenset(spacy.util.get_lang_class(self.code).Defaults.stop_words)
        except ImportError:  # spaCy raises ImportError for a language code it does not know
            return frozenset()

    @cached_property
    def _stem(self):
        """word -> its stem by the pack's Snowball stemmer (each word stemmed once), or the word itself."""
        if not self.lexicon.stemmer:
            return lambda word: word
        stemmer = snowballstemmer.stemmer(self.lexicon.stemmer)
        return lru_cache(maxsize=STEM_CACHE)(stemmer.stemWord)

    def content_words(self, text: str) -> list[str]:
        """The stems of ``text``'s content words, in order: lowercased words of two characters or more that
        are not stop words.  "Raises" and "raised" are one stem, so a changed tense still matches."""
        return [stem for stem, _ in self.marked_content_words(text)]

    def marked_content_words(self, text: str) -> list[tuple[str, bool]]:
        """``content_words`` with, for each, whether it is written as a name: capitalised where a sentence
        does not open, in a language whose capitals mark names (``capitals_mark_names``)."""
        stop, stem, names = self.stop_words, self._stem, self.lexicon.capitals_mark_names
        out = []
        for m in CONTENT_WORD.finditer(text):
            word = m.group().lower()
            if len(word) > 1 and word not in stop:
                name = names and m.group()[0].isupper() and not opens_sentence(text, m.start())
                out.append((stem(word), bool(name)))
        return out

    @cached_property
    def _module_patterns(self) -> dict[str, re.Pattern]:
        if not self.has_lexicon or not (resources.files("newsloom") / "lang" / f"{self.code}.py").is_file():
            return {}
        return importlib.import_module(f"newsloom.lang.{self.code}").patterns(self.lexicon)

    @cached_property
    def _lexicon_patterns(self) -> dict[str, re.Pattern | None]:
        return lexicon_patterns(self.lexicon)

    def pattern(self, name: str) -> re.Pattern | None:
        """A compiled pattern of this language by name (None where the language has none)."""
        if name not in MODULE_PATTERNS and name not in self._lexicon_patterns:
            raise KeyError(f"no pattern named {name!r} (newsloom.lang.lexicon_patterns or MODULE_PATTERNS)")
        return self._module_patterns.get(name, self._lexicon_patterns.get(name))

    def parse_labels(self, role: str) -> frozenset[str]:
        """The dependency labels this language's parser gives a role ("prepositional_object": pobj); empty
        where the pack names none, and a rule that reads the role does not run."""
        return frozenset(self.lexicon.parse_labels.get(role, ()))


# the patterns a language's module may define (newsloom/lang/<code>.py); a pack without one has None
MODULE_PATTERNS = frozenset({
    "title_tail", "title_head", "person_tail", "abbreviation_end", "org_context_before", "org_context_after",
    "org_words", "dateline", "place_dateline", "byline_part", "byline_after", "byline_before", "broadcast_title",
    "on_title", "list_next", "list_prev", "in_words",
})


def _compile(template: str, words, flags: int = 0) -> re.Pattern | None:
    return re.compile(template.format(alt=alternatives(words)), flags) if words else None


def lexicon_patterns(lex: Lexicon) -> dict[str, re.Pattern | None]:
    """The patterns every language builds from its word lists alone."""
    name = r"[A-ZÀ-Ý][\w'’-]+"
    titles = "|".join(lex.person_titles)  # regular expressions, not words: joined as they are
    return {
        # a run of titles that may open a person's name: titles.match(text, pos)
        "person_titles": re.compile(rf"(?:(?:{titles})\s+)+") if titles else None,
        # the titles right before a name: "Mrs. " in "Mrs. Okafor" (search text[:start])
        "person_titles_before": re.compile(rf"(?<![\w.])(?:(?:{titles})\s+)+$") if titles else None,
        # one title of such a run
        "person_title": re.compile(rf"(?<![\w.])(?:{titles})(?=\s)") if titles else None,
        # an organisation's noun right before a name ("l'association ")
        "org_noun_before": _compile(r"\b(?:{alt})\s+$", lex.org_role_nouns if lex.org_noun_before_names else (),
                                    re.IGNORECASE),
        # a person's role noun right before a name, or before it and a comma ("chief executive ", "union
        # leader ", "its operations director, ", "l'économiste ")
        "role_noun_before": _compile(r"\b(?:{alt}),?\s+$", lex.role_nouns, re.IGNORECASE),
        # lowercase words and a joiner between two pieces of one organisation's name ("portuaire du")
        "name_glue": _compile(r"(?:\s+[^\W\d_A-Z][\w-]*){{0,2}}\s+(?:{alt})\s*$", lex.name_joiners),
        # a role noun and the capitalised name after it ("l'économiste Amélie Roussel")
        "role_name": _compile(rf"\b(?:{{alt}})\s+(?P<name>{name}(?:\s+{name}){{{{1,2}}}})",
                              lex.role_nouns if lex.names_after_role_nouns else (), re.IGNORECASE),
        # the word that announces a title: a film “...”, a column headlined “...”
        "work_title_cue": _compile(r"(?:{alt}),?\s*$", lex.work_title_words, re.IGNORECASE),
        # a title followed by what it names: “Harbour Lights” star Marta Oksel
        "title_after": _compile(r"[”\"'’]{{0,2}}\s*(?:{alt})\b", lex.title_role_words),
        # slogans on signs and shirts: their “Save the Ferry Now” signs
        "sign_after": _compile(r"[”\"'’]{{0,2}}\s*(?:{alt})s?\b", lex.sign_words),
        # a non-restrictive relative clause that the language uses for persons only: ", who ..."
        "person_follows": _compile(r"\s*,\s+(?:{alt})\b", lex.person_relative_pronouns),
        # a relative clause right after a comma: ", qui gère le port," describes what comes before it
        "relative_after_comma": _compile(r"\s*(?:{alt})\b", lex.relative_pronouns),
        # the auxiliary of a compound tense right before a participle ("a déclaré", "ont affirmé")
        "name_before_verb": re.compile(rf"(?P<name>{name}(?:\s+{name}){{1,2}})\s+(?:(?:{alternatives(lex.auxiliaries)})"
                                      r"\s+)?$") if lex.auxiliaries else re.compile(rf"(?P<name>{name}(?:\s+{name}){{1,2}})\s+$"),
        # "de l'Institut Y" after a person's name: the organisation the person speaks for
        "of_organisation": re.compile(rf",\s*(?:{alternatives(lex.name_joiners)})\s*(?:{alternatives(lex.leading_articles)})?\s*$",
                                      re.IGNORECASE) if lex.name_joiners else None,
        # an ordinal day ("1er mars")
        "day_ordinal": re.compile(rf"(?:{alternatives(lex.day_ordinals)})?") if lex.day_ordinals else re.compile(""),
    }


@lru_cache(maxsize=None)
def pack_for(code: str) -> LanguagePack:
    """The pack of ``code``, built once per process (an empty one where the language has no lexicon file:
    ``has_lexicon`` says which)."""
    return LanguagePack(code)


def all_packs() -> list[LanguagePack]:
    """Every pack, for what a page may hold in any language (chrome lines, datelines, bylines)."""
    return [pack_for(code) for code in languages()]


def _union(key: str) -> frozenset[str]:
    return frozenset().union(*(getattr(load_lexicon(code), key) for code in languages()))


@lru_cache(maxsize=1)
def name_particles() -> frozenset[str]:
    """The small words inside names (al-, bin, van, von, de, du, ...) of every pack: a name keeps the
    particles of its origin whatever the language of the article that writes it."""
    return _union("name_particles")


@lru_cache(maxsize=1)
def generational_suffixes() -> frozenset[str]:
    """Words after a surname that are not the surname ("Jr", "III"), of every pack."""
    return _union("generational_suffixes")


@lru_cache(maxsize=1)
def key_articles() -> tuple[str, ...]:
    """Articles dropped from the start of every entity key, of every pack (ids depend on this list: a word
    added here changes the ids of the names that start with it)."""
    return tuple(sorted(_union("key_articles")))


def reload_packs() -> None:
    """Forget every pack, lexicon and pattern built so far (after NEWSLOOM_LANGUAGE_PACKS changes)."""
    from newsloom.lang import lexicon

    for cached in (pack_for, name_particles, generational_suffixes, key_articles, lexicon.load_lexicon):
        cached.cache_clear()
