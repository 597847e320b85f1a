"""The clustering rule: statements, clusters, and the index that finds a quote's candidate clusters
(the rule itself is stated in tasks/clusters/__init__.py)."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

# Below six content words a quote is a phrase many statements hold: the stock phrases that chained the old
# clusters together ("That being said", "what you want", "the same thing", "the White House") have one to
# three, and six leaves room for longer ones.  Such a quote never joins a cluster on its words alone.
MIN_CONTENT_WORDS = 6
# A short quote joins only as an exact excerpt of the representative (its words in a row, function words
# too) and only with three content words or more: two words picked out of a longer statement ("the harbour
# plan") are a phrase the reporter chose, not a version of what was said.
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
        self.n = len(self.words)
        self.short = self.n < MIN_CONTENT_WORDS
        self.need = need_for(self.n)
        self.plain_need = math.ceil(JOIN_SHARE * len(self.plain) - 1e-9)
        self.rank = (-self.n, self.quote_id)


def need_for(n: int) -> int:
    """How many of a statement's ``n`` content words a version of it must hold: all of them for a short one
    (an exact excerpt), else JOIN_SHARE of them."""
    return n if n < MIN_CONTENT_WORDS else math.ceil(JOIN_SHARE * n - 1e-9)


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


@dataclass(eq=False)
class Summary:
    """What a new quote joining a committed cluster asks of it: its representative, the distinct speaker
    codes of its members, their article codes, and the articles of its long members (its stories)."""
    rep: Statement
    speakers: list
    articles: list
    long_articles: list


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
        self.by_id: dict[str, int] = {}  # committed cluster id -> its position (ties between clusters: first made)

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
        """Clusters whose representative holds enough of ``s``'s words, or whose committed representative
        ``s`` may take over and holds enough of, best overlap first."""
        if s.short and s.n < SHORT_EXCERPT_WORDS:  # it passes against no representative and takes none over
            return []
        found: set[int] = set()
        for w in self.prefix_of(s):
            found.update(self.full.get(w, ()))
        clusters, words, n, rank, wording = self.clusters, s.words, s.n, s.rank, s.wording
        scored = []
        for c in found:  # one pass, inline: these loops are most of the stage's time
            rep = clusters[c].rep
            if s.short:  # an exact excerpt of ``rep``, or (a committed short ``rep``) one that ``s`` holds
                if wording in rep.wording or (rank < rep.rank and rep.wording in wording):
                    scored.append((-min(n, rep.n) / max(n, rep.n), c))
                continue
            shared = len(words & rep.words)
            # ``rep`` may hold ``s``, or ``s`` may take over ``rep`` (a committed one); the plain words are
            # checked with the rest of the rule, in ``accepts``
            if shared >= s.need or (rank < rep.rank and (rep.wording in wording if rep.short else shared >= rep.need)):
                scored.append((-shared / max(n, rep.n), c))
        if self.prefix:  # committed representatives that only ``s`` could hold: those it may take over
            older: set[int] = set()
            for w in words:
                older.update(self.prefix.get(w, ()))
            for c in older - found:
                rep = clusters[c].rep
                if rank < rep.rank and (rep.wording in wording if rep.short else len(words & rep.words) >= rep.need):
                    scored.append((-len(words & rep.words) / max(n, rep.n), c))
        scored.sort()
        return [c for _, c in scored]

    def same_story(self, s: Statement, cluster: Cluster) -> bool:
        """Whether ``s``'s article is one of the cluster's, or carries a long statement with one of them."""
        return s.article in cluster.articles or shares_a_story(s.article, cluster.articles, self.stories)

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
            self.clusters.append(Cluster(committed_cluster or s.quote_id, s))
            if committed_cluster is not None:
                self.by_id[committed_cluster] = c
        cluster = self.clusters[c]
        before = cluster.rep
        cluster.add(s)
        if cluster.rep is not before or len(cluster.members) == 1:
            self._index(c, cluster.rep, committed_cluster is not None)
        if not s.short:
            self.stories[s.article].add(c)
        return cluster.id

    def load_committed(self, groups: dict[str, list[Statement]]) -> list[Statement]:
        """The committed clusters (cluster id -> members), checked again: a member stays when it passes
        against the representative and, if short, when another member backs it (the same speaker, the same
        article or the same story).  Nothing here depends on the order the members came in, so a cluster
        the rule made stays as it is; a cluster an older rule chained together keeps its representative
        and id, and the members returned are clustered again with the new quotes."""
        kept: dict[str, list[Statement]] = {}
        released: list[Statement] = []
        for cluster_id in sorted(groups):
            lead, *rest = sorted(groups[cluster_id], key=lambda x: x.rank)
            kept[cluster_id] = [lead]
            for m in rest:
                (kept[cluster_id] if passes(m, lead) else released).append(m)
        stories: dict[int, set[str]] = defaultdict(set)  # article -> committed clusters with a long member of it
        for cluster_id, members in kept.items():
            for m in members:
                if not m.short:
                    stories[m.article].add(cluster_id)
        for cluster_id, (lead, *rest) in kept.items():
            self.add(lead, cluster_id)
            for m in rest:
                if m.short and not _backed(m, [lead, *rest], stories):
                    released.append(m)
                else:
                    self.add(m, cluster_id)
        return released

    def load_as_they_are(self, groups: dict[str, list[Statement]], summaries: dict[str, Summary]) -> list[Statement]:
        """The committed clusters (cluster id -> members, or -> a summary for one no new quote can take
        over) as they are, in the order ``load_committed`` puts them: for clusters this rule made, which its
        check would leave unchanged.  Releases nothing."""
        for cluster_id in sorted(groups.keys() | summaries.keys()):
            if cluster_id in summaries:
                self.load_summary(cluster_id, summaries[cluster_id])
                continue
            for m in sorted(groups[cluster_id], key=lambda x: x.rank):
                self.add(m, cluster_id)
        return []

    def load_summary(self, cluster_id: str, summary: Summary) -> None:
        """A committed cluster that new quotes may join but not take over: what joining asks of it (its
        representative, known speakers, articles and the articles of its long members), not its members."""
        c = len(self.clusters)
        cluster = Cluster(cluster_id, summary.rep, [summary.rep], Counter(summary.speakers), set(summary.articles))
        self.clusters.append(cluster)
        self.by_id[cluster_id] = c
        self._index(c, summary.rep, True)
        for article in summary.long_articles:
            self.stories[article].add(c)

    def _best(self, s: Statement) -> int | None:
        return next((c for c in self.candidates(s) if self.accepts(self.clusters[c], s)), None)


def shares_a_story(article: int, articles, stories: dict) -> bool:
    """Whether ``article`` carries a long statement with one of ``articles`` (``stories``: article -> the
    clusters in which it has a long member)."""
    mine = stories.get(article)
    return bool(mine) and any(not mine.isdisjoint(stories.get(a, ())) for a in articles)


def _backed(s: Statement, members: list[Statement], stories: dict) -> bool:
    """Whether another member backs a short member: the same known speaker, article or story."""
    others = [o for o in members if o is not s]
    return (any((s.speaker != NO_SPEAKER and o.speaker == s.speaker) or o.article == s.article for o in others)
            or shares_a_story(s.article, {o.article for o in others}, stories))


def cluster_statements(committed: list[tuple[Statement, str]], new: list[Statement],
                       max_postings: int | None = MAX_POSTINGS, check: bool = True,
                       summaries: dict[str, Summary] | None = None) -> Clusterer:
    """Every statement in its cluster: the committed clusters first, each checked again by the rule
    (``Clusterer.load_committed``) unless ``check`` is off (clusters this rule made, which the check leaves
    as they are), then the new quotes and the committed ones the check released, longest first.  Returns
    the clusterer, whose clusters list them."""
    reps = [x.rep for x in (summaries or {}).values()]
    frequency = Counter(w for s in [*(s for s, _ in committed), *reps, *new] for w in s.words)
    clusterer = Clusterer(frequency, max_postings)
    groups: dict[str, list[Statement]] = defaultdict(list)
    for s, cluster_id in committed:
        groups[cluster_id].append(s)
    released = clusterer.load_committed(groups) if check else clusterer.load_as_they_are(groups, summaries or {})
    for s in sorted([*new, *released], key=lambda x: x.rank):
        clusterer.add(s)
    return clusterer
