"""deduplicate: mark exact and near-duplicate articles, before anything is dropped.

Whole phase: reads this run's ``_minhash`` (article_id, source, published_at, text_hash, signature: written
by the clean stage, one per article), the committed ``_signatures`` of earlier originals and the committed
``articles`` ids; writes ``_dups``, the decision for every article of the run.
Part phase: reads a ``_clean`` part with its ``_minhash`` part and ``_dups``; writes ``articles`` (the
clean rows plus ``dup_of``, the article_id of the earlier original, and ``dup_similarity``, 1.0 for an
exact match by text_hash, else the MinHash estimate of the word-shingle Jaccard similarity; articles an
earlier run already wrote are left out) and ``_signatures`` of the new originals.

Order decides which copy is the original: earlier runs first, then publication time
(unknown last), then source.  Candidate pairs come from LSH at a threshold below the target
(``lsh_threshold``) and are kept only when their estimated similarity reaches ``dup_threshold``,
because LSH banding at the target itself misses many true pairs just above it.
Duplicates stay in the articles table; only the NLP stage skips them.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash, MinHashLSH

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import Stage
from tasks.common.minhash import SCHEME


def _minhash(sig: bytes, num_perm: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(sig, dtype="<u4"))


GOLDEN_ODD = 0x9E3779B97F4A7C15  # an odd 64-bit constant: the first of the multipliers that mix a band's values


def signature_matrix(signatures: pa.Table, num_perm: int) -> np.ndarray:
    values = signatures.column("signature").to_pylist()
    return np.frombuffer(b"".join(values), dtype="<u4").reshape(len(values), num_perm) if values else \
        np.zeros((0, num_perm), dtype="<u4")


def sharing_a_band(prior: pa.Table, new: pa.Table, lsh: MinHashLSH, num_perm: int) -> np.ndarray:
    """For each prior signature, whether it shares an LSH band with a new one.  Only those can answer a new
    article's query, so only they are built and inserted: a run over a large root no longer rebuilds the
    index of every committed article.  A band is keyed by a 64-bit mix of its values, so a collision only
    inserts one prior more."""
    old, now = signature_matrix(prior, num_perm), signature_matrix(new, num_perm)
    found = np.zeros(len(old), dtype=bool)
    if not len(old) or not len(now):
        return found
    with np.errstate(over="ignore"):
        for start, end in lsh.hashranges:
            mix = np.uint64(GOLDEN_ODD) + np.arange(end - start, dtype=np.uint64) * np.uint64(2)
            found |= np.isin((old[:, start:end].astype(np.uint64) * mix).sum(axis=1),
                             (now[:, start:end].astype(np.uint64) * mix).sum(axis=1))
    return found


def index_priors(prior: pa.Table, new: pa.Table, lsh: MinHashLSH,
                 num_perm: int) -> tuple[dict[str, str], dict[str, MinHash], set[str]]:
    """(text_hash -> first prior article, the MinHash of each indexed prior, every prior id): the priors that
    share a band with a new signature go into ``lsh``."""
    by_hash: dict[str, str] = {}
    hashes: dict[str, MinHash] = {}
    known: set[str] = set()
    near = sharing_a_band(prior, new, lsh, num_perm)
    for aid, th, sig, banded in zip(prior.column("article_id").to_pylist(), prior.column("text_hash").to_pylist(),
                                    prior.column("signature").to_pylist(), near):
        if aid in known:
            continue
        known.add(aid)
        by_hash.setdefault(th, aid)
        if banded:
            hashes[aid] = mh = _minhash(sig, num_perm)
            lsh.insert(aid, mh)
    return by_hash, hashes, known


def find_duplicates(new: pa.Table, new_signatures: pa.Table, prior_signatures: pa.Table,
                    config: Config) -> pa.Table:
    """Decide dup_of for each new article.

    ``new`` gives article_id, source, published_at and text_hash; the signature tables give
    article_id and signature.  Returns (article_id, dup_of, dup_similarity) for every new article.
    """
    num_perm = config.num_perm
    lsh = MinHashLSH(threshold=config.lsh_threshold, num_perm=num_perm)
    by_hash, hashes, known = index_priors(prior_signatures, new_signatures, lsh, num_perm)
    sig_of = dict(zip(new_signatures.column("article_id").to_pylist(), new_signatures.column("signature").to_pylist()))
    ids = new.column("article_id").to_pylist()
    pub = new.column("published_at").to_pylist()
    src = new.column("source").to_pylist()
    th_of = new.column("text_hash").to_pylist()
    order = sorted(range(len(ids)), key=lambda i: (pub[i] is None, pub[i] or 0, src[i], ids[i]))
    dup_of: dict[str, tuple[str | None, float | None]] = {}
    for i in order:
        aid = ids[i]
        if aid in known:  # already known from an earlier run (e.g. re-cleaned): never its own duplicate
            dup_of[aid] = (None, None)
            continue
        if not config.dedup:
            dup_of[aid] = (None, None)
            continue
        exact = by_hash.get(th_of[i])
        if exact is not None:
            dup_of[aid] = (exact, 1.0)
            continue
        mh = _minhash(sig_of[aid], num_perm)
        best, best_sim = None, -1.0
        for cand in sorted(lsh.query(mh)):
            sim = float(mh.jaccard(hashes[cand]))
            if sim > best_sim:
                best, best_sim = cand, sim
        if best is not None and best_sim >= config.dup_threshold:
            dup_of[aid] = (best, best_sim)
            continue
        dup_of[aid] = (None, None)
        hashes[aid] = mh
        known.add(aid)
        by_hash[th_of[i]] = aid
        lsh.insert(aid, mh)
    return pa.table({
        "article_id": pa.array(ids, pa.string()),
        "dup_of": pa.array([dup_of[a][0] for a in ids], pa.string()),
        "dup_similarity": pa.array([dup_of[a][1] for a in ids], pa.float32()),
    })


def decide_duplicates(signatures: pa.Table, prior_signatures: pa.Table, known_ids: pa.Table,
                      config: Config) -> pa.Table:
    """The whole phase: ``_dups`` for every article of the run, from the run's ``_minhash`` rows, the committed
    ``_signatures`` and the ids already in ``articles``."""
    decided = find_duplicates(signatures, signatures, prior_signatures, config)
    known = set(known_ids.column("article_id").to_pylist())
    flags = pa.array([a in known for a in decided.column("article_id").to_pylist()], pa.bool_())
    return schemas.conform(decided.append_column("known", flags), schemas.DUPS)


def mark_duplicates(articles: pa.Table, signatures: pa.Table, dups: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The part phase: (articles with dup_of and dup_similarity, ``_signatures`` of the new originals).
    Articles that an earlier run already wrote are left out of both."""
    fresh_ids = dups.filter(pc.invert(dups.column("known"))).column("article_id")
    articles = articles.filter(pc.is_in(articles.column("article_id"), value_set=fresh_ids))
    mine = dups.filter(pc.is_in(dups.column("article_id"), value_set=articles.column("article_id")))
    lookup = {a: (d, s) for a, d, s in zip(mine.column("article_id").to_pylist(), mine.column("dup_of").to_pylist(),
                                          mine.column("dup_similarity").to_pylist())}
    ids = articles.column("article_id").to_pylist()
    for name, i in (("dup_of", 0), ("dup_similarity", 1)):
        articles = articles.set_column(articles.schema.get_field_index(name), name,
                                       pa.array([lookup[a][i] for a in ids], schemas.ARTICLES.field(name).type))
    originals = pa.array([a for a in ids if lookup[a][0] is None], pa.string())
    sigs = signatures.filter(pc.is_in(signatures.column("article_id"), value_set=originals))
    return (schemas.conform(articles, schemas.ARTICLES),
            sigs.select(["article_id", "text_hash", "signature", "run_id"]))


def _dedup_whole(inputs: dict[str, pa.Table], config: Config, run_id: str) -> dict[str, pa.Table]:
    return {"_dups": decide_duplicates(inputs["_minhash"], inputs["committed:_signatures"],
                                        inputs["committed:articles"], config)}


def _dedup_part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    articles, signatures = mark_duplicates(inputs["_clean"], inputs["_minhash"], inputs["_dups"])
    return {"articles": articles, "_signatures": signatures}


def _count_duplicates(inputs: dict[str, pa.Table], outputs: dict[str, pa.Table]) -> dict[str, int]:
    if "articles" not in outputs:  # the whole phase
        return {"already_known": pc.sum(outputs["_dups"].column("known")).as_py() or 0}
    return {"duplicates": len(outputs["articles"].column("dup_of").drop_null())}


STAGE = Stage(
    name="deduplicate",
    reports={"n_articles": "rows_out", "n_duplicates": "duplicates"},
    whole_reads={"_minhash": ("article_id", "source", "published_at", "text_hash", "signature"),
               "committed:_signatures": ("article_id", "text_hash", "signature"),
               "committed:articles": ("article_id",)},
    whole=_dedup_whole,
    reads={"_clean": None, "_minhash": None, "run:_dups": None},
    writes=("articles", "_signatures", "_dups"),
    part=_dedup_part,
    parts_of="_clean",
    count=_count_duplicates,
)
