"""cluster-quotes: one statement reported by many outlets, or shortened, gets one ``quote_cluster_id``.

Whole phase: reads quote_id, text and speaker_entity_id of this run's ``quotes``, and quote_cluster_id, text
and speaker_entity_id of the committed quotes of earlier runs; writes ``_clusters`` (quote_id ->
quote_cluster_id).  Part phase: reads a ``quotes`` part and ``_clusters``; sets ``quote_cluster_id``.

A quote joins a cluster when its speaker does not contradict the cluster's (the same entity_id,
or one of them unknown) and their word 3-shingles overlap: |A ∩ B| / min(|A|, |B|) ≥ 0.8, so a
shortened version joins the full one.  Quotes of fewer than three words join only an identical
quote of the same known speaker.  A cluster's id is the quote_id of its first member, so the
clusters of earlier runs keep their ids and new quotes join them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import Stage
from tasks.common.text import WORDS, word_shingles

MIN_OVERLAP = 0.8
SHINGLE = 3
# Each index key (a shingle, or a shingle and a speaker) holds at most its first MAX_POSTINGS quotes.  A key
# shared by more ("the prime minister said", a template a site repeats) stops collecting, so a quote is
# compared with a bounded number of others and the cost grows with the number of quotes, not its square.  A
# viral statement still clusters: its first copies are indexed and every later copy finds them, and a line
# many people repeat finds its own speaker's copies under (shingle, speaker).  What can be missed: a pair
# whose every shingle already indexes MAX_POSTINGS other quotes of the same speaker.  Measured on 377,665
# templated synthetic quotes (bench/): 1.2% of quotes end in another cluster than with no cap at all, at 32 s
# instead of 300 s; with 32, 5% at 19 s.
MAX_POSTINGS = 128
PAIR_BUDGET = 1_000_000  # candidate pairs built and checked together (a few tens of MB of arrays)
def is_short(text: str) -> bool:
    return len(WORDS.findall(text)) < SHINGLE


class Quotes:
    """The columns clustering needs, held compactly: shingle hashes (one flat array), set sizes, speaker
    codes, short flags and, for committed quotes, their cluster.  Texts are hashed as they are added and
    not kept."""

    def __init__(self) -> None:
        self._hashes: list[np.ndarray] = []
        self._sizes: list[np.ndarray] = []
        self.short: list[bool] = []
        self.speaker: list[int] = []
        self.cluster: list[str | None] = []  # fixed for committed quotes, None for new ones
        self.ids: list[str | None] = []
        self._codes: dict[str, int] = {}

    def add(self, texts: Iterable[str], speakers: Iterable[str | None], ids: Iterable[str | None],
            clusters: Iterable[str | None]) -> None:
        flat: list[int] = []
        sizes: list[int] = []
        for text, spk, qid, cl in zip(texts, speakers, ids, clusters):
            sh = {hash(s) for s in word_shingles(text or "", SHINGLE)}
            flat.extend(sh)
            sizes.append(len(sh))
            self.short.append(is_short(text or ""))
            self.speaker.append(self._codes.setdefault(spk, len(self._codes)) if spk else -1)
            self.ids.append(qid)
            self.cluster.append(cl)
        self._hashes.append(np.asarray(flat, np.int64))
        self._sizes.append(np.asarray(sizes, np.int64))

    @property
    def sizes(self) -> np.ndarray:
        self._pack()
        return self._sizes[0]

    @property
    def hashes(self) -> np.ndarray:
        self._pack()
        return self._hashes[0]

    def _pack(self) -> None:
        if len(self._sizes) != 1:
            self._sizes = [np.concatenate(self._sizes) if self._sizes else np.empty(0, np.int64)]
            self._hashes = [np.concatenate(self._hashes) if self._hashes else np.empty(0, np.int64)]

    def reorder(self, start: int, order: np.ndarray) -> None:
        """Put the quotes from ``start`` on in ``order`` (positions relative to ``start``)."""
        sizes, hashes = self.sizes, self.hashes
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        head = int(first[start]) if start < len(sizes) else len(hashes)
        idx = order + start
        lens = sizes[idx]
        gather = np.repeat(first[idx] - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
        self._hashes = [np.concatenate([hashes[:head], hashes[gather]])]
        self._sizes = [np.concatenate([sizes[:start], lens])]
        for name in ("short", "speaker", "cluster", "ids"):
            col = getattr(self, name)
            setattr(self, name, col[:start] + [col[start + i] for i in order.tolist()])

    def __len__(self) -> int:
        return len(self.short)


def _needed(sizes: np.ndarray) -> np.ndarray:
    """Shared shingles a set of n needs with a larger one to reach MIN_OVERLAP."""
    return np.maximum(1, np.ceil(MIN_OVERLAP * sizes - 1e-9)).astype(np.int64)


class _Index:
    """The first ``cap`` quotes (by position) under each key, as sorted keys and one members array."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray, cap: int | None) -> None:
        order = np.lexsort((rows, keys))
        k, r = keys[order], rows[order]
        start = np.searchsorted(k, k, side="left")
        if cap is not None:
            keep = (np.arange(len(k)) - start) < cap
            k, r = k[keep], r[keep]
        self.keys, first = np.unique(k, return_index=True)
        self.start, self.end = first, np.append(first[1:], len(k)).astype(np.int64)
        self.members = r

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position of each key, how many members it holds: 0 for a key not indexed)."""
        if not len(self.keys):
            return np.zeros(len(keys), np.int64), np.zeros(len(keys), np.int64)
        i = np.searchsorted(self.keys, keys).clip(0, len(self.keys) - 1)
        return i, np.where(self.keys[i] == keys, self.end[i] - self.start[i], 0)

    def fan(self, keys: np.ndarray) -> np.ndarray:
        """How many members each key holds."""
        return self._find(keys)[1]

    def expand(self, a: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (a, b) for every probe (a, key) and every b indexed under key."""
        i, lens = self._find(keys)
        total = int(lens.sum())
        if not total:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        offsets = np.repeat(self.start[i] - (np.cumsum(lens) - lens), lens)
        return np.repeat(a, lens), self.members[offsets + np.arange(total)]


@dataclass
class _Postings:
    """Every quote's shared shingles, rarest first, with the indexes the candidate pairs come from."""
    rows: np.ndarray  # the quote of each entry
    terms: np.ndarray  # the shingle of each entry
    prefix: np.ndarray  # the entry is among its quote's p rarest shingles
    spk_key: np.ndarray  # (shingle, speaker) key of each entry
    unknown_key: np.ndarray  # (shingle, unknown speaker) key of each entry
    has_speaker: np.ndarray
    indexes: tuple  # full_spk, pre_spk, full_any, pre_any
    matrix: object  # quotes x shingles, for counting the shingles two quotes share
    row_start: np.ndarray  # entries of quote i: row_start[i]:row_start[i+1]

    def probes(self, lo: int, hi: int):
        """(index, probing quotes, keys) for the entries lo:hi: a known speaker probes its own and the
        unknown-speaker postings, an unknown speaker every speaker's."""
        full_spk, pre_spk, full_any, pre_any = self.indexes
        r, t, k, u = self.rows[lo:hi], self.terms[lo:hi], self.spk_key[lo:hi], self.unknown_key[lo:hi]
        pre, known = self.prefix[lo:hi], self.has_speaker[lo:hi]
        pk, pu = pre & known, pre & ~known
        return [(full_spk, r[pk], k[pk]), (full_spk, r[pk], u[pk]), (pre_spk, r[known], k[known]),
                (pre_spk, r[known], u[known]), (full_any, r[pu], t[pu]), (pre_any, r[~known], t[~known])]


def _postings(q: Quotes, speaker: np.ndarray, max_postings: int | None) -> _Postings:
    n, sizes, hashes = len(q), q.sizes, q.hashes
    rows = np.repeat(np.arange(n, dtype=np.int32), sizes)
    uniq, inv, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    freq = counts[inv]
    order = np.lexsort((hashes, freq, rows))  # per quote: rarest first, ties by hash
    shared = freq[order] > 1
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(len(rows), dtype=np.int64) - first[rows]  # rank of each entry within its quote
    p = sizes - _needed(sizes) + 1
    prefix = (pos < p[rows])[shared]
    rows, terms = rows[order][shared], inv[order][shared].astype(np.int32)
    # Indexes: under (shingle, speaker) for quotes whose speaker is known or not (so that a statement many
    # people repeat still finds its own speaker's copies), and under the shingle alone for unknown speakers.
    spk_key = terms.astype(np.int64) * (int(speaker.max()) + 2) + speaker[rows] + 1
    unknown_key = terms.astype(np.int64) * (int(speaker.max()) + 2)
    indexes = (_Index(spk_key, rows, max_postings), _Index(spk_key[prefix], rows[prefix], max_postings),
               _Index(terms, rows, max_postings), _Index(terms[prefix], rows[prefix], max_postings))
    matrix = sparse.csr_matrix((np.ones(len(rows), np.int32), (rows, terms)), shape=(n, len(uniq)))
    return _Postings(rows, terms, prefix, spk_key, unknown_key, speaker[rows] >= 0, indexes, matrix,
                     np.searchsorted(rows, np.arange(n + 1)))


def _chunk_bounds(post: _Postings, new: np.ndarray, n: int) -> np.ndarray:
    """Cut the new quotes into chunks of about PAIR_BUDGET candidate pairs each."""
    per_quote = np.zeros(n, np.int64)
    for index, r, keys in post.probes(0, len(post.rows)):
        per_quote += np.bincount(r, weights=index.fan(keys), minlength=n).astype(np.int64)
    per_quote = per_quote[new]
    group = (np.cumsum(per_quote) - per_quote) // PAIR_BUDGET
    return np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [len(new)]])


def _scored_pairs(q: Quotes, post: _Postings, speaker: np.ndarray, chunk: np.ndarray, cluster: np.ndarray):
    """(a, b, c, score) lists: for each quote a of the chunk, its candidate clusters c (through an earlier
    quote b), best score first; a quote of this chunk with no cluster yet stands for itself (-1 - b)."""
    n, sizes, short = len(q), q.sizes, np.asarray(q.short, bool)
    lo, hi = post.row_start[chunk[0]], post.row_start[chunk[-1] + 1]
    pairs = [index.expand(r, keys) for index, r, keys in post.probes(lo, hi)]
    a, b = np.concatenate([x[0] for x in pairs]), np.concatenate([x[1] for x in pairs])
    keep = b < a
    key = np.sort(a[keep].astype(np.int64) * n + b[keep])
    key = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
    a, b = key // n, key % n
    sa, sb = speaker[a], speaker[b]
    ok = ~((sa >= 0) & (sb >= 0) & (sa != sb))  # a member's known speaker is its cluster's
    a, b = a[ok], b[ok]
    if not len(a):
        return [], [], [], []
    common = np.asarray(post.matrix[a].multiply(post.matrix[b]).sum(axis=1)).ravel()
    score = common / np.minimum(sizes[a], sizes[b])
    either_short = short[a] | short[b]
    same_short = ((common == sizes[a]) & (sizes[a] == sizes[b]) & (speaker[a] >= 0) & (speaker[a] == speaker[b]))
    good = (score >= MIN_OVERLAP) & (~either_short | same_short)
    a, b, score = a[good], b[good], score[good]
    if not len(a):  # the filters above can leave no pair at all (every candidate short or below the overlap)
        return [], [], [], []
    c = np.where(b < chunk[0], cluster[b], -1 - b)
    order = np.lexsort((-score, c, a))  # each (quote, cluster) together, its best score first
    a, b, c, score = a[order], b[order], c[order], score[order]
    first = np.concatenate([[True], (a[1:] != a[:-1]) | (c[1:] != c[:-1])])
    a, b, c, score = a[first], b[first], c[first], score[first]
    order = np.lexsort((-score, a))
    return a[order].tolist(), b[order].tolist(), c[order].tolist(), score[order].tolist()


def _walk_chunk(chunk: list[int], pairs, speaker, cluster, cluster_speaker, own_ranks) -> None:
    """Give each quote of the chunk, in order, the best-scoring cluster whose speaker does not differ from
    its own (ties: the smaller id), else its own new cluster."""
    a, b, c, score = pairs
    j = 0
    for k, i in enumerate(chunk):
        own = int(speaker[i])
        best, best_score = -1, 0.0
        while j < len(a) and a[j] < i:
            j += 1
        while j < len(a) and a[j] == i:
            cl = c[j] if c[j] >= 0 else int(cluster[b[j]])
            if score[j] < best_score:
                break
            theirs = int(cluster_speaker[cl])
            if not (own >= 0 and theirs >= 0 and theirs != own) and (best < 0 or cl < best):
                best, best_score = cl, score[j]
            j += 1
        cl = best if best >= 0 else int(own_ranks[k])
        cluster[i] = cl
        if own >= 0 and cluster_speaker[cl] < 0:
            cluster_speaker[cl] = own


def assign_clusters(q: Quotes, max_postings: int | None = MAX_POSTINGS) -> list[str]:
    """The cluster of every quote in ``q``: committed quotes keep theirs; new ones, in the order added (by
    quote_id), join the best-overlapping cluster among the quotes before them (ties: the smaller id).

    Candidates are found by prefix filtering.  Shingles are ordered rarest first over all the quotes (ties
    by hash: one global order).  If |A ∩ B| ≥ MIN_OVERLAP · min(|A|, |B|) and A is the smaller set, A's
    p = |A| − needed + 1 rarest shingles include one of B's; so each quote probes (1) the index of every
    earlier quote's shingles with its own p rarest ones, and (2) the index of every earlier quote's p rarest
    shingles with all of its own.  A shingle no other quote has is never indexed.  The candidate pairs of a
    chunk of quotes are built, filtered by speaker and counted with array operations; only the pairs that
    pass are walked one by one, to apply the cluster rules in order."""
    n = len(q)
    if not q.sizes.sum() or all(c is not None for c in q.cluster):  # nothing to compare, or nothing new
        return [c or i for c, i in zip(q.cluster, q.ids)]
    speaker = np.asarray(q.speaker, np.int64)
    post = _postings(q, speaker, max_postings)
    new = np.flatnonzero([c is None for c in q.cluster])
    bounds = _chunk_bounds(post, new, n)
    # clusters are ranks in the sorted list of their ids, so that "the smaller id" is an integer compare
    labels = sorted({c for c in q.cluster if c is not None} | {q.ids[i] for i in new.tolist()})
    rank_of = {c: r for r, c in enumerate(labels)}
    cluster = np.full(n, -1, np.int64)
    cluster_speaker = np.full(len(labels), -1, np.int64)  # a cluster's first known speaker
    for i, c in enumerate(q.cluster):
        if c is not None:
            cluster[i] = rank_of[c]
            if speaker[i] >= 0 and cluster_speaker[cluster[i]] < 0:
                cluster_speaker[cluster[i]] = speaker[i]
    own_rank = np.array([rank_of[q.ids[i]] for i in new.tolist()], np.int64)
    for c0, c1 in zip(bounds[:-1], bounds[1:]):
        chunk = new[c0:c1]
        pairs = _scored_pairs(q, post, speaker, chunk, cluster)
        _walk_chunk(chunk.tolist(), pairs, speaker, cluster, cluster_speaker, own_rank[c0:c1])
    return [c if c is not None else labels[cluster[i]] for i, c in enumerate(q.cluster)]


def assign_quote_clusters(new: pa.Table, earlier: pa.Table, max_postings: int | None = MAX_POSTINGS) -> pa.Table:
    """``_clusters`` for the quotes of ``new`` (quote_id, text, speaker_entity_id), taken in quote_id order
    over the whole run (so the result does not depend on how the run was split into parts), against the
    committed quotes ``earlier`` (quote_cluster_id, text, speaker_entity_id; rows without a cluster are
    skipped).  Only shingle hashes are held while clustering, not the texts."""
    q = Quotes()
    earlier = earlier.filter(pc.is_valid(earlier.column("quote_cluster_id")))
    q.add(earlier.column("text").to_pylist(), earlier.column("speaker_entity_id").to_pylist(),
          [None] * earlier.num_rows, earlier.column("quote_cluster_id").to_pylist())
    new = new.take(pc.sort_indices(new, sort_keys=[("quote_id", "ascending")]))
    q.add(new.column("text").to_pylist(), new.column("speaker_entity_id").to_pylist(),
          new.column("quote_id").to_pylist(), [None] * new.num_rows)
    clusters = assign_clusters(q, max_postings)[earlier.num_rows:]
    return schemas.conform(pa.table({"quote_id": new.column("quote_id"),
                                     "quote_cluster_id": pa.array(clusters, pa.string())}), schemas.CLUSTERS)


def set_quote_clusters(quotes: pa.Table, clusters: pa.Table) -> pa.Table:
    """The part phase: ``quotes`` with the quote_cluster_id that ``clusters`` gives each."""
    cluster_of = dict(zip(clusters.column("quote_id").to_pylist(), clusters.column("quote_cluster_id").to_pylist()))
    ids = pa.array([cluster_of[x] for x in quotes.column("quote_id").to_pylist()], pa.string())
    return quotes.set_column(quotes.schema.get_field_index("quote_cluster_id"), "quote_cluster_id", ids)


def _whole(inputs: dict[str, pa.Table], config: Config, run_id: str) -> dict[str, pa.Table]:
    return {"_clusters": assign_quote_clusters(inputs["quotes"], inputs["committed:quotes"])}


def _part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    return {"quotes": set_quote_clusters(inputs["quotes"], inputs["_clusters"])}


def _count(inputs: dict[str, pa.Table], outputs: dict[str, pa.Table]) -> dict[str, int]:
    if "_clusters" not in outputs:
        return {}
    c = outputs["_clusters"].column("quote_cluster_id")
    return {"clustered": int(pc.sum(pc.not_equal(c, outputs["_clusters"].column("quote_id"))).as_py() or 0)}


STAGE = Stage(
    name="cluster-quotes",
    whole_reads={"quotes": ("quote_id", "text", "speaker_entity_id"),
               "committed:quotes": ("quote_cluster_id", "text", "speaker_entity_id")},
    whole=_whole,
    reads={"quotes": None, "run:_clusters": None},
    writes=("quotes", "_clusters"),
    part=_part,
    parts_of="quotes",
    count=_count,
)
