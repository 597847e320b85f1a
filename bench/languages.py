"""The French sample corpus against its hand-made gold (bench/gold/fr_sample.json): entity mentions, quotes
with the right speaker, and chrome left in the text.  Used by bench/entities.py and bench/quotes.py, which
print it beside their English figures.

    python bench/languages.py [--show]
    python bench/languages.py --heldout 2 [--show]   # bench/gold/fr_heldout2.json: scored once, never tuned on

The French articles of data/raw/ and their gold were written by the newsloom developers, and the French
rules (newsloom/lang/fr.json, tasks/quotes/lexical.py) were developed while reading them: these figures
are a development measure, not a held-out one (docs/benchmarks.md says so beside them).

Quotes: a predicted quote matches a gold quote of the same article when their character spans overlap by
at least half of their union (Jaccard >= 0.5); it counts as right when the speaker is the gold speaker too
(canonical name; a gold speaker of null wants a quote with no resolved speaker).  Precision is over
predicted quotes, recall over gold quotes.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ROOT = Path(__file__).resolve().parent.parent
FR_GOLD = ROOT / "bench" / "gold" / "fr_sample.json"
HELDOUT = ROOT / "bench" / "gold" / "fr_heldout.json"
HELDOUT2 = ROOT / "bench" / "gold" / "fr_heldout2.json"
SETS = {FR_GOLD: ROOT / "data" / "raw", HELDOUT: ROOT / "bench" / "gold" / "fr_heldout",
        HELDOUT2: ROOT / "bench" / "gold" / "fr_heldout2"}
MATCH = 0.5


@lru_cache(maxsize=3)
def _french_predictions(gold_path: Path = FR_GOLD):
    from bench.entities import predict

    gold = json.loads(gold_path.read_text())
    return predict(None, set(gold["entities"]) | set(gold["quotes"]), with_quotes=True, root=SETS[gold_path])


def french_entities(show: bool = False, gold_path: Path = FR_GOLD) -> dict:
    from bench.entities import score

    gold = json.loads(gold_path.read_text())
    texts, mentions, _ = _french_predictions(gold_path)
    return score(None, show, gold_all=gold["entities"], predicted=(texts, mentions))


def _span(text: str, quoted: str) -> tuple[int, int] | None:
    i = text.find(quoted)
    return None if i < 0 else (i, i + len(quoted))


def _jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def french_quotes(show: bool = False, gold_path: Path = FR_GOLD) -> dict:
    gold = json.loads(gold_path.read_text())
    texts, _, quotes = _french_predictions(gold_path)
    n_gold = n_pred = span_ok = right = 0
    errors, missing = [], []
    for source, items in gold["quotes"].items():
        text = texts[source]
        golds = []
        for g in items:
            span = _span(text, g["text"])
            if span is None:
                raise ValueError(f"gold quote not in the cleaned text of {source}: {g['text'][:40]!r}")
            golds.append((span, g))
        preds = quotes.get(source, [])
        n_gold += len(golds)
        n_pred += len(preds)
        used = set()
        for q in preds:
            ps = (q["start_char"], q["end_char"])
            best = max(((i, _jaccard(ps, gs)) for i, (gs, _) in enumerate(golds) if i not in used),
                       key=lambda x: x[1], default=(None, 0.0))
            if best[0] is None or best[1] < MATCH:
                errors.append((source, "spurious", q["text"][:60], q["speaker"]))
                continue
            used.add(best[0])
            span_ok += 1
            g = golds[best[0]][1]
            if q["speaker"] == g["speaker"]:
                right += 1
            else:
                errors.append((source, "speaker", q["text"][:60], q["speaker"], "gold:", g["speaker"]))
        missing += [(source, g["text"][:60], g["speaker"]) for i, (_, g) in enumerate(golds) if i not in used]

    def prf(tp):
        p, r = tp / n_pred if n_pred else 0.0, tp / n_gold if n_gold else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}
    res = {"gold": n_gold, "pred": n_pred, "span": prf(span_ok), "span_and_speaker": prf(right)}
    if show:
        res["errors"], res["missing"] = errors, missing
    return res


def french_chrome(gold_path: Path = FR_GOLD) -> dict:
    """Chrome phrases of the gold's list that are left in the cleaned French articles."""
    gold = json.loads(gold_path.read_text())
    texts, _, _ = _french_predictions(gold_path)
    left = [(src, phrase) for src in gold["quotes"] for phrase in gold["chrome"] if phrase.lower() in texts[src].lower()]
    return {"articles": len(gold["quotes"]), "phrases": len(gold["chrome"]), "left": left}


def print_quotes(res: dict, gold_path: Path = FR_GOLD) -> None:
    print(f"French gold ({gold_path.name}): {res['gold']} gold quotes, {res['pred']} predicted")
    for what in ("span", "span_and_speaker"):
        r = res[what]
        print(f"  {what:18} P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f}")
    for e in res.get("errors", []):
        print("  error:", e)
    for m in res.get("missing", []):
        print("  missing:", m)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--heldout", type=int, choices=(1, 2), default=None,
                    help="a held-out French gold instead of the sample's: 1 (spent: the rules were changed after "
                         "it was scored) or 2")
    args = ap.parse_args()
    from bench.entities import print_sample

    gold = {None: FR_GOLD, 1: HELDOUT, 2: HELDOUT2}[args.heldout]
    print_sample(french_entities(args.show, gold), f"French entities, {gold.name} (exact span and label)", args.show)
    print()
    print_quotes(french_quotes(args.show, gold), gold)
    chrome = french_chrome(gold)
    print(f"\nchrome phrases left in {chrome['articles']} French articles: {len(chrome['left'])} {chrome['left']}")


if __name__ == "__main__":
    main()
