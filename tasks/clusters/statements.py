"""Quotes as the clustering rule sees them: content words from the article's language pack, marked where
written as names, and a speaker key."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

import pyarrow as pa

from newsloom.lang import LanguagePack, pack_for
from tasks.clusters.rule import NO_SPEAKER, Statement
from tasks.common.text import WORDS
from tasks.identity.keys import surname

EXPLICIT = "explicit"  # quotes.attribution of a quote attributed to a name written beside it
QUOTE_COLUMNS = ("quote_id", "article_id", "text", "speaker", "speaker_surface", "attribution")
SPEAKER_CACHE = 1 << 16  # distinct (speaker, surface, attribution) keyed once: a run names far fewer speakers
DEFAULT_LANGUAGE = "xx"  # spaCy's multi-language class: no stop words, no stemmer (a run with no language)


class Vocabulary:
    """Codes for words, articles and speakers, and each article's language pack."""

    def __init__(self, languages: dict[str, str | None]) -> None:
        self.languages = languages  # article_id -> language
        # an article without a language was read in its part's majority language: the run's is the best guess
        self.default = Counter(v for v in languages.values() if v).most_common(1)[0][0] if any(
            languages.values()) else DEFAULT_LANGUAGE
        self.words: dict[str, int] = {}
        self.articles: dict[str, int] = {}
        self.speakers: dict[str, int] = {}

    def pack_of(self, article_id: str) -> LanguagePack:
        return pack_for(self.languages.get(article_id) or self.default)

    def statement(self, quote_id: str, article_id: str, text: str | None, speaker: str | None) -> Statement:
        """``speaker``: the quote's speaker_key, or None."""
        pack = self.pack_of(article_id)
        marked = [(self.words.setdefault(w, len(self.words)), name) for w, name in pack.marked_content_words(text or "")]
        words = frozenset(w for w, _ in marked)
        return Statement(quote_id, self.articles.setdefault(article_id, len(self.articles)), words,
                         frozenset(w for w, name in marked if not name), self.speakers.setdefault(speaker, len(self.speakers)) if speaker else NO_SPEAKER,
                         " ".join(WORDS.findall((text or "").lower())))


@lru_cache(maxsize=SPEAKER_CACHE)
def speaker_key(name: str | None, surface: str | None, attribution: str | None, pack: LanguagePack) -> str | None:
    """Who said it, for the rule: the surname of the canonical speaker; where no entity was resolved, of the
    name the attribution writes ("..., Dorn said": an explicit attribution to words that are all capitalised
    and do not open with a stop word, so "The council" is no name)."""
    if not name and attribution == EXPLICIT and surface and looks_like_a_name(surface, pack):
        name = surface
    return surname(name) or None if name else None


def looks_like_a_name(words: str, pack: LanguagePack) -> bool:
    found = WORDS.findall(words)
    return bool(found) and all(w[0].isupper() for w in found) and found[0].lower() not in pack.stop_words


def statements_of(vocab: Vocabulary, quotes: pa.Table) -> list[Statement]:
    cols = [quotes.column(c).to_pylist() for c in QUOTE_COLUMNS]
    return [vocab.statement(qid, article, text, speaker_key(name, surface, how, vocab.pack_of(article)))
            for qid, article, text, name, surface, how in zip(*cols)]


def languages_of(*tables: pa.Table) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for t in tables:
        out.update(zip(t.column("article_id").to_pylist(), t.column("language").to_pylist()))
    return out
