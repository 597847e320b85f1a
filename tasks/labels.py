"""vote-labels: one label per name across the corpus, by a vote weighted by how sure each mention is.

An article settles the label of each name from its own evidence (the model's label, "shares of X",
"X, who ...", the alias table); ``mentions.label_score`` says how much of that evidence backs the label.
A name can still be ORG in one article and PERSON in three others. Here the whole corpus votes: each
mention adds its ``label_score`` to its label, and each earlier run's mention counts as one vote for the
label it holds in the ``entities`` aggregate. A mention takes the corpus's label when that label has
won at least ``RATIO`` times the weight of the mention's own label, in at least ``MIN_ARTICLES``
articles. Only PERSON, ORG, GPE and LOC take part. Names from the alias table, nationalities and every
other label keep theirs.

Run phase: reads this run's ``mentions`` (article_id, name, label, label_score) and the ``entities``
aggregate (name, labels, label_counts); writes ``_labels``: the label each voted name takes, by folded
name.
Part phase: reads a ``mentions`` part, the ``quotes`` part of the same key and ``_labels``; rewrites the
``label`` of each outvoted mention, and its ``entity_id`` where a person becomes a non-person or the
other way round (the two kinds of ids differ: tasks.extract.entities.entity_id_for). The quotes of that
mention's entity follow in ``speaker_entity_id``.

It runs after resolve-surnames, so that "Lavrov" alone votes with "Sergei Lavrov" (on TUNE: micro F1
0.739 -> 0.742 after it, no change before it).  Chosen on the TUNE half of CoNLL-2003 DEV
(docs/benchmarks.md): RATIO 1.5 and MIN_ARTICLES 2; a ratio of 2 or 3, three articles, or counting every
mention as one vote gave the same or less.
"""
from __future__ import annotations

from collections import Counter, defaultdict

import pyarrow as pa

from newsloom import schemas
from newsloom.config import Config
from newsloom.stage import Stage
from tasks.extract.entities import entity_id_for, fold
from tasks.surnames import count_changed, rewrite_mentions

VOTED = ("PERSON", "ORG", "GPE", "LOC")
RATIO = 1.5
MIN_ARTICLES = 2
MENTION_COLUMNS = ("article_id", "name", "label", "label_score")
ENTITY_COLUMNS = ("name", "labels", "label_counts")


def corpus_labels(mentions: list[dict], earlier: list[dict] = ()) -> dict[str, str]:
    """folded name -> the label the corpus gives it, for the names where the vote can overrule an article.

    ``mentions``: dicts with article_id, name, label and label_score (null counts as 1);
    ``earlier``: entities rows with name, labels and label_counts (earlier runs, one vote per mention)."""
    weight: dict[str, Counter] = defaultdict(Counter)
    articles: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for m in mentions:
        if m["label"] in VOTED:
            key = fold(m["name"])
            score = m.get("label_score")
            weight[key][m["label"]] += 1.0 if score is None else float(score)
            articles[key][m["label"]].add(m["article_id"])
    for e in earlier:
        for label, n in zip(e.get("labels") or [], e.get("label_counts") or []):
            if label in VOTED:
                key = fold(e["name"])
                weight[key][label] += n
                # the aggregate keeps mentions per label, not articles: n mentions stand for up to n articles
                articles[key][label].update(f"earlier:{e['name']}:{label}:{k}" for k in range(min(n, MIN_ARTICLES)))
    out = {}
    for key, w in weight.items():
        if len(w) < 2:
            continue
        label, top = w.most_common(1)[0]
        if len(articles[key][label]) >= MIN_ARTICLES and any(top >= RATIO * v for lab, v in w.items() if lab != label):
            out[key] = label
    return out


def relabel(mentions: list[dict], quotes: list[dict], voted: dict[str, str]) -> int:
    """Apply the corpus labels in place; returns the number of mentions relabelled."""
    remap: dict[str, str] = {}
    n = 0
    for m in mentions:
        label = voted.get(fold(m["name"]))
        if label is None or m["label"] not in VOTED or m["label"] == label:
            continue
        if (m["label"] == "PERSON") != (label == "PERSON"):
            eid = entity_id_for(m["name"], label)
            remap[m["entity_id"]] = eid
            m["entity_id"] = eid
        m["label"] = label
        n += 1
    for q in quotes:
        if q.get("speaker_entity_id") in remap:
            q["speaker_entity_id"] = remap[q["speaker_entity_id"]]
    return n


def labels_table(mentions: pa.Table, entities: pa.Table) -> pa.Table:
    voted = corpus_labels(mentions.select(list(MENTION_COLUMNS)).to_pylist(),
                          entities.select(list(ENTITY_COLUMNS)).to_pylist())
    return schemas.from_rows([{"key": k, "label": v} for k, v in sorted(voted.items())], schemas.LABELS)


def relabel_part(mentions: pa.Table, quotes: pa.Table, labels: pa.Table) -> tuple[pa.Table, pa.Table, int]:
    voted = dict(zip(labels.column("key").to_pylist(), labels.column("label").to_pylist()))
    if not voted:
        return mentions, quotes, 0
    return rewrite_mentions(mentions, quotes, lambda ms, qs: relabel(ms, qs, voted))


def _run(inputs: dict[str, pa.Table], config: Config, run_id: str) -> dict[str, pa.Table]:
    return {"_labels": labels_table(inputs["mentions"], inputs["aggregate:entities"])}


def _part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    mentions, quotes, _ = relabel_part(inputs["mentions"], inputs["quotes"], inputs["_labels"])
    return {"mentions": mentions, "quotes": quotes}


STAGE = Stage(
    name="vote-labels",
    run_reads={"aggregate:entities": ENTITY_COLUMNS, "mentions": MENTION_COLUMNS},
    run=_run,
    reads={"mentions": None, "quotes": None, "run:_labels": None},
    writes=("mentions", "quotes", "_labels"),
    part=_part,
    parts_of="mentions",
    count=count_changed("label", "relabelled"),
)
