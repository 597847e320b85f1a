from datetime import datetime, timezone

import pyarrow as pa

from newsloom import schemas
from newsloom.config import make_config
from tasks.clean import text_hash
from tasks.common.minhash import compute_signatures
from tasks.dedup import decide_duplicates, mark_duplicates

BASE = ("The council of Brennick voted on Tuesday to close the old ferry terminal by the end of the year, "
        "ending more than a century of crossings to the island of Tarrow. Mayor Ilse Dorn said the decision "
        "was painful but that the terminal had lost money for nine straight years. Ferry workers will be "
        "offered jobs at the new bridge toll plaza, the council said in a statement. Islanders have protested "
        "the plan for months, arguing that the bridge toll is too high for daily commuters and that older "
        "residents depend on the ferry for hospital visits on the mainland.")


def article(aid, text, day, source=None):
    return {"article_id": aid, "doc_id": "d" + aid, "source": source or f"{aid}.txt", "text": text,
            "n_words": len(text.split()), "text_hash": text_hash(text), "run_id": "r",
            "published_at": datetime(2026, 3, day, tzinfo=timezone.utc)}


def run(rows, prior=None, known=(), **cfg):
    """The deduplicate stage as production runs it: signatures (clean stage), the run's decisions, the part."""
    config = make_config(sources=["."], out="/tmp/newsloom-test-out-unused", **cfg)
    table = schemas.from_rows(rows, schemas.ARTICLES)
    signatures = compute_signatures(table, config)
    known_ids = pa.table({"article_id": pa.array(list(known), pa.string())})
    dups = decide_duplicates(signatures, prior if prior is not None else schemas.SIGNATURES.empty_table(),
                             known_ids, config)
    out, sigs = mark_duplicates(table, signatures, dups)
    return {r["article_id"]: (r["dup_of"], r["dup_similarity"]) for r in out.to_pylist()}, sigs


def test_exact_near_and_distinct():
    near = BASE.replace("painful", "difficult").replace("nine straight years", "nine years in a row")
    other = ("A heavy storm cut power to thousands of homes in the northern valleys on Sunday night, and repair crews "
             "worked through the morning to restore lines brought down by falling trees and high winds near Oskar Fell.")
    marks, sigs = run([
        article("b", BASE.upper(), 3),         # same text, other case: exact (text_hash normalises)
        article("a", BASE, 2),                  # the earliest: the original
        article("c", near, 4),
        article("d", other, 1),
    ])
    assert marks["a"] == (None, None)
    assert marks["d"] == (None, None)
    assert marks["b"] == ("a", 1.0)
    assert marks["c"][0] == "a" and 0.6 < marks["c"][1] < 1.0
    # signatures are kept for the originals only
    assert sorted(sigs.column("article_id").to_pylist()) == ["a", "d"]


def test_later_run_points_at_earlier_run():
    _, sigs = run([article("a", BASE, 2)])
    copy = BASE.replace("Tuesday", "Wednesday")
    marks, new_sigs = run([article("z", copy, 1)], prior=sigs)  # published earlier, but arrives in a later run
    assert marks["z"][0] == "a"
    assert new_sigs.num_rows == 0


def test_no_dedup_marks_nothing():
    marks, _ = run([article("a", BASE, 2), article("b", BASE, 3)], dedup=False)
    assert marks == {"a": (None, None), "b": (None, None)}


def test_articles_an_earlier_run_wrote_are_not_written_again():
    _, sigs = run([article("a", BASE, 2)])
    marks, new_sigs = run([article("a", BASE, 2), article("b", BASE, 3)], prior=sigs, known=["a"])
    assert marks == {"b": ("a", 1.0)}
    assert new_sigs.num_rows == 0


def test_a_run_over_many_committed_articles_finds_the_same_originals_as_an_index_of_all_of_them(monkeypatch):
    """Only the committed signatures that share an LSH band with one of the run's are indexed; the decisions
    equal those of an index of every committed signature (near copies of committed articles, of each other,
    and articles unlike any)."""
    import random

    import tasks.dedup as dedup

    rng = random.Random(3)
    words = BASE.split()
    stories = [[rng.choice(words) + str(k) for _ in range(90)] for k in range(6)]  # six unrelated texts

    def variant(story, k):
        w = list(stories[story])
        for _ in range(k):
            w[rng.randrange(len(w))] = rng.choice(words)
        return " ".join(w)

    committed = [article(f"c{i}", variant(i % 6, 0 if i < 6 else rng.randint(5, 30)), 1 + i % 20) for i in range(60)]
    _, prior = run(committed)
    rows = [article(f"n{i}", variant(i % 6, rng.randint(0, 2)) if i % 2 else " ".join(rng.choices(words, k=80)),
                    21 + i % 5) for i in range(12)]
    banded, _ = run(rows, prior=prior)
    asked = []
    real = dedup.sharing_a_band
    monkeypatch.setattr(dedup, "sharing_a_band", lambda *a: asked.append(real(*a)) or [True] * a[0].num_rows)
    every, _ = run(rows, prior=prior)
    assert banded == every
    assert 0 < sum(asked[0]) < len(asked[0])  # some committed signatures were left out of the index
    assert len({d for d, _ in banded.values() if d is not None and d.startswith("c")}) >= 3  # committed originals found
