"""Which committed clusters a run's quotes can touch, found from the stored content words (``_statements``)
without reading the committed quotes one by one.

A new quote ``s`` changes a committed cluster only by joining it or by taking it over (the rule:
tasks/clusters/__init__.py).  Either needs the two to share words:

- **Joining** needs ``s`` to pass against the representative: it holds at least ``need`` of ``s``'s
  content words (all of them for a short quote, which must be an exact excerpt).  So it misses at most
  ``n - need`` of them, and holds one of any ``n - need + 1`` of ``s``'s words: the cluster's
  representative holds one of ``s``'s *probe words*, its rarest ``n - need + 1`` (prefix filtering, as the
  clusterer's own index does).
- **Taking over** needs the representative to pass against ``s``: ``s`` holds at least the
  representative's ``need`` of its words.

So a committed quote is a candidate when it holds one of the run's probe words, or when the run's quotes
together hold its ``need`` of its words; the clusters of the candidates are loaded whole.  Every cluster the
run can change is among them.  The rest of the rule looks only inside a loaded cluster, or at the stories of
the run's own articles: a run's quotes come from its own articles (an article is read once), and every
cluster they join is loaded.  So the clusterer run over the candidates gives what it would give over the
whole corpus, apart from its per-word posting cap, which binds less on fewer clusters
(tests/test_clusters.py compares the two, run after run).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.clusters.rule import JOIN_SHARE, MIN_CONTENT_WORDS, SHORT_EXCERPT_WORDS, Statement
from tasks.clusters.statements import Vocabulary


def word_counts(stored: pa.Table) -> dict[str, int]:
    """word -> how many stored statements hold it."""
    counts = pc.value_counts(pc.list_flatten(stored.column("words")))
    return dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()))


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


def candidate_quotes(stored: pa.Table, vocab: Vocabulary, new: list[Statement]) -> pa.Array:
    """The quote_ids of ``stored`` (quote_id, words) that a quote of ``new`` may join or take over."""
    if not stored.num_rows or not new:
        return pa.array([], pa.string())
    lists = stored.column("words").combine_chunks()
    flat, owner = pc.list_flatten(lists), pc.list_parent_indices(lists).to_numpy()
    every, probes = probe_words(vocab, new, word_counts(stored))
    rows = stored.num_rows
    shared = np.bincount(owner[pc.is_in(flat, value_set=pa.array(sorted(every), pa.string())).to_numpy(zero_copy_only=False)],
                         minlength=rows)
    probed = np.bincount(owner[pc.is_in(flat, value_set=pa.array(sorted(probes), pa.string())).to_numpy(zero_copy_only=False)],
                         minlength=rows)
    n = pc.list_value_length(lists).to_numpy(zero_copy_only=False)
    need = np.where(n < MIN_CONTENT_WORDS, n, np.ceil(JOIN_SHARE * n - 1e-9))
    chosen = (probed > 0) | ((n > 0) & (shared >= need))
    return stored.column("quote_id").combine_chunks().filter(pa.array(chosen))

