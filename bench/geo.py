"""Places on GeoVirus (../shared/eval/geo): recognition and resolution, beside the bare model.

    python bench/geo.py [--model en_core_web_sm] [--min-population N] [--tune] [--ablate] [--bare]

Each article goes through the production stage functions (clean, entity-extract with place resolution, the
identity stage) as a JSONL document, so the offsets are the gold's; its resolved place mentions are the
prediction.  Scored with ../shared/eval/score_geo.py.  The split is fixed by a hash of the article id:
TUNE (tenths 0-4) is where the weights and the population threshold were chosen, REPORT (5-9) is reported.
``--tune`` searches the weights on TUNE; ``--ablate`` scores TUNE with each context signal turned off.
The mentions are cached in bench/out/geo_mentions.json (delete it after changing the extract stage).
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._shared import OUT, SHARED, jsonl_documents, need, scorer  # noqa: E402

GOLD = SHARED / "eval" / "geo" / "geovirus.jsonl"
CACHE = OUT / "geo_mentions.json"
SPLIT_TENTHS = {"TUNE": range(0, 5), "REPORT": range(5, 10)}


def split_of(doc_id: str) -> str:
    tenth = int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 10
    return next(name for name, tenths in SPLIT_TENTHS.items() if tenth in tenths)


def load_docs() -> list[dict]:
    return [json.loads(line) for line in need(GOLD).read_text(encoding="utf-8").splitlines() if line.strip()]


def pipeline_mentions(docs: list[dict], model: str | None) -> dict[str, list[dict]]:
    """doc id -> its mentions (every label) from the production clean and extract stages, before places."""

    from newsloom.config import make_config
    from tasks.clean import clean_articles
    from tasks.extract import extract_articles

    config = make_config(sources=[str(OUT)], out="/tmp/newsloom-bench-unused", model=model)
    articles, _ = clean_articles(jsonl_documents(docs), config)
    mentions, _, _ = extract_articles(articles, config)
    doc_of = dict(zip(articles.column("article_id").to_pylist(), articles.column("source").to_pylist()))
    out: dict[str, list[dict]] = defaultdict(list)
    keep = ("start_char", "end_char", "label", "name", "surface")
    for m in mentions.to_pylist():
        out[doc_of[m["article_id"]]].append({k: m[k] for k in keep})
    return out


def cached_mentions(docs: list[dict], model: str | None) -> dict[str, list[dict]]:
    if CACHE.exists():
        return json.loads(CACHE.read_text())
    out = pipeline_mentions(docs, model)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(out))
    return out


def predictions(docs, mentions, gazetteer, weights) -> dict[str, list[dict]]:
    """doc id -> predicted places: the production function over each article's cached mentions (the
    dateline rule, the resolution in context), in English."""
    from tasks.places import locate_article
    from tasks.places.resolve import PLACE_LABELS

    out = {}
    for d in docs:
        ms = [dict(m, article_id=d["id"]) for m in mentions.get(d["id"], [])]
        located, _, _ = locate_article(d["text"], None, "en", ms, gazetteer, weights)
        out[d["id"]] = [{"start": m["start_char"], "end": m["end_char"], "lat": m.get("lat"), "lon": m.get("lon")}
                        for m in located if m["label"] in PLACE_LABELS]
    return out


def bare_places(docs: list[dict], model: str | None) -> dict[str, list[dict]]:
    """The bare spaCy model's GPE, LOC and FAC entities, as recognised places with no coordinates."""
    import spacy

    from newsloom.config import resolve_model
    from tasks.places.resolve import PLACE_LABELS

    nlp = spacy.load(resolve_model(model or "en_core_web_sm"))
    return {d["id"]: [{"start": e.start_char, "end": e.end_char} for e in doc.ents if e.label_ in PLACE_LABELS]
            for d, doc in zip(docs, nlp.pipe(d["text"] for d in docs))}


def score(docs: list[dict], preds: dict[str, list[dict]]) -> dict:
    """score_geo.py's measures over ``docs`` (its functions, loaded from ../shared)."""
    gold = {d["id"]: d for d in docs}
    res, _ = scorer("score_geo").score(gold, {i: {"places": preds.get(i, [])} for i in gold})
    return res


def brief(res: dict) -> str:
    return (f"P {res['precision']:.3f} R {res['recall']:.3f} F1 {res['f1']:.3f} | acc@161 {res['acc161']:.3f} "
            f"median {res['median_km']:.0f} km AUC {res['auc']:.3f} | end-to-end {res['end_to_end']:.3f}")


TUNE_FACTORS = (0.0, 0.5, 0.75, 1.5, 2.0)  # each weight tried at these multiples of its value (0 at 0.5, 1, 2)


def tune_weights(docs: list[dict], mentions: dict, gazetteer) -> None:
    """Coordinate search of the weights on TUNE: acc@161, then end-to-end, as the objective.  Prints the best."""
    from tasks.places.resolve import WEIGHTS

    def objective(w) -> tuple[float, float]:
        res = score(docs, predictions(docs, mentions, gazetteer, w))
        return round(res["acc161"], 4), round(res["end_to_end"], 4)

    best, best_value = WEIGHTS, objective(WEIGHTS)
    for _ in range(2):
        for f in dataclasses.fields(best):
            base = getattr(best, f.name)
            for value in sorted({base * k for k in TUNE_FACTORS} | ({0.5, 1.0, 2.0} if base == 0 else set())):
                w = dataclasses.replace(best, **{f.name: value})
                v = objective(w)
                if v > best_value:
                    best, best_value = w, v
                    print(f"  {f.name}={value:g}: acc@161 {v[0]:.4f} end-to-end {v[1]:.4f}")
    print("best on TUNE:", best)


def main() -> None:
    from tasks.places.gazetteer import DEFAULT_MIN_POPULATION, read_gazetteer
    from tasks.places.resolve import WEIGHTS

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--min-population", type=int, default=DEFAULT_MIN_POPULATION)
    ap.add_argument("--ablate", action="store_true")
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--bare", action="store_true", help="the bare model's GPE, LOC and FAC spans, unresolved")
    args = ap.parse_args()
    docs = load_docs()
    mentions = cached_mentions(docs, args.model)
    gazetteer = read_gazetteer(min_population=args.min_population)
    splits = {name: [d for d in docs if split_of(d["id"]) == name] for name in SPLIT_TENTHS}
    for name, part in splits.items():
        print(f"{name} ({len(part)} articles): {brief(score(part, predictions(part, mentions, gazetteer, WEIGHTS)))}")
    if args.bare:
        bare = bare_places(docs, args.model)
        for name, part in splits.items():
            print(f"{name}, bare model (recognition only): {brief(score(part, bare))}")
    if args.ablate:
        for signal in ("capital", "eponymous_city", "capital_company"):
            w = dataclasses.replace(WEIGHTS, **{signal: 0.0})
            print(f"TUNE without {signal}: {brief(score(splits['TUNE'], predictions(splits['TUNE'], mentions, gazetteer, w)))}")
        for n in (10_000, 50_000, 100_000):
            w = dataclasses.replace(WEIGHTS, unsupported_min_population=n)
            print(f"TUNE, towns under {n} need support: {brief(score(splits['TUNE'], predictions(splits['TUNE'], mentions, gazetteer, w)))}")
    if args.ablate:
        for n in (0, 100_000, 1_000_000, 10**12):
            w = dataclasses.replace(WEIGHTS, relabel_misread=True, misread_min_population=n)
            print(f"TUNE, misread places relabelled (cities from {n}): "
                  f"{brief(score(splits['TUNE'], predictions(splits['TUNE'], mentions, gazetteer, w)))}")
    if args.ablate:
        for n in (0, 1000, 15_000, 100_000):
            w = dataclasses.replace(WEIGHTS, context_min_population=n)
            print(f"TUNE, names after 'in' from towns of {n}: "
                  f"{brief(score(splits['TUNE'], predictions(splits['TUNE'], mentions, gazetteer, w)))}")
    if args.tune:
        tune_weights(splits["TUNE"], mentions, gazetteer)
    if args.ablate:
        for signal in ("main_name", "containment", "article_country", "article_division", "outlet_country"):
            w = dataclasses.replace(WEIGHTS, **{signal: 0.0})
            print(f"TUNE without {signal}: {brief(score(splits['TUNE'], predictions(splits['TUNE'], mentions, gazetteer, w)))}")


if __name__ == "__main__":
    main()
