"""Quotes as the clustering rule sees them: content words from the article's language pack, marked where
written as names, and a speaker key."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newsloom import schemas
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
        self.spellings: list[str] = []  # word code -> word, built when asked

    def pack_of(self, article_id: str) -> LanguagePack:
        return pack_for(self.languages.get(article_id) or self.default)

    def code(self, word: str) -> int:
        return self.words.setdefault(word, len(self.words))

    def spelled(self, codes) -> list[str]:
        """The words of ``codes``, sorted (as ``_statements`` stores them)."""
        if len(self.spellings) < len(self.words):
            self.spellings = sorted(self.words, key=self.words.__getitem__)
        return sorted(self.spellings[c] for c in codes)

    def statement(self, quote_id: str, article_id: str, text: str | None, speaker: str | None) -> Statement:
        """``speaker``: the quote's speaker_key, or None."""
        marked = self.pack_of(article_id).marked_content_words(text or "")
        return self.coded(quote_id, article_id, text, speaker, [self.code(w) for w, _ in marked],
                          [self.code(w) for w, name in marked if not name])

    def coded(self, quote_id: str, article_id: str, text: str | None, speaker: str | None, words: list[int],
              plain: list[int]) -> Statement:
        """A statement from the codes of its content words."""
        return Statement(quote_id, self.articles.setdefault(article_id, len(self.articles)), frozenset(words),
                         frozenset(plain), self.speakers.setdefault(speaker, len(self.speakers)) if speaker else NO_SPEAKER,
                         wording_of(text))

    def codes_of(self, lists: pa.ChunkedArray) -> list[list[int]]:
        """The word codes of each list of words, coding each distinct word once."""
        lists = lists.combine_chunks()
        encoded = pc.dictionary_encode(pc.list_flatten(lists))
        mapping = np.array([self.code(w) for w in encoded.dictionary.to_pylist()], dtype=np.int64)
        codes = mapping[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)] if len(mapping) else \
            np.zeros(0, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(pc.list_value_length(lists).to_numpy(zero_copy_only=False))])
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(codes, pa.int64())).to_pylist()


def wording_of(text: str | None) -> str:
    """Every word of ``text``, lowercased, one space between and one at each end (``Statement.wording``): an
    exact excerpt is then a substring of the wording it was cut from, and never matches inside a word."""
    return f" {' '.join(WORDS.findall((text or '').lower()))} "


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


def speaker_keys(vocab: Vocabulary, quotes: pa.Table) -> list[str | None]:
    cols = [quotes.column(c).to_pylist() for c in ("article_id", "speaker", "speaker_surface", "attribution")]
    return [speaker_key(name, surface, how, vocab.pack_of(article)) for article, name, surface, how in zip(*cols)]


def statements_of(vocab: Vocabulary, quotes: pa.Table) -> list[Statement]:
    cols = [quotes.column(c).to_pylist() for c in ("quote_id", "article_id", "text")]
    return [vocab.statement(qid, article, text, key) for qid, article, text, key in zip(*cols, speaker_keys(vocab, quotes))]


def stored_statements(vocab: Vocabulary, quotes: pa.Table, words: pa.Table) -> list[Statement]:
    """The statements of ``quotes`` from their stored content words (``words``: quote_id, words, plain, with
    a row for each of them)."""
    words = words.filter(pc.is_in(words.column("quote_id"), value_set=quotes.column("quote_id")))
    at = {q: i for i, q in enumerate(words.column("quote_id").to_pylist())}
    words = words.take(pa.array([at[q] for q in quotes.column("quote_id").to_pylist()], pa.int64()))
    cols = [quotes.column(c).to_pylist() for c in ("quote_id", "article_id", "text")]
    return [vocab.coded(qid, article, text, key, w, p) for qid, article, text, key, w, p in
            zip(*cols, speaker_keys(vocab, quotes), vocab.codes_of(words.column("words")),
                vocab.codes_of(words.column("plain")))]


def statements_table(vocab: Vocabulary, statements: list[Statement], run_id: str, rule: str) -> pa.Table:
    """``_statements`` rows for ``statements``, read by the clustering rule of version ``rule``."""
    return schemas.from_rows([{"quote_id": s.quote_id, "words": vocab.spelled(s.words), "plain": vocab.spelled(s.plain),
                               "rule": rule, "run_id": run_id} for s in statements], schemas.STATEMENTS)


def languages_of(*tables: pa.Table) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for t in tables:
        out.update(zip(t.column("article_id").to_pylist(), t.column("language").to_pylist()))
    return out
