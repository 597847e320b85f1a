"""deduplicate: mark exact and near-duplicate articles, before anything is dropped.

Reads the clean stage's articles (article_id, source, published_at, text, text_hash) and the
signatures of earlier runs' original articles (``_signatures``).
Adds ``dup_of`` (article_id of the earlier original) and ``dup_similarity`` (1.0 for an exact
match by text_hash, else the MinHash estimate of the word-shingle Jaccard similarity).
Writes ``articles`` and the new originals' signatures.

Order decides which copy is the original: earlier runs first, then publication time
(unknown last), then source.  Candidate pairs come from LSH at a threshold below the target
(``lsh_threshold``) and are kept only when their estimated similarity reaches ``dup_threshold``,
because LSH banding at the target itself misses many true pairs just above it.
Duplicates stay in the articles table; only the NLP stage skips them.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from datasketch import MinHash, MinHashLSH
from prefect import task

from newsloom import schemas
from newsloom.config import Config
from newsloom.storage import Store
from newsloom.util import log_counts, progress

WORDS = re.compile(r"\w+", re.UNICODE)
# datasketch's 32-bit affine scheme; stored signatures are uint32 little-endian, so this must never change silently
SCHEME = "affine32"


def shingles(text: str, k: int) -> set[bytes]:
    words = WORDS.findall(text.lower())
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


def compute_signatures(articles: pa.Table, config: Config) -> pa.Table:
    """MinHash signature of each article's word shingles (reads article_id, text_hash, text, run_id)."""
    texts = articles.column("text").to_pylist()
    sigs = []
    for text in texts:
        m = MinHash(num_perm=config.num_perm, seed=1, scheme=SCHEME)
        sh = shingles(text, config.shingle_size)
        if sh:
            m.update_batch(list(sh))
        sigs.append(np.asarray(m.hashvalues, dtype="<u4").tobytes())
    return schemas.conform(pa.table({
        "article_id": articles.column("article_id"),
        "text_hash": articles.column("text_hash"),
        "signature": pa.array(sigs, type=pa.binary()),
        "run_id": articles.column("run_id"),
    }), schemas.SIGNATURES)


def _minhash(sig: bytes, num_perm: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(sig, dtype="<u4"))


def find_duplicates(new: pa.Table, new_signatures: pa.Table, prior_signatures: pa.Table,
                    config: Config) -> pa.Table:
    """Decide dup_of for each new article.

    ``new`` gives article_id, source, published_at and text_hash; the signature tables give
    article_id and signature.  Returns (article_id, dup_of, dup_similarity) for every new article.
    """
    num_perm = config.num_perm
    lsh = MinHashLSH(threshold=config.lsh_threshold, num_perm=num_perm)
    by_hash: dict[str, str] = {}
    hashes: dict[str, MinHash] = {}
    for aid, th, sig in zip(prior_signatures.column("article_id").to_pylist(),
                            prior_signatures.column("text_hash").to_pylist(),
                            prior_signatures.column("signature").to_pylist()):
        if aid in hashes:
            continue
        mh = _minhash(sig, num_perm)
        hashes[aid] = mh
        by_hash.setdefault(th, aid)
        lsh.insert(aid, mh)
    sig_of = dict(zip(new_signatures.column("article_id").to_pylist(), new_signatures.column("signature").to_pylist()))
    ids = new.column("article_id").to_pylist()
    pub = new.column("published_at").to_pylist()
    src = new.column("source").to_pylist()
    th_of = new.column("text_hash").to_pylist()
    order = sorted(range(len(ids)), key=lambda i: (pub[i] is None, pub[i] or 0, src[i], ids[i]))
    dup_of: dict[str, tuple[str | None, float | None]] = {}
    for i in order:
        aid = ids[i]
        if aid in hashes:  # already known from an earlier run (e.g. re-cleaned): never its own duplicate
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
        by_hash[th_of[i]] = aid
        lsh.insert(aid, mh)
    return pa.table({
        "article_id": pa.array(ids, pa.string()),
        "dup_of": pa.array([dup_of[a][0] for a in ids], pa.string()),
        "dup_similarity": pa.array([dup_of[a][1] for a in ids], pa.float32()),
    })


def deduplicate_articles(articles: pa.Table, prior_signatures: pa.Table, config: Config) -> tuple[pa.Table, pa.Table]:
    """articles (from clean) -> (articles with dup_of/dup_similarity, signatures of the new originals)."""
    sigs = compute_signatures(articles, config)
    decided = find_duplicates(articles, sigs, prior_signatures, config)
    return _apply(articles, decided), _originals(sigs, decided)


def _apply(articles: pa.Table, decided: pa.Table) -> pa.Table:
    lookup = {a: (d, s) for a, d, s in zip(decided.column("article_id").to_pylist(),
                                          decided.column("dup_of").to_pylist(),
                                          decided.column("dup_similarity").to_pylist())}
    ids = articles.column("article_id").to_pylist()
    articles = articles.set_column(articles.schema.get_field_index("dup_of"), "dup_of",
                                   pa.array([lookup[a][0] for a in ids], pa.string()))
    articles = articles.set_column(articles.schema.get_field_index("dup_similarity"), "dup_similarity",
                                   pa.array([lookup[a][1] for a in ids], pa.float32()))
    return schemas.conform(articles, schemas.ARTICLES)


def _originals(sigs: pa.Table, decided: pa.Table) -> pa.Table:
    originals = set(decided.filter(pc.is_null(decided.column("dup_of"))).column("article_id").to_pylist())
    mask = pa.array([a in originals for a in sigs.column("article_id").to_pylist()])
    return sigs.filter(mask)


@task(name="deduplicate")
def deduplicate(config: Config, run_id: str, clean_parts: list[str]) -> dict:
    """Decide duplicates over the whole run, then write ``articles`` and ``_signatures`` part by part."""
    store = Store.of(config)
    prior = store.read_table("_signatures")
    known = set(store.read_table("articles", columns=["article_id"]).column("article_id").to_pylist())
    meta, sigs = [], []
    for path in clean_parts:  # pass 1: signatures and ordering keys only; texts are not kept
        part = store.read_parquet(path)
        sigs.append(compute_signatures(part, config))
        meta.append(part.select(["article_id", "source", "published_at", "text_hash"]))
    if not meta:
        return {"parts": [], "counts": log_counts("deduplicate", 0, 0)}
    all_meta, all_sigs = pa.concat_tables(meta), pa.concat_tables(sigs)
    decided = find_duplicates(all_meta, all_sigs, prior, config)
    parts, n_in, n_out, n_dup, n_known = [], 0, 0, 0, 0
    for path, part_sigs in zip(clean_parts, sigs):  # pass 2: write
        part = store.read_parquet(path)
        n_in += part.num_rows
        fresh = pa.array([a not in known for a in part.column("article_id").to_pylist()], pa.bool_())
        n_known += part.num_rows - pc.sum(fresh).as_py() if part.num_rows else 0
        part = part.filter(fresh)
        ids = pa.array(part.column("article_id"))
        part_decided = decided.filter(pc.is_in(decided.column("article_id"), value_set=ids))
        out = _apply(part, part_decided)
        name = Path(path).stem.removeprefix("clean-")
        p = store.stage_part(run_id, "articles", out, f"dedup-{name}")
        store.stage_part(run_id, "_signatures", _originals(part_sigs.filter(fresh), part_decided), f"dedup-{name}")
        if p:
            parts.append(str(p))
        n_out += out.num_rows
        n_dup += pc.sum(pc.is_valid(out.column("dup_of"))).as_py() or 0
        progress("deduplicate", part.num_rows)
    return {"parts": parts, "counts": log_counts("deduplicate", n_in, n_out, duplicates=n_dup, already_known=n_known)}
