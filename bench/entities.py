"""Entity mention quality on the sample corpus against hand-made gold (bench/gold/sample_entities.json).

    python bench/entities.py [--model en_core_web_sm] [--show]

Runs the pipeline's own stage functions (fetch, clean, extract, the cross-article surname pass) on
data/raw, then reports mention-level P/R/F1 for PERSON, ORG and GPE (LOC counts as GPE; exact span and
label), and the clustering quality over correctly found mentions: pairwise P/R/F1 of "same entity_id"
against "same gold entity", across articles.  ``--show`` lists the misses and the spurious mentions.
"""
from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "bench" / "gold" / "sample_entities.json"
LABELS = ("PERSON", "ORG", "GPE")


def predict(model: str, sources: set[str]) -> tuple[dict, dict]:
    """(text by source, mentions by source) from the stage functions."""
    from collections import Counter

    from newsloom.config import make_config
    from tasks.clean import clean_articles
    from tasks.extract import extract_articles
    from tasks.fetch import FetchState, fetch_documents
    from tasks.surnames import persons_table, resolve_part_surnames

    config = make_config(sources=[str(ROOT / "data" / "raw")], out="/tmp/newsloom-bench-unused", model=model)
    parts = [t["documents"] for _, t in fetch_documents(config, "bench", FetchState(), Counter()) if "documents" in t]
    articles, _ = clean_articles(pa.concat_tables(parts), config)
    keep = [i for i, s in enumerate(articles.column("source").to_pylist()) if s in sources]
    articles = articles.take(pa.array(keep, pa.int64()))
    mentions, quotes, _ = extract_articles(articles, config)
    mentions, quotes, _ = resolve_part_surnames(mentions, quotes, persons_table(mentions))
    ms = mentions.to_pylist()
    src = dict(zip(articles.column("article_id").to_pylist(), articles.column("source").to_pylist()))
    texts = dict(zip(articles.column("source").to_pylist(), articles.column("text").to_pylist()))
    by_source = defaultdict(list)
    for m in ms:
        by_source[src[m["article_id"]]].append(m)
    return texts, by_source


def gold_mentions(text: str, entry: dict) -> dict[tuple[int, int], tuple[str, str]]:
    """(start, end) -> (label, canonical) for every occurrence of every gold surface, longest first."""
    items = [(surface, label, canon) for label in LABELS for canon, surfaces in entry.get(label, {}).items()
             for surface in surfaces]
    items.sort(key=lambda x: -len(x[0]))
    taken: dict[tuple[int, int], tuple[str, str]] = {}
    for surface, label, canon in items:
        for m in re.finditer(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken[(m.start(), m.end())] = (label, canon)
    return taken


def score(model: str = "en_core_web_sm", show: bool = False) -> dict:
    gold_all = {k: v for k, v in json.loads(GOLD.read_text()).items() if not k.startswith("_")}
    texts, preds = predict(model, set(gold_all))
    counts = {label: Counter() for label in LABELS}
    matched = []  # (source, gold canonical, predicted entity_id)
    misses, spurious = [], []
    for source, entry in gold_all.items():
        gold = gold_mentions(texts[source], entry)
        pred = {}
        for m in preds.get(source, []):
            label = "GPE" if m["label"] == "LOC" else m["label"]
            if label in LABELS:
                pred[(m["start_char"], m["end_char"])] = (label, m["entity_id"], m["surface"])
        for span, (label, canon) in gold.items():
            p = pred.get(span)
            if p is not None and p[0] == label:
                counts[label]["tp"] += 1
                matched.append((source, canon, p[1]))
            else:
                counts[label]["fn"] += 1
                misses.append((source, texts[source][span[0]:span[1]], label, p[0] if p else None))
        for span, (label, _, surface) in pred.items():
            if gold.get(span, (None,))[0] != label:
                counts[label]["fp"] += 1
                spurious.append((source, surface, label, gold.get(span, (None,))[0]))

    def prf(c):
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
                "gold": c["tp"] + c["fn"], "pred": c["tp"] + c["fp"]}
    res = {label: prf(c) for label, c in counts.items()}
    res["all"] = prf(sum(counts.values(), Counter()))
    same_gold = same_pred = same_both = 0
    for (_, g1, p1), (_, g2, p2) in itertools.combinations(matched, 2):
        same_gold += g1 == g2
        same_pred += p1 == p2
        same_both += g1 == g2 and p1 == p2
    cp = same_both / same_pred if same_pred else 0.0
    cr = same_both / same_gold if same_gold else 0.0
    res["clustering_pairwise"] = {"precision": round(cp, 3), "recall": round(cr, 3),
                                  "f1": round(2 * cp * cr / (cp + cr), 3) if cp + cr else 0.0,
                                  "mentions": len(matched)}
    if show:
        res["misses"], res["spurious"] = misses, spurious
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args()
    res = score(args.model, args.show)
    print(f"Sample corpus gold ({GOLD.name}), model {args.model}: exact span and label")
    print(f"{'label':10}{'P':>8}{'R':>8}{'F1':>8}{'gold':>7}{'pred':>7}")
    for label in (*LABELS, "all"):
        r = res[label]
        print(f"{label:10}{r['precision']:8.3f}{r['recall']:8.3f}{r['f1']:8.3f}{r['gold']:7d}{r['pred']:7d}")
    c = res["clustering_pairwise"]
    print(f"entity clustering, pairwise over {c['mentions']} found mentions: P {c['precision']} R {c['recall']} F1 {c['f1']}")
    if args.show:
        for m in res["misses"]:
            print("  miss:", m)
        for m in res["spurious"]:
            print("  spurious:", m)


if __name__ == "__main__":
    main()
