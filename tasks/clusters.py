"""Quote clusters: one statement reported by many outlets, or shortened, gets one ``quote_cluster_id``.

Reads ``quotes``: quote_id, text, speaker_entity_id of this run's staged parts, and quote_cluster_id,
text, speaker_entity_id of the committed quotes of earlier runs.
Adds ``quotes.quote_cluster_id`` to this run's staged parts.

A quote joins a cluster when its speaker does not contradict the cluster's (the same entity_id,
or one of them unknown) and their word 3-shingles overlap: |A ∩ B| / min(|A|, |B|) ≥ 0.8, so a
shortened version joins the full one.  Quotes of fewer than three words join only an identical
quote of the same known speaker.  A cluster's id is the quote_id of its first member, so the
clusters of earlier runs keep their ids and new quotes join them.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from prefect import task

from newsloom import schemas
from newsloom.config import Config
from newsloom.storage import Store
from newsloom.util import get_logger

MIN_OVERLAP = 0.8
SHINGLE = 3
# a shingle shared by this many quotes ("the prime minister said") stops collecting more: the cost stays
# linear on boilerplate-heavy corpora; a pair sharing only such shingles can then be missed
MAX_POSTINGS = 1000
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def _is_short(text: str) -> bool:
    return len(_WORD.findall(text)) < SHINGLE


def _needed(n: int) -> int:
    """Shared shingles a set of n needs with a larger one to reach MIN_OVERLAP."""
    return max(1, math.ceil(MIN_OVERLAP * n - 1e-9))


def cluster_quotes(new: list[dict], earlier: list[dict] | None = None) -> list[dict]:
    """Give every quote in ``new`` a quote_cluster_id (in place; also returned).

    ``earlier`` are committed quotes with their quote_cluster_id; ``new`` are taken in quote_id order,
    and each joins the best-overlapping cluster among the quotes before it (ties: the smaller id).

    Candidates are found by prefix filtering, so the cost grows with the number of quotes, not with
    its square.  Shingles are hashed to integers and ordered rarest first over all the quotes.  If
    |A ∩ B| ≥ MIN_OVERLAP · min(|A|, |B|) and A is the smaller set, then A's p = |A| − needed + 1 rarest
    shingles include one of B's; so each quote probes (1) the index of every earlier quote's shingles
    with its own p rarest ones, and (2) the index of every earlier quote's own p rarest shingles with all
    of its shingles.  A shingle that occurs once in the whole set cannot be shared and is never indexed.
    """
    items = [(q, False) for q in earlier or [] if q.get("quote_cluster_id")]
    items += [(q, True) for q in sorted(new, key=lambda x: x["quote_id"])]
    hashed = [np.unique(np.fromiter((hash(s) for s in shingles(q["text"])), np.int64)) for q, _ in items]
    if not hashed:
        return new
    uniq, counts = np.unique(np.concatenate(hashed), return_counts=True)
    full: dict[int, list[int]] = {}  # shingle -> members having it
    prefix: dict[int, list[int]] = {}  # shingle -> members having it among their p rarest
    speakers: dict[str, str] = {}  # cluster -> its known speaker
    members: list[tuple[np.ndarray, str | None, str, bool]] = []  # shingles, speaker, cluster, short
    for (q, is_new), sh in zip(items, hashed):
        freq = counts[np.searchsorted(uniq, sh)]
        idx = np.lexsort((sh, freq))  # rarest first, ties by hash: one global order
        order, is_shared = sh[idx], freq[idx] > 1
        p = len(sh) - _needed(len(sh)) + 1 if len(sh) else 0
        shared = order[is_shared]  # a shingle no other quote has is never looked up
        rare = order[:p][is_shared[:p]]
        speaker, short = q.get("speaker_entity_id"), _is_short(q["text"])
        if is_new:
            cands: set[int] = set()
            for h in rare.tolist():
                cands.update(full.get(h, ()))
            for h in shared.tolist():
                cands.update(prefix.get(h, ()))
            q["quote_cluster_id"] = _best(sh, speaker, short, cands, members, speakers) or q["quote_id"]
        cluster = q["quote_cluster_id"]
        if speaker:
            speakers.setdefault(cluster, speaker)
        i = len(members)
        members.append((sh, speaker, cluster, short))
        for h in shared.tolist():
            lst = full.setdefault(h, [])
            if len(lst) < MAX_POSTINGS:
                lst.append(i)
        for h in rare.tolist():
            lst = prefix.setdefault(h, [])
            if len(lst) < MAX_POSTINGS:
                lst.append(i)
    return new


def _best(sh: np.ndarray, speaker: str | None, short: bool, cands: set[int], members: list,
          speakers: dict[str, str]) -> str | None:
    best, best_score = None, 0.0
    own = set(sh.tolist())
    for i in cands:
        other, other_speaker, cluster, other_short = members[i]
        known = speakers.get(cluster)
        if speaker and known and speaker != known:
            continue
        if short or other_short:
            if not (speaker and speaker == other_speaker and np.array_equal(sh, other)):
                continue
        n = len(own.intersection(other.tolist()))
        score = n / min(len(sh), len(other))
        if score >= MIN_OVERLAP and (score > best_score or score == best_score and cluster < best):
            best, best_score = cluster, score
    return best


def cluster_run_quotes(store: Store, run_id: str) -> tuple[int, int]:
    """Cluster this run's staged quotes against every committed quote; rewrite the staged parts.

    Only quote ids, texts and speaker ids are held in memory while clustering (new quotes are taken
    in quote_id order over the whole run, so the result does not depend on how the run was split
    into parts); each part is then rewritten on its own.
    Returns (quotes clustered, quotes that joined a cluster with another member)."""
    cols = ["quote_cluster_id", "text", "speaker_entity_id"]
    earlier = store.read_table("quotes", columns=cols).to_pylist()
    parts = store.staged_parts(run_id, "quotes")
    rows = [q for p in parts for q in store.read_parquet(p, columns=["quote_id", "text", "speaker_entity_id"]).to_pylist()]
    cluster_quotes(rows, earlier)
    cluster_of = {q["quote_id"]: q["quote_cluster_id"] for q in rows}
    sizes: dict[str, int] = {}
    for q in [*earlier, *rows]:
        if q.get("quote_cluster_id"):
            sizes[q["quote_cluster_id"]] = sizes.get(q["quote_cluster_id"], 0) + 1
    del earlier
    for path in parts:
        t = store.read_parquet(path)
        ids = pa.array([cluster_of[q] for q in t.column("quote_id").to_pylist()], pa.string())
        t = t.set_column(t.schema.get_field_index("quote_cluster_id"), "quote_cluster_id", ids)
        store.stage_part(run_id, "quotes", t, Path(path).stem.split(f"{run_id}-")[1])
    return len(rows), sum(sizes[q["quote_cluster_id"]] > 1 for q in rows)


@task(name="cluster-quotes")
def cluster_quotes_task(config: Config, run_id: str) -> dict:
    n, joined = cluster_run_quotes(Store.of(config), run_id)
    get_logger().info(f"cluster-quotes: {n} quotes in, {n} out; {joined} share a cluster with another quote")
    return {"quotes": n, "clustered": joined}
