"""Which committed clusters a run's quotes can touch, found from the stored content words (``_statements``)
without reading the committed quotes one by one.

A new quote ``s`` changes a committed cluster only by joining it or by taking it over (the rule:
tasks/clusters/__init__.py).  Either needs the two to share words:

- **Joining** needs ``s`` to pass against the representative: it holds at least ``need`` of ``s``'s
  content words (all of them for a short quote, which must moreover be an exact excerpt: its wording is
  checked too, since a short quote's few words are in many representatives).  So it misses at most
  ``n - need`` of them, and holds one of any ``n - need + 1`` of ``s``'s words: the cluster's
  representative holds one of ``s``'s *probe words*, its rarest ``n - need + 1`` (prefix filtering, as the
  clusterer's own index does).
- **Taking over** needs the representative to pass against ``s``: ``s`` holds at least the
  representative's ``need`` of its words.

Only the representative is compared (a member that is not it decides nothing for a new quote).  So a
committed cluster is a candidate when its representative holds one of the run's probe words, or when a
quote of the run holds one of the representative's own probe words (its rarest ``n - need + 1``, by the
same argument); the shared words are then counted exactly.  Every cluster the run can change is among
the candidates.  A candidate a quote of the run may take over is loaded whole (every member must pass
against the new representative); one it may only join is loaded as a ``Summary``: what joining asks of a
cluster (its representative, known speakers, articles and stories).  The rest of the rule looks only
inside a loaded cluster, or at the stories of the run's own articles: a run's quotes come from its own
articles (an article is read once), and every cluster they join is loaded.  So the clusterer run over the
candidates gives what it would give over the whole corpus, apart from its per-word posting cap, which binds
less on fewer clusters, and the word frequencies it probes by, which it counts over what it loaded
(tests/test_clusters.py compares the two, run after run).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newsloom.lang import pack_for
from tasks.clusters.rule import MIN_CONTENT_WORDS, SHORT_EXCERPT_WORDS, Statement, Summary, need_for
from tasks.clusters.statements import Vocabulary, speaker_key, stored_statements, wording_of


def probe_words(vocab: Vocabulary, new: list[Statement], frequency: dict[str, int]) -> tuple[set[str], set[str]]:
    """(every word of the run's statements, their probe words): for each statement that can join or take
    over anything, its ``n - need + 1`` rarest words (by ``frequency``, then spelling)."""
    every: set[str] = set()
    probes: set[str] = set()
    for s in new:
        if not s.n or (s.short and s.n < SHORT_EXCERPT_WORDS):
            continue  # it passes against no representative and takes none over (Clusterer.candidates)
        words = vocab.spelled(s.words)
        every.update(words)
        probes.update(sorted(words, key=lambda w: (frequency.get(w, 0), w))[:s.n - s.need + 1])
    return every, probes


def representatives(earlier: pa.Table, words: pa.Table) -> pa.Table:
    """The representative of each committed cluster (its member with the most content words, then the
    smaller quote_id, as ``Statement.rank`` orders them): (quote_cluster_id, quote_id, words, text), by
    quote_cluster_id.  Sizes are compared as integers per cluster code; only the members of the most words
    are sorted by quote_id (copies of one wording all tie)."""
    at = pc.index_in(earlier.column("quote_id"), value_set=words.column("quote_id"))
    earlier = earlier.filter(pc.is_valid(at))
    at = pc.drop_null(at).to_numpy(zero_copy_only=False)
    n = pc.list_value_length(words.column("words")).to_numpy(zero_copy_only=False)[at]
    encoded = pc.dictionary_encode(earlier.column("quote_cluster_id")).combine_chunks()
    cluster = encoded.indices.to_numpy(zero_copy_only=False)
    most = np.full(len(encoded.dictionary), -1, dtype=np.int64)
    np.maximum.at(most, cluster, n)
    rows = np.flatnonzero(n == most[cluster])
    tied = pa.table({"cluster": cluster[rows], "quote_id": earlier.column("quote_id").take(pa.array(rows)), "row": rows})
    tied = tied.sort_by([("cluster", "ascending"), ("quote_id", "ascending")])
    c = tied.column("cluster").to_numpy()
    first = np.ones(len(c), dtype=bool)
    first[1:] = c[1:] != c[:-1]
    chosen = tied.column("row").to_numpy()[first]
    reps = earlier.take(pa.array(chosen))
    order = pc.sort_indices(reps.column("quote_cluster_id"))
    reps = reps.take(order)
    row = pa.array(at[chosen]).take(order)
    return pa.table({"quote_cluster_id": reps.column("quote_cluster_id"), "quote_id": reps.column("quote_id"),
                     "words": words.column("words").take(row), "text": reps.column("text")})


def own_probes(lists: pa.ListArray, frequency: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """For each statement of ``lists``, a mask over its flattened words of its ``n - need + 1`` rarest
    (``frequency`` per word code, then code): a statement that passes against another holds one of them."""
    owner = pc.list_parent_indices(lists).to_numpy()
    n = pc.list_value_length(lists).to_numpy(zero_copy_only=False)
    keep = n - np.fromiter((need_for(k) for k in n), dtype=np.int64, count=len(n)) + 1
    order = np.lexsort((codes, frequency[codes], owner))
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - starts[owner[order]]
    return rank < keep[owner]


def candidate_clusters(reps: pa.Table, vocab: Vocabulary, new: list[Statement]) -> tuple[pa.Array, pa.Array]:
    """(the committed clusters, by quote_cluster_id, a quote of ``new`` may join or take over; those of them
    it may take over).  A candidate's representative holds one of the run's probe words, or a quote of the
    run holds one of the representative's own probe words; the shared words are then counted exactly.
    ``reps``: the committed clusters' representatives (``representatives``)."""
    if not reps.num_rows or not new:
        return pa.array([], pa.string()), pa.array([], pa.string())
    lists = reps.column("words").combine_chunks()
    encoded = pc.dictionary_encode(pc.list_flatten(lists))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    frequency = np.bincount(codes, minlength=len(encoded.dictionary))
    counts = dict(zip(encoded.dictionary.to_pylist(), frequency.tolist()))
    every, probes = probe_words(vocab, new, counts)
    owner = pc.list_parent_indices(lists).to_numpy()
    spelled = encoded.dictionary
    in_probes = pc.is_in(spelled, value_set=pa.array(sorted(probes), pa.string())).to_numpy(zero_copy_only=False)[codes]
    in_every = pc.is_in(spelled, value_set=pa.array(sorted(every), pa.string())).to_numpy(zero_copy_only=False)[codes]
    n = pc.list_value_length(lists).to_numpy(zero_copy_only=False)
    joined = np.bincount(owner[in_probes], minlength=reps.num_rows) > 0
    taken = np.bincount(owner[in_every & own_probes(lists, frequency, codes)], minlength=reps.num_rows) > 0
    takeable = n >= SHORT_EXCERPT_WORDS  # a shorter one passes against nothing, so no quote takes it over
    maybe = reps.filter(pa.array(joined | (taken & takeable)))
    overlaps = Overlaps(vocab, new).of
    found = [overlaps(words, qid, text) for words, qid, text in
             zip(*(maybe.column(c).to_pylist() for c in ("words", "quote_id", "text")))]
    ids = maybe.column("quote_cluster_id").combine_chunks()
    return (ids.filter(pa.array([joins or takes for joins, takes in found], pa.bool_())),
            ids.filter(pa.array([takes for _, takes in found], pa.bool_())))


class Overlaps:
    """The exact word counts behind ``candidate_clusters``, for the representatives its filter let through:
    a new quote that holds ``need`` of its own words in the representative (a short one: an exact excerpt of
    it, as ``passes`` asks), or one that ranks before it and holds the representative's ``need`` of its
    words."""

    def __init__(self, vocab: Vocabulary, new: list[Statement]) -> None:
        self.new = [(set(vocab.spelled(s.words)), s) for s in new if s.n]
        self.by_word: dict[str, list[int]] = {}
        for i, (words, _) in enumerate(self.new):
            for w in words:
                self.by_word.setdefault(w, []).append(i)

    def of(self, words: list[str], quote_id: str, text: str | None) -> tuple[bool, bool]:
        """(a quote of the run may join the representative ``quote_id``, with content words ``words`` and
        ``text``; one may take it over)."""
        mine, wording = set(words), None
        rank, need = (-len(mine), quote_id), need_for(len(mine))
        joins = takes = False
        for i in {i for w in mine for i in self.by_word.get(w, ())}:
            theirs, s = self.new[i]
            shared = len(mine & theirs)
            if s.short and not joins and shared >= s.need and s.n >= SHORT_EXCERPT_WORDS:
                wording = wording_of(text) if wording is None else wording
                joins = s.wording in wording
            joins = joins or (not s.short and shared >= s.need)
            takes = takes or (s.rank < rank and len(mine) >= SHORT_EXCERPT_WORDS and shared >= need)
        return joins, takes


def summaries_of(vocab: Vocabulary, members: pa.Table, words: pa.Table, reps: pa.Table) -> dict[str, Summary]:
    """A summary of each committed cluster of ``members`` (QUOTE_COLUMNS and quote_cluster_id): what a new
    quote that joins it asks of it, built from every member's article, speaker and size and the
    representative's words (``reps``), without a statement for each member.  Each list holds distinct codes:
    joining asks whether a speaker, an article or a story is the cluster's, never how many members have it."""
    if not members.num_rows:
        return {}
    reps = reps.filter(pc.is_in(reps.column("quote_cluster_id"), value_set=members.column("quote_cluster_id")))
    rep_rows = members.filter(pc.is_in(members.column("quote_id"), value_set=reps.column("quote_id")))
    rep_of = {s.quote_id: s for s in stored_statements(vocab, rep_rows, words)}
    out = {cluster_id: Summary(rep_of[qid], [], [], []) for cluster_id, qid in
           zip(reps.column("quote_cluster_id").to_pylist(), reps.column("quote_id").to_pylist())}
    for cluster_id, articles, long_articles in _articles_by_cluster(vocab, members, words):
        out[cluster_id].articles.extend(articles)
        out[cluster_id].long_articles.extend(long_articles)
    for cluster_id, speaker in _speakers_by_cluster(vocab, members):
        out[cluster_id].speakers.append(speaker)
    return out


def _articles_by_cluster(vocab: Vocabulary, members: pa.Table, words: pa.Table):
    """(cluster id, the article codes of its members, those of its long members) for each cluster of
    ``members``, each code once."""
    sized = pa.table({"quote_id": words.column("quote_id"), "n": pc.list_value_length(words.column("words"))})
    rows = members.select(["quote_id", "quote_cluster_id", "article_id"]).join(sized, "quote_id", join_type="inner")
    clusters = pc.dictionary_encode(rows.column("quote_cluster_id").combine_chunks())
    articles = pc.dictionary_encode(rows.column("article_id").combine_chunks())
    code_of = np.array([vocab.articles.setdefault(a, len(vocab.articles)) for a in articles.dictionary.to_pylist()],
                       dtype=np.int64)
    codes = code_of[articles.indices.to_numpy(zero_copy_only=False)]
    cluster = clusters.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    long = rows.column("n").to_numpy() >= MIN_CONTENT_WORDS
    every, of_long = _distinct_by_group(cluster, codes), _distinct_by_group(cluster[long], codes[long])
    for i, cluster_id in enumerate(clusters.dictionary.to_pylist()):
        yield cluster_id, every.get(i, []), of_long.get(i, [])


def _distinct_by_group(group: np.ndarray, values: np.ndarray) -> dict[int, list[int]]:
    """group -> its distinct values (non-negative integers), ascending."""
    if not len(values):
        return {}
    width = int(values.max()) + 1
    keys = np.unique(group * width + values)
    groups, values = (keys // width).tolist(), (keys % width).tolist()
    bounds = [0, *(np.flatnonzero(np.diff(keys // width)) + 1).tolist(), len(keys)]
    return {groups[a]: values[a:b] for a, b in zip(bounds, bounds[1:])}


def _speakers_by_cluster(vocab: Vocabulary, members: pa.Table):
    """(cluster id, speaker code) for each known speaker of each cluster of ``members``, once: the speaker
    columns are keyed once per distinct combination in the cluster and language (``speaker_key``)."""
    language = pa.array([vocab.languages.get(a) or vocab.default for a in members.column("article_id").to_pylist()],
                        pa.string())
    columns = ["quote_cluster_id", "speaker", "speaker_surface", "attribution"]
    distinct = members.select(columns).append_column("language", language).group_by(
        [*columns, "language"], use_threads=False).aggregate([])
    seen: set[tuple[str, int]] = set()
    for cluster_id, name, surface, how, lang in zip(*(distinct.column(c).to_pylist() for c in [*columns, "language"])):
        key = speaker_key(name, surface, how, pack_for(lang))
        if key:
            code = vocab.speakers.setdefault(key, len(vocab.speakers))
            if (cluster_id, code) not in seen:
                seen.add((cluster_id, code))
                yield cluster_id, code


