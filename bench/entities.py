"""Entity mention quality on the sample corpus against hand-made gold (bench/gold/sample_entities.json), and
on CoNLL-2003's English DEV split (../shared/eval/ner) beside the bare spaCy model.

    python bench/entities.py [--model en_core_web_sm] [--show]
    python bench/entities.py --dev [--model en_core_web_sm]

``--dev`` feeds each DEV document to the pipeline as a JSONL article (its text kept verbatim, so the
offsets are the gold's) through the production stage functions (clean_articles, extract_and_locate, the
identity stage: surnames and the label vote), writes the mentions as PRED, does the same with bare ``nlp.pipe`` (every
``doc.ents``), and scores both with ../shared/eval/score_ner.py: per type, micro, the right-span-wrong-type
confusions, and documents rejected.  DEV is split by document number: 001-108 is where settings are chosen
(TUNE), 109-216 is reported (REPORT); the full set is printed too.

Runs the pipeline's own stage functions (fetch, clean, extract, the identity stage) on
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


def predict(model: str | None, sources: set[str], with_quotes: bool = False, root: Path | None = None) -> tuple:
    """(text by source, mentions by source[, quotes by source]) from the stage functions, over ``root``
    (default: data/raw)."""
    from collections import Counter

    from newsloom.config import make_config
    from tasks.clean import clean_articles
    from tasks.extract import extract_and_locate
    from tasks.fetch import FetchState, fetch_documents
    from tasks.identity import resolve_identities

    config = make_config(sources=[str(root or ROOT / "data" / "raw")], out="/tmp/newsloom-bench-unused", model=model)
    parts = [t["documents"] for _, t in fetch_documents(config, "bench", FetchState(), Counter()) if "documents" in t]
    articles, _ = clean_articles(pa.concat_tables(parts), config)
    keep = [i for i, s in enumerate(articles.column("source").to_pylist()) if s in sources]
    articles = articles.take(pa.array(keep, pa.int64()))
    mentions, quotes, _, _ = extract_and_locate(articles, config)
    mentions, quotes = resolve_identities(mentions, quotes)
    ms = mentions.to_pylist()
    src = dict(zip(articles.column("article_id").to_pylist(), articles.column("source").to_pylist()))
    texts = dict(zip(articles.column("source").to_pylist(), articles.column("text").to_pylist()))
    by_source = defaultdict(list)
    for m in ms:
        by_source[src[m["article_id"]]].append(m)
    if with_quotes:
        qs = defaultdict(list)
        for q in quotes.to_pylist():
            qs[src[q["article_id"]]].append(q)
        return texts, by_source, qs
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


def score(model: str | None = "en_core_web_sm", show: bool = False, gold_all: dict | None = None,
          predicted: tuple[dict, dict] | None = None) -> dict:
    """Mention P/R/F1 and clustering against ``gold_all`` (default: the English sample gold); ``predicted``:
    (texts, mentions) by source when the caller has already run the stages."""
    if gold_all is None:
        gold_all = {k: v for k, v in json.loads(GOLD.read_text()).items() if not k.startswith("_")}
    texts, preds = predicted or predict(model, set(gold_all))
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


# ---- CoNLL-2003 DEV ------------------------------------------------------------------------------------------
DEV = ROOT.parent / "shared" / "eval" / "ner" / "dev.jsonl"
SCORER = ROOT.parent / "shared" / "eval" / "score_ner.py"
SPLITS = {"TUNE": range(1, 109), "REPORT": range(109, 217), "ALL": range(1, 217)}


def newsloom_dev(docs: list[dict], model: str) -> tuple[dict[str, list[dict]], list[dict]]:
    """(mentions by document id, rejects) from the production stage functions."""
    from bench._shared import jsonl_documents
    from newsloom import schemas
    from newsloom.config import make_config
    from tasks.clean import clean_articles
    from tasks.extract import extract_and_locate
    from tasks.identity import resolve_identities

    config = make_config(sources=[str(ROOT / "data" / "raw")], out="/tmp/newsloom-bench-unused", model=model)
    articles, rejects = clean_articles(jsonl_documents(docs), config)
    mentions, _, extract_rejects, _ = extract_and_locate(articles, config)
    no_quotes = schemas.QUOTES.empty_table()
    mentions, _ = resolve_identities(mentions, no_quotes)
    doc_of = dict(zip(articles.column("article_id").to_pylist(), articles.column("source").to_pylist()))
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for m in mentions.to_pylist():
        by_doc[doc_of[m["article_id"]]].append({"start": m["start_char"], "end": m["end_char"], "label": m["label"]})
    return by_doc, rejects.to_pylist() + extract_rejects.to_pylist()


def bare_dev(docs: list[dict], model: str) -> dict[str, list[dict]]:
    import spacy

    from newsloom.config import resolve_model

    nlp = spacy.load(resolve_model(model))
    return {d["id"]: [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
            for d, doc in zip(docs, nlp.pipe(d["text"] for d in docs))}


def score_dev(docs: list[dict], preds: dict[str, list[dict]], tmp: Path) -> dict:
    import subprocess

    gold, pred = tmp / "gold.jsonl", tmp / "pred.jsonl"
    gold.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    pred.write_text("".join(json.dumps({"id": d["id"], "mentions": preds.get(d["id"], [])}) + "\n" for d in docs),
                    encoding="utf-8")
    out = subprocess.run([sys.executable, str(SCORER), str(gold), str(pred), "--json"], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


def dev_report(model: str) -> dict:
    import tempfile

    if not DEV.exists():
        raise SystemExit(f"{DEV} is not here: the DEV set lives in ../shared")
    docs = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    ours, rejects = newsloom_dev(docs, model)
    bare = bare_dev(docs, model)
    result = {"rejected": [(r["source"], r["reason"]) for r in rejects]}
    with tempfile.TemporaryDirectory() as tmp:
        for split, numbers in SPLITS.items():
            part = [d for d in docs if int(d["id"].rsplit("-", 1)[1]) in numbers]
            result[split] = {"newsloom": score_dev(part, ours, Path(tmp)), "bare": score_dev(part, bare, Path(tmp))}
    return result


def print_dev(res: dict, model: str) -> None:
    print(f"CoNLL-2003 English DEV, model {model}: exact span and type (score_ner.py)")
    print(f"documents rejected by newsloom: {len(res['rejected'])} {res['rejected'][:10]}")
    for split in SPLITS:
        print(f"\n{split}")
        print(f"{'':10}{'newsloom P/R/F1':>24}{'bare P/R/F1':>24}")
        for t in ("PER", "ORG", "LOC", "micro"):
            a, b = res[split]["newsloom"][t], res[split]["bare"][t]
            print(f"{t:10}{a['p']:8.3f}{a['r']:8.3f}{a['f1']:8.3f}{b['p']:8.3f}{b['r']:8.3f}{b['f1']:8.3f}")
        for who in ("newsloom", "bare"):
            top = list(res[split][who]["confused"].items())[:6]
            print(f"  confusions {who}: {top}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--dev", action="store_true", help="CoNLL-2003 DEV beside the bare model")
    args = ap.parse_args()
    if args.dev:
        print_dev(dev_report(args.model), args.model)
        return
    res = score(args.model, args.show)
    print_sample(res, f"English sample corpus gold ({GOLD.name}), model {args.model}: exact span and label", args.show)
    from bench.languages import french_entities

    print()
    print_sample(french_entities(args.show), "French sample corpus gold (bench/gold/fr_sample.json), model "
                 "fr_core_news_sm: exact span and label", args.show)


def print_sample(res: dict, heading: str, show: bool) -> None:
    print(heading)
    print(f"{'label':10}{'P':>8}{'R':>8}{'F1':>8}{'gold':>7}{'pred':>7}")
    for label in (*LABELS, "all"):
        r = res[label]
        print(f"{label:10}{r['precision']:8.3f}{r['recall']:8.3f}{r['f1']:8.3f}{r['gold']:7d}{r['pred']:7d}")
    c = res["clustering_pairwise"]
    print(f"entity clustering, pairwise over {c['mentions']} found mentions: P {c['precision']} R {c['recall']} F1 {c['f1']}")
    if show:
        for m in res["misses"]:
            print("  miss:", m)
        for m in res["spurious"]:
            print("  spurious:", m)


if __name__ == "__main__":
    main()
