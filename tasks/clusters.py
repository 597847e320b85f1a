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

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from prefect import task

from newsloom import schemas
from newsloom.config import Config
from newsloom.storage import Store
from newsloom.util import get_logger

MIN_OVERLAP = 0.8
SHINGLE = 3
MAX_POSTINGS = 2000  # shingles this common ("he said that") are not used to find candidates
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


@dataclass
class QuoteIndex:
    """Members seen so far, indexed by shingle.  Shingles are kept as integer hashes and a member as
    (number of shingles, speaker, cluster, hash of its shingle set if short), so that memory grows by
    a few machine words per shingle, not by the shingle strings."""

    members: list[tuple[int, str | None, str, int | None]] = field(default_factory=list)
    postings: dict[int, list[int]] = field(default_factory=dict)
    speakers: dict[str, str] = field(default_factory=dict)  # cluster -> its known speaker

    def add(self, sh: frozenset[str], speaker: str | None, cluster: str, short: bool) -> None:
        if speaker:
            self.speakers.setdefault(cluster, speaker)
        i = len(self.members)
        self.members.append((len(sh), speaker, cluster, hash(sh) if short else None))
        for s in sh:
            lst = self.postings.setdefault(hash(s), [])
            if len(lst) < MAX_POSTINGS:
                lst.append(i)

    def match(self, sh: frozenset[str], speaker: str | None, short: bool) -> str | None:
        if not sh:
            return None
        counts: dict[int, int] = {}
        for s in sh:
            for i in self.postings.get(hash(s), ()):
                counts[i] = counts.get(i, 0) + 1
        best, best_score = None, 0.0
        own = hash(sh) if short else None
        for i, n in counts.items():
            size, other_speaker, cluster, other_short = self.members[i]
            known = self.speakers.get(cluster)
            if speaker and known and speaker != known:
                continue
            if short or other_short is not None:
                if not (own == other_short and size == len(sh) and speaker and speaker == other_speaker):
                    continue
            score = n / min(len(sh), size)
            if score >= MIN_OVERLAP and (score > best_score or score == best_score and cluster < best):
                best, best_score = cluster, score
        return best


def _is_short(text: str) -> bool:
    return len(_WORD.findall(text)) < SHINGLE


def cluster_quotes(new: list[dict], earlier: list[dict] | None = None) -> list[dict]:
    """Give every quote in ``new`` a quote_cluster_id (in place; also returned).

    ``earlier`` are committed quotes with their quote_cluster_id; ``new`` are taken in quote_id order.
    """
    index = QuoteIndex()
    for q in earlier or []:
        if q.get("quote_cluster_id"):
            index.add(shingles(q["text"]), q.get("speaker_entity_id"), q["quote_cluster_id"], _is_short(q["text"]))
    for q in sorted(new, key=lambda x: x["quote_id"]):
        sh, speaker, short = shingles(q["text"]), q.get("speaker_entity_id"), _is_short(q["text"])
        q["quote_cluster_id"] = index.match(sh, speaker, short) or q["quote_id"]
        index.add(sh, speaker, q["quote_cluster_id"], short)
    return new


def cluster_run_quotes(store: Store, run_id: str) -> tuple[int, int]:
    """Cluster this run's staged quotes against every committed quote; rewrite the staged parts.

    Only quote ids, texts and speaker ids are held in memory while clustering (new quotes are taken
    in quote_id order over the whole run, so the result does not depend on how the run was split
    into parts); each part is then rewritten on its own.
    Returns (quotes clustered, quotes that joined a cluster with another member)."""
    cols = ["quote_cluster_id", "text", "speaker_entity_id"]
    earlier = store.read_table("quotes", columns=cols).to_pylist()
    parts = store.staged_parts(run_id, "quotes")
    rows = [q for p in parts for q in pq.read_table(p, columns=["quote_id", "text", "speaker_entity_id"]).to_pylist()]
    cluster_quotes(rows, earlier)
    cluster_of = {q["quote_id"]: q["quote_cluster_id"] for q in rows}
    sizes: dict[str, int] = {}
    for q in [*earlier, *rows]:
        if q.get("quote_cluster_id"):
            sizes[q["quote_cluster_id"]] = sizes.get(q["quote_cluster_id"], 0) + 1
    del earlier
    for path in parts:
        t = pq.read_table(path)
        ids = pa.array([cluster_of[q] for q in t.column("quote_id").to_pylist()], pa.string())
        t = t.set_column(t.schema.get_field_index("quote_cluster_id"), "quote_cluster_id", ids)
        store.stage_part(run_id, "quotes", t, path.stem.split(f"{run_id}-")[1])
    return len(rows), sum(sizes[q["quote_cluster_id"]] > 1 for q in rows)


@task(name="cluster-quotes")
def cluster_quotes_task(config: Config, run_id: str) -> dict:
    n, joined = cluster_run_quotes(Store(Path(config.out)), run_id)
    get_logger().info(f"cluster-quotes: {n} quotes in, {n} out; {joined} share a cluster with another quote")
    return {"quotes": n, "clustered": joined}
