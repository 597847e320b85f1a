"""Quote and speaker quality on public gold: PolNeAR dev (../shared/eval/quotes), the shared scorer.

    python bench/quotes.py [--limit N] [--model en_core_web_sm] [--errors]

Each gold article goes through the same code as a JSONL article in the pipeline (text verbatim,
one spaCy parse, mentions then quotes).  Reports span P/R/F1 (exact and overlap), speaker accuracy
and joint quote+speaker F1, for ``direct,mixed`` and for all kinds, and the time per article.
``--errors`` adds a count of missed and spurious direct quotes by the form around them.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._shared import OUT, SHARED, need, scorer  # noqa: E402


def predict(records: list[dict], model: str) -> tuple[list[dict], float]:
    import pyarrow as pa

    from newsloom.nlp import load_nlp
    from tasks.extract import extract_mentions_and_quotes
    from tasks.extract.entities import load_aliases

    nlp, aliases = load_nlp(model), load_aliases()
    table = pa.table({"article_id": [r["id"] for r in records], "text": [r["text"] for r in records]})
    t0 = time.perf_counter()
    _, quotes = extract_mentions_and_quotes(table, nlp, aliases, run_id="bench")
    seconds = time.perf_counter() - t0
    by_doc: dict[str, list[dict]] = {r["id"]: [] for r in records}
    for q in quotes.to_pylist():
        spans = [[q["speaker_start"], q["speaker_end"]]] if q["speaker_start"] is not None else []
        by_doc[q["article_id"]].append({"start": q["start_char"], "end": q["end_char"], "kind": q["kind"],
                                        "speaker": q["speaker"], "speaker_surface": q["speaker_surface"],
                                        "speaker_spans": spans})
    return [{"id": k, "quotes": v} for k, v in by_doc.items()], seconds


def summarise(res: dict) -> dict:
    o, e = res["overlap"], res["exact"]
    return {"span_f1_overlap": o["quotes"]["f1"], "span_p_overlap": o["quotes"]["precision"],
            "span_r_overlap": o["quotes"]["recall"], "span_f1_exact": e["quotes"]["f1"],
            "speaker_acc_lenient": o["speaker_accuracy_lenient"], "speaker_acc_strict": o["speaker_accuracy_strict"],
            "joint_f1_lenient": o["joint_lenient"]["f1"], "joint_f1_strict": o["joint_strict"]["f1"]}


def run(limit: int | None = None, model: str = "en_core_web_sm") -> dict:
    sc = scorer("score_quotes")
    gold = sc.load_jsonl(str(need(SHARED / "eval" / "quotes" / "dev.jsonl")))[:limit]
    pred, seconds = predict(gold, model)
    out = {"articles": len(gold), "seconds_per_article": round(seconds / max(1, len(gold)), 4)}
    for name, kinds in (("direct,mixed", {"direct", "mixed"}), ("all", None)):
        out[name] = summarise(sc.score(gold, pred, kinds))
    out["_pred"], out["_gold"] = pred, gold
    return out


def error_forms(gold: list[dict], pred: list[dict]) -> dict:
    """Missed gold direct/mixed quotes and spurious predictions, by a rough description of the form."""
    missed, spurious = Counter(), Counter()
    preds = {p["id"]: p["quotes"] for p in pred}
    for g in gold:
        text, ps = g["text"], preds.get(g["id"], [])
        for q in g["quotes"]:
            if q["kind"] not in ("direct", "mixed"):
                continue
            hit = any(min(p["end"], q["end"]) - max(p["start"], q["start"]) > 0.5 * (q["end"] - q["start"]) for p in ps)
            if not hit:
                form = "no speaker" if not q.get("speaker") else ("pronoun speaker" if q.get("speaker_is_pronoun") else "named speaker")
                words = len(q["text"].split())
                missed[f"{q['kind']}, {form}, {'short (<=3 words)' if words <= 3 else 'long'}"] += 1
        for p in ps:
            if p["kind"] != "direct":
                continue
            hit = any(min(p["end"], q["end"]) - max(p["start"], q["start"]) > 0 for q in g["quotes"])
            if not hit:
                words = len(text[p["start"]:p["end"]].split())
                spurious[f"{'attributed' if p['speaker'] else 'unattributed'}, {'short' if words <= 3 else 'long'}"] += 1
    return {"missed_direct_mixed": dict(missed.most_common()), "spurious_direct": dict(spurious.most_common())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--errors", action="store_true")
    args = ap.parse_args()
    res = run(args.limit, args.model)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "quotes_pred.jsonl", "w") as fh:
        for p in res["_pred"]:
            fh.write(json.dumps(p) + "\n")
    print(f"PolNeAR dev, {res['articles']} articles, {res['seconds_per_article']} s/article (parse + mentions + quotes)")
    print(f"{'kinds':14}{'span F1 ovl':>12}{'P':>7}{'R':>7}{'exact F1':>10}{'spk acc':>9}{'joint F1':>10}{'joint strict':>13}")
    for name in ("direct,mixed", "all"):
        r = res[name]
        print(f"{name:14}{r['span_f1_overlap']:12.3f}{r['span_p_overlap']:7.3f}{r['span_r_overlap']:7.3f}"
              f"{r['span_f1_exact']:10.3f}{r['speaker_acc_lenient']:9.3f}{r['joint_f1_lenient']:10.3f}{r['joint_f1_strict']:13.3f}")
    if args.errors:
        print(json.dumps(error_forms(res["_gold"], res["_pred"]), indent=1))


if __name__ == "__main__":
    main()
