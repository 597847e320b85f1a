"""cluster-quotes: one statement, reported by many outlets or shortened, gets one ``quote_cluster_id``.

Whole phase: reads quote_id, article_id, text and the speaker columns of this run's ``quotes`` and the
language of its ``articles``, and the same of the committed quotes (with their quote_cluster_id) and
articles of earlier runs; writes ``_clusters`` (quote_id -> quote_cluster_id).  Part phase: reads a
``quotes`` part and ``_clusters``; sets ``quote_cluster_id``.

The rule (docs/analysts.md, "Quote clusters") compares a quote with a cluster's representative only,
never with its other members, so clusters cannot chain through a shared phrase:

- A quote's words are its content words: the language pack's stop words dropped, the rest stemmed.
- A cluster's representative is its member with the most content words (ties: the smaller quote_id).
- Every member shares at least JOIN_SHARE of its content words with the representative; a short member
  (fewer than MIN_CONTENT_WORDS) shares all of them.
- A join whose shorter side is short also needs evidence beyond the words: the same known speaker, the
  same article, or the same story (the two articles carry another, long statement in common).
- A quote whose known speaker is not among the cluster's known speakers joins it only when the words are
  near-identical (each side shares NEAR_IDENTICAL of its content words with the other, both long).
- Speakers are compared by surname (``speaker_key``): the canonical speaker, else the name the attribution
  writes where no entity was resolved.  "Thea Oakhurst" and "Ranger Thea Oakhurst" are one speaker for
  this rule even where the identity stage kept them apart.

New quotes are taken longest first (ties by quote_id): the full version of a statement leads its cluster
and its excerpts join it.  A new quote that would outrank the representative takes its place only if every
member passes against it.  A cluster's id is the quote_id of its first member, so the clusters of earlier
runs keep their ids and later quotes join them by the same rule.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from newsloom import schemas
from newsloom.config import Config
from newsloom.lang import pack_for
from newsloom.stage import Stage
from tasks.common.text import WORDS
from tasks.identity.keys import surname

# Below six content words a quote is a phrase many statements hold: the stock phrases that chained the old
# clusters together ("That being said", "what you want", "the same thing", "the White House") have one to
# three, and six leaves room for longer ones.  Such a quote never joins a cluster on its words alone.
MIN_CONTENT_WORDS = 6
# A short quote joins only as an exact excerpt of the representative (its words in a row, function words
# too) and only with three content words or more: "eminent domain" or "the issue" inside a longer
# statement is a phrase the reporter picked out, not a version of what was said.
SHORT_EXCERPT_WORDS = 3
# An excerpt shares all its content words with the full statement, and the edits a version may carry (a
# tense, punctuation, stop words at an ellipsis) vanish in stemmed content words; what is left is a name
# form or one word in ten.  Chosen on TUNE against 0.8 (docs/benchmarks.md): at 0.8 two different sentences
# sharing five of six words joined, and no real version was lost at 0.9.
JOIN_SHARE = 0.9
# Different known speakers: the same words, not an excerpt (an attribution two outlets disagree on, or a
# line two people read out), so both sides must hold nearly all of the other's words.
NEAR_IDENTICAL = 0.9
# Each content word indexes at most its first MAX_POSTINGS clusters.  A quote probes with its rarest
# words, so the cap binds only for quotes made of very common words; what it can miss is such a quote's
# cluster past the first 128 that hold every one of its rarest words.
MAX_POSTINGS = 128
NO_SPEAKER = -1
EXPLICIT = "explicit"  # quotes.attribution of a quote attributed to a name written beside it
QUOTE_COLUMNS = ("quote_id", "article_id", "text", "speaker", "speaker_surface", "attribution")
DEFAULT_LANGUAGE = "xx"  # spaCy's multi-language class: no stop words, no stemmer (a run with no language)


@dataclass(slots=True, eq=False)
class Statement:
    """A quote as the rule sees it: its id, article, content words (as word codes; ``plain`` those written at
    least once as no name), speaker code and wording (every word, lowercased, one space between and around:
    " ... " inside another's shows an exact excerpt).  What the rule asks of it again and again is computed
    once, from these."""
    quote_id: str
    article: int
    words: frozenset
    plain: frozenset
    speaker: int
    wording: str
    n: int = 0
    short: bool = False
    need: int = 0  # how many of its content words it must find in the representative
    plain_need: int = 0  # and how many of its plain words
    rank: tuple = ()  # the representative is the member that sorts first: most content words, then smaller id

    def __post_init__(self) -> None:
        self.wording = f" {self.wording} "
        self.n = len(self.words)
        self.short = self.n < MIN_CONTENT_WORDS
        self.need = self.n if self.short else math.ceil(JOIN_SHARE * self.n - 1e-9)
        self.plain_need = math.ceil(JOIN_SHARE * len(self.plain) - 1e-9)
        self.rank = (-self.n, self.quote_id)


def passes(member: Statement, rep: Statement) -> bool:
    """Whether ``member`` is a version of ``rep``'s words: enough of its content words are in ``rep``, and
    enough of those that are no names (two statements about the same people share the names, not the
    rest); for a short member, its words in a row."""
    if member.short:
        return member.n >= SHORT_EXCERPT_WORDS and member.wording in rep.wording
    return len(member.words & rep.words) >= member.need and len(member.plain & rep.words) >= member.plain_need


def near_identical(a: Statement, b: Statement) -> bool:
    shared = len(a.words & b.words)
    return not a.short and not b.short and shared >= NEAR_IDENTICAL * a.n and shared >= NEAR_IDENTICAL * b.n


@dataclass(eq=False)
class Cluster:
    id: str
    order: int  # when it was made: the tie-break between equally good clusters
    rep: Statement
    members: list = field(default_factory=list)
    speakers: Counter = field(default_factory=Counter)  # known speaker code -> members
    articles: set = field(default_factory=set)

    def add(self, s: Statement) -> None:
        self.members.append(s)
        self.articles.add(s.article)
        if s.speaker != NO_SPEAKER:
            self.speakers[s.speaker] += 1
        if s.rank < self.rep.rank:
            self.rep = s


class Clusterer:
    """The clusters so far, the index that finds a quote's candidate clusters, and the stories each article
    belongs to (the clusters in which it has a long member)."""

    def __init__(self, frequency: Counter, max_postings: int | None = MAX_POSTINGS) -> None:
        self.frequency = frequency  # word code -> statements that hold it: rarest words are probed first
        self.cap = max_postings
        self.clusters: list[Cluster] = []
        self.full: dict[int, list[int]] = defaultdict(list)  # word -> clusters whose representative holds it
        self.prefix: dict[int, list[int]] = defaultdict(list)  # word -> clusters whose rep's prefix holds it
        self.stories: dict[int, set[int]] = defaultdict(set)  # article -> clusters with a long member of it
        self.by_id: dict[str, int] = {}  # committed cluster id -> its position
        self.reps: list[Statement] = []  # each cluster's representative, by position

    def rarest_first(self, s: Statement) -> list[int]:
        return sorted(s.words, key=lambda w: (self.frequency[w], w))

    def prefix_of(self, s: Statement) -> list[int]:
        """The fewest rarest words of ``s`` of which any version of it must hold one (prefix filtering):
        a statement missing more than n - need of ``s``'s words cannot hold ``s``'s share."""
        return self.rarest_first(s)[:s.n - s.need + 1]

    def _post(self, index: dict, word: int, c: int) -> None:
        postings = index[word]
        if (self.cap is None or len(postings) < self.cap) and (not postings or postings[-1] != c):
            postings.append(c)

    def _index(self, c: int, rep: Statement, committed: bool) -> None:
        """Index the representative's words; a committed one's prefix too, for the new quotes that may take
        it over (a new quote never takes over a cluster of its own run: they come longest first)."""
        for w in rep.words:
            self._post(self.full, w, c)
        if committed:
            for w in self.prefix_of(rep):
                self._post(self.prefix, w, c)

    def candidates(self, s: Statement) -> list[int]:
        """Clusters whose representative holds enough of ``s``'s words, or that ``s`` may take over and holds
        enough of theirs, best overlap first."""
        if s.short and s.n < SHORT_EXCERPT_WORDS:  # it passes against no representative and takes none over
            return []
        full, prefix = self.full, self.prefix
        found: set[int] = set()
        for w in self.prefix_of(s):
            found.update(full.get(w, ()))
        if prefix:
            for w in s.words:
                found.update(prefix.get(w, ()))
        words, need, rank, n, reps = s.words, s.need, s.rank, s.n, self.reps
        if s.short and not prefix:  # only an exact excerpt can join (a substring test is the cheapest filter)
            wording = s.wording
            return [c for _, c in sorted((reps[c].n, c) for c in found if wording in reps[c].wording)]
        scored = []
        for c in found:
            rep = reps[c]
            shared = len(words & rep.words)
            if shared >= need or (rank < rep.rank and shared >= rep.need):
                scored.append((-shared / max(n, rep.n), c))
        scored.sort()
        return [c for _, c in scored]

    def same_story(self, s: Statement, cluster: Cluster) -> bool:
        """Whether ``s``'s article is one of the cluster's, or carries a long statement with one of them."""
        if s.article in cluster.articles:
            return True
        mine = self.stories.get(s.article)
        return bool(mine) and any(not mine.isdisjoint(self.stories.get(a, ())) for a in cluster.articles)

    def accepts(self, cluster: Cluster, s: Statement) -> bool:
        """The rule of the module's docstring, for ``s`` joining ``cluster``."""
        if not s.n:
            return False
        takes_over = s.rank < cluster.rep.rank
        if takes_over and not all(passes(m, s) for m in cluster.members):
            return False
        if not takes_over and not passes(s, cluster.rep):
            return False
        shorter = cluster.rep if takes_over else s
        if shorter.short and not (cluster.speakers.get(s.speaker) or self.same_story(s, cluster)):
            return False
        other_speakers = s.speaker != NO_SPEAKER and any(k != s.speaker for k in cluster.speakers)
        return not other_speakers or near_identical(s, cluster.rep)

    def add(self, s: Statement, committed_cluster: str | None = None) -> str:
        """Put ``s`` in its committed cluster or, for a new quote, in the best cluster that accepts it, else in
        a new one it leads.  Returns the cluster's id."""
        c = self.by_id.get(committed_cluster) if committed_cluster is not None else self._best(s)
        if c is None:
            c = len(self.clusters)
            self.clusters.append(Cluster(committed_cluster or s.quote_id, c, s))
            self.reps.append(s)
            if committed_cluster is not None:
                self.by_id[committed_cluster] = c
        cluster = self.clusters[c]
        before = cluster.rep
        cluster.add(s)
        if cluster.rep is not before or len(cluster.members) == 1:
            self.reps[c] = cluster.rep
            self._index(c, cluster.rep, committed_cluster is not None)
        if not s.short:
            self.stories[s.article].add(c)
        return cluster.id

    def _best(self, s: Statement) -> int | None:
        return next((c for c in self.candidates(s) if self.accepts(self.clusters[c], s)), None)


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

    def statement(self, quote_id: str, article_id: str, text: str | None, speaker: str | None) -> Statement:
        """``speaker``: the quote's speaker_key, or None."""
        pack = pack_for(self.languages.get(article_id) or self.default)
        marked = [(self.words.setdefault(w, len(self.words)), name) for w, name in pack.marked_content_words(text or "")]
        words = frozenset(w for w, _ in marked)
        return Statement(quote_id, self.articles.setdefault(article_id, len(self.articles)), words,
                         frozenset(w for w, name in marked if not name), self.speakers.setdefault(speaker, len(self.speakers)) if speaker else NO_SPEAKER,
                         " ".join(WORDS.findall((text or "").lower())))


def speaker_key(name: str | None, surface: str | None, attribution: str | None) -> str | None:
    """Who said it, for the rule: the surname of the canonical speaker; where no entity was resolved, of the
    name the attribution writes ("..., Dorn said": an explicit attribution to a capitalised name)."""
    if not name and attribution == EXPLICIT and surface and surface[:1].isupper():
        name = surface
    return surname(name) or None if name else None


def cluster_statements(committed: list[tuple[Statement, str]], new: list[Statement],
                       max_postings: int | None = MAX_POSTINGS) -> Clusterer:
    """Every statement in its cluster: the committed ones in theirs (each cluster's representative first),
    then the new ones, longest first, by the rule.  Returns the clusterer, whose clusters list them."""
    frequency = Counter(w for s in [*(s for s, _ in committed), *new] for w in s.words)
    clusterer = Clusterer(frequency, max_postings)
    for s, cluster_id in sorted(committed, key=lambda x: (x[1], x[0].rank)):
        clusterer.add(s, cluster_id)
    for s in sorted(new, key=lambda x: x.rank):
        clusterer.add(s)
    return clusterer


def _statements(vocab: Vocabulary, quotes: pa.Table) -> list[Statement]:
    cols = [quotes.column(c).to_pylist() for c in QUOTE_COLUMNS]
    return [vocab.statement(qid, article, text, speaker_key(name, surface, how))
            for qid, article, text, name, surface, how in zip(*cols)]


def _languages(*tables: pa.Table) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for t in tables:
        out.update(zip(t.column("article_id").to_pylist(), t.column("language").to_pylist()))
    return out


def assign_quote_clusters(new: pa.Table, earlier: pa.Table, articles: pa.Table,
                          max_postings: int | None = MAX_POSTINGS) -> pa.Table:
    """``_clusters`` for the quotes of ``new`` (QUOTE_COLUMNS) against the committed quotes ``earlier`` (the
    same and quote_cluster_id; rows without a cluster are skipped).
    ``articles`` (article_id, language) gives each quote's language.  The result does not depend on how
    the run was split into parts: new quotes are taken in one global order."""
    vocab = Vocabulary(_languages(articles))
    earlier = earlier.filter(pc.is_valid(earlier.column("quote_cluster_id")))
    committed = list(zip(_statements(vocab, earlier), earlier.column("quote_cluster_id").to_pylist()))
    fresh = _statements(vocab, new)
    clusterer = cluster_statements(committed, fresh, max_postings)
    cluster_of = {s.quote_id: c.id for c in clusterer.clusters for s in c.members}
    ids = new.column("quote_id").to_pylist()
    return schemas.conform(pa.table({"quote_id": pa.array(ids, pa.string()),
                                     "quote_cluster_id": pa.array([cluster_of[q] for q in ids], pa.string())}),
                           schemas.CLUSTERS)


def set_quote_clusters(quotes: pa.Table, clusters: pa.Table) -> pa.Table:
    """The part phase: ``quotes`` with the quote_cluster_id that ``clusters`` gives each."""
    cluster_of = dict(zip(clusters.column("quote_id").to_pylist(), clusters.column("quote_cluster_id").to_pylist()))
    ids = pa.array([cluster_of[x] for x in quotes.column("quote_id").to_pylist()], pa.string())
    return quotes.set_column(quotes.schema.get_field_index("quote_cluster_id"), "quote_cluster_id", ids)


def _whole(inputs: dict[str, pa.Table], config: Config, run_id: str) -> dict[str, pa.Table]:
    articles = pa.concat_tables([inputs["articles"], inputs["committed:articles"].select(["article_id", "language"])])
    return {"_clusters": assign_quote_clusters(inputs["quotes"], inputs["committed:quotes"], articles)}


def _part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    return {"quotes": set_quote_clusters(inputs["quotes"], inputs["_clusters"])}


def _count(inputs: dict[str, pa.Table], outputs: dict[str, pa.Table]) -> dict[str, int]:
    if "_clusters" not in outputs:
        return {}
    c = outputs["_clusters"].column("quote_cluster_id")
    return {"clustered": int(pc.sum(pc.not_equal(c, outputs["_clusters"].column("quote_id"))).as_py() or 0)}


STAGE = Stage(
    name="cluster-quotes",
    whole_reads={"quotes": QUOTE_COLUMNS, "articles": ("article_id", "language"),
                 "committed:quotes": (*QUOTE_COLUMNS, "quote_cluster_id"),
                 "committed:articles": ("article_id", "language")},
    whole=_whole,
    reads={"quotes": None, "run:_clusters": None},
    writes=("quotes", "_clusters"),
    part=_part,
    parts_of="quotes",
    count=_count,
)
